-- The bot: per-tenant menu flow and business hours, FAQ entries, and what the visitor chose before
-- the conversation started.

-- JSON of domain::bot::Flow; NULL means the default flow.
ALTER TABLE tenants ADD COLUMN bot_flow TEXT;
-- JSON of domain::hours::HoursSpec; NULL means always open.
ALTER TABLE tenants ADD COLUMN business_hours TEXT;

ALTER TABLE conversations ADD COLUMN locale TEXT;
-- JSON list of {node, choice, label}: the menu path the visitor took.
ALTER TABLE conversations ADD COLUMN menu_path TEXT;

CREATE TABLE faq_entries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  question TEXT NOT NULL,
  answer TEXT NOT NULL,
  -- JSON array of strings.
  keywords TEXT NOT NULL DEFAULT '[]',
  department_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX faq_entries_by_tenant ON faq_entries (tenant_id, created_at);
