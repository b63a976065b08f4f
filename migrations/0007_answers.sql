-- Answers that understand people: FAQ entries get a language, "also asked as" variants and (when an
-- embeddings provider is bound) their vectors; the bot's misses are kept for the console.

-- en, ja, ko or zh; NULL: taken from the script of the question.
ALTER TABLE faq_entries ADD COLUMN locale TEXT;
-- JSON array of strings: other ways people ask the question.
ALTER TABLE faq_entries ADD COLUMN variants TEXT NOT NULL DEFAULT '[]';
-- JSON {model, dim, vectors: [[…] question, […] each variant]} from the provider at save time.
ALTER TABLE faq_entries ADD COLUMN embedding TEXT;

-- A visitor question the bot could not answer (`no_answer`), or answered and the visitor then asked
-- for a person (`asked_for_person`, with the entry it gave). Written by the room's D1 follower from
-- the event that recorded it, so it is as durable and ordered as the events; the operator's reply is
-- read from the events that follow `seq`.
CREATE TABLE bot_misses (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  question TEXT NOT NULL,
  locale TEXT,
  reason TEXT NOT NULL CHECK (reason IN ('no_answer', 'asked_for_person')),
  faq_id TEXT,
  created_at INTEGER NOT NULL,
  -- Set when an operator turned it into an entry or a variant (resolved_faq_id) or dismissed it.
  resolved_at INTEGER,
  resolved_faq_id TEXT,
  PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX bot_misses_by_tenant ON bot_misses (tenant_id, resolved_at, created_at);
