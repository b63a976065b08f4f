-- Emails each tenant sent per UTC day (transcripts, confirmations, messages left for the team),
-- counted before each is sent, against the deployment's MAIL_DAILY_LIMIT.
CREATE TABLE mail_quota (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  day INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, day)
);
