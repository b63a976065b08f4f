-- Operator inbox: routing queue order, the per-tenant change feed, per-operator read markers,
-- canned replies.

ALTER TABLE conversations ADD COLUMN queued_at INTEGER;
ALTER TABLE conversations ADD COLUMN closed_at INTEGER;
CREATE INDEX conversations_queue ON conversations (tenant_id, status, queued_at);
CREATE INDEX conversations_by_assignee ON conversations (tenant_id, assignee_id, status);

ALTER TABLE operators ADD COLUMN last_assigned_at INTEGER NOT NULL DEFAULT 0;

-- The inbox feed: one row per change of a conversation or an operator. `id` is the cursor: it only
-- grows, so "everything after cursor N" is exact. Written in the same transaction as the change.
CREATE TABLE inbox_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('conversation', 'operator')),
  conversation_id TEXT,
  operator_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX inbox_changes_by_tenant ON inbox_changes (tenant_id, id);

-- How far each operator has read each conversation (unread counts are visitor messages after it).
CREATE TABLE operator_reads (
  operator_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (operator_id, conversation_id)
);

CREATE TABLE canned_replies (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  shortcut TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, shortcut)
);
