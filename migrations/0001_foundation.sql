-- Foundation: tenants, operators, departments, keys, refresh tokens, audit log, login throttling.
-- Times are milliseconds since the Unix epoch. Ids are UUID v4 text.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- HMAC-SHA256 key for verified visitors; shown to an owner once, when created or rotated.
  identity_secret TEXT,
  identity_secret_created_at INTEGER,
  -- 1: visitors must present a valid identity hash (set by later issues' settings).
  require_verified INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

CREATE TABLE operators (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  -- Login name; unique across the deployment so that sign-in needs no tenant picker.
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
  password_hash TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('available', 'busy', 'offline')),
  capacity INTEGER NOT NULL DEFAULT 5 CHECK (capacity >= 0),
  active INTEGER NOT NULL DEFAULT 1,
  -- Bumped on password change and deactivation: access tokens carrying an older value are refused.
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX operators_by_tenant ON operators (tenant_id, created_at);

CREATE TABLE departments (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX one_default_department_per_tenant ON departments (tenant_id) WHERE is_default = 1;

CREATE TABLE department_members (
  department_id TEXT NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
  operator_id TEXT NOT NULL REFERENCES operators(id),
  tenant_id TEXT NOT NULL,
  PRIMARY KEY (department_id, operator_id)
);
CREATE INDEX department_members_by_operator ON department_members (operator_id);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  publishable_key TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  -- JSON array of origin patterns (https://shop.example.com, http://localhost:*).
  allowed_origins TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  -- All tokens descending from one login share a family; reuse of a rotated token revokes the family.
  family_id TEXT NOT NULL,
  operator_id TEXT NOT NULL REFERENCES operators(id),
  tenant_id TEXT NOT NULL,
  -- HMAC-SHA256 of the token under the server secret; the token itself is never stored.
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX refresh_tokens_by_operator ON refresh_tokens (operator_id);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  actor_operator_id TEXT,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  -- JSON object with what changed (never secrets or passwords).
  detail TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);

-- Failed sign-in counters per account and per client address, in fixed windows.
CREATE TABLE login_throttle (
  bucket TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  failures INTEGER NOT NULL
);
