-- The visitor's journey: a closed conversation's rating (CSAT), written by the room's D1 follower
-- with the rest of the conversation's row; reports read it per operator, department and period.
ALTER TABLE conversations ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE conversations ADD COLUMN rating_comment TEXT;
ALTER TABLE conversations ADD COLUMN rated_at INTEGER;
CREATE INDEX conversations_rated ON conversations (tenant_id, rated_at) WHERE rating IS NOT NULL;

-- Departments the visitor can choose in the widget ("Which team?"), with their label per language
-- (JSON {"en": "Sales", "ja": "営業"}; the name when a language has none).
ALTER TABLE departments ADD COLUMN widget_visible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE departments ADD COLUMN widget_labels TEXT NOT NULL DEFAULT '{}';
