-- What conversations are about, as each tenant names it: categories with the words and FAQ entries
-- that put a conversation in them (at its handoff or close, unless an operator chose), for the
-- inbox's filter and reports.
CREATE TABLE categories (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  keywords TEXT NOT NULL DEFAULT '[]',
  faq_ids TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX categories_by_name ON categories (tenant_id, name);
ALTER TABLE conversations ADD COLUMN category_id TEXT;
CREATE INDEX conversations_by_category ON conversations (tenant_id, category_id, updated_at DESC) WHERE category_id IS NOT NULL;
