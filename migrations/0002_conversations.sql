-- Live conversations: visitors, conversations and the event stream (the history of record).

-- Widget appearance per tenant: {"color": "#2563eb", "position": "right", "greeting": "..."}.
ALTER TABLE tenants ADD COLUMN widget_settings TEXT NOT NULL DEFAULT '{}';

CREATE TABLE visitors (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  -- The site's own user id, only for visitors verified by HMAC; anonymous visitors have NULL.
  external_id TEXT,
  name TEXT,
  email TEXT,
  verified INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  UNIQUE (tenant_id, external_id)
);

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  visitor_id TEXT NOT NULL REFERENCES visitors(id),
  status TEXT NOT NULL DEFAULT 'bot' CHECK (status IN ('bot', 'queued', 'active', 'closed')),
  department_id TEXT,
  assignee_id TEXT,
  -- The widget's idempotency key for "start a conversation": a double click creates one conversation.
  client_request_id TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_message_preview TEXT,
  last_message_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (visitor_id, client_request_id)
);
CREATE INDEX conversations_by_visitor ON conversations (visitor_id, created_at DESC);
CREATE INDEX conversations_by_tenant ON conversations (tenant_id, updated_at DESC);

-- Every event of a conversation, in order. `seq` is gap-free per conversation and assigned by the
-- conversation's Durable Object inside the same transaction that stores the event.
CREATE TABLE events (
  conversation_id TEXT NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  type TEXT NOT NULL,
  author_type TEXT NOT NULL CHECK (author_type IN ('visitor', 'operator', 'bot', 'system')),
  author_id TEXT,
  author_name TEXT,
  client_msg_id TEXT NOT NULL,
  text TEXT,
  -- Type-specific JSON (read receipts' seq, attachments' metadata, status changes, ...).
  data TEXT,
  content_hash TEXT NOT NULL,
  -- 1: visible to operators only (private notes).
  private INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE (conversation_id, client_msg_id)
);
