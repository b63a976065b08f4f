-- Conversations are owned by their rooms (Durable Object storage); D1 follows behind them.
-- A deleted conversation leaves a tombstone, so a room's write still in flight can never bring it back.
CREATE TABLE deleted_conversations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  deleted_at INTEGER NOT NULL
);

-- The console feed and its cursor now live in each tenant's inbox (Durable Object storage), told by
-- the rooms directly; D1's copy is no longer written or read.
DROP TABLE inbox_changes;
