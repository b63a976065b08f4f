//! What rooms write into D1 behind their own storage: the conversation's row as the room has it, its
//! events by `(conversation_id, seq)`, read markers. Every statement is idempotent (a retried batch
//! changes nothing twice) and does nothing for a conversation that was deleted (tombstone).

use worker::D1PreparedStatement;

use super::{TenantStore, int, opt_text, text, Store, StoreResult};
use crate::realtime::wire::Snapshot;
use crate::store::events::EventRow;

/// Most bytes of event JSON bound to one statement (D1 takes values up to 2 MB; one message is at most
/// a few tens of kilobytes).
pub const EVENTS_JSON_BYTES: usize = 256 * 1024;

/// The events as JSON arrays of rows (seq, type, author_type, author_id, author_name, client_msg_id,
/// text, data, content_hash, private, created_at), each at most `EVENTS_JSON_BYTES` unless one event
/// alone is larger.
pub fn event_chunks(events: &[EventRow]) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    for e in events {
        let row = serde_json::json!([e.seq, e.kind, e.author_type, e.author_id, e.author_name, e.client_msg_id, e.text, e.data, e.content_hash, e.private, e.created_at]).to_string();
        if !current.is_empty() && current.len() + row.len() + 2 > EVENTS_JSON_BYTES {
            current.push(']');
            chunks.push(std::mem::take(&mut current));
        }
        current.push(if current.is_empty() { '[' } else { ',' });
        current.push_str(&row);
    }
    if !current.is_empty() {
        current.push(']');
        chunks.push(current);
    }
    chunks
}

impl Store {
    /// The conversation row as of the room's state, with `last_seq` = the last event D1 gets in the
    /// same batch (so lists never count events D1 does not have yet).
    pub fn follow_conversation_statement(&self, c: &Snapshot, last_seq: i64) -> StoreResult<D1PreparedStatement> {
        let menu_path = c.menu_path.as_ref().map(|m| m.to_string());
        self.stmt(
            "INSERT INTO conversations (id, tenant_id, visitor_id, status, department_id, assignee_id, last_seq, last_message_preview,
               last_message_at, created_at, updated_at, queued_at, closed_at, locale, menu_path, rating, rating_comment, rated_at, category_id)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19
             WHERE NOT EXISTS (SELECT 1 FROM deleted_conversations WHERE id = ?1)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, department_id = excluded.department_id,
               assignee_id = excluded.assignee_id, last_seq = MAX(conversations.last_seq, excluded.last_seq),
               last_message_preview = excluded.last_message_preview, last_message_at = excluded.last_message_at,
               updated_at = excluded.updated_at, queued_at = excluded.queued_at, closed_at = excluded.closed_at,
               locale = excluded.locale, menu_path = excluded.menu_path, rating = excluded.rating,
               rating_comment = excluded.rating_comment, rated_at = excluded.rated_at, category_id = excluded.category_id",
            &[
                text(&c.id),
                text(&c.tenant_id),
                text(&c.visitor_id),
                text(&c.status),
                opt_text(c.department_id.as_deref()),
                opt_text(c.assignee_id.as_deref()),
                int(last_seq),
                opt_text(c.last_message_preview.as_deref()),
                c.last_message_at.map(int).unwrap_or(worker::wasm_bindgen::JsValue::NULL),
                int(c.created_at),
                int(c.updated_at),
                c.queued_at.map(int).unwrap_or(worker::wasm_bindgen::JsValue::NULL),
                c.closed_at.map(int).unwrap_or(worker::wasm_bindgen::JsValue::NULL),
                opt_text(c.locale.as_deref()),
                opt_text(menu_path.as_deref()),
                c.rating.map(int).unwrap_or(worker::wasm_bindgen::JsValue::NULL),
                opt_text(c.rating_comment.as_deref()),
                c.rated_at.map(int).unwrap_or(worker::wasm_bindgen::JsValue::NULL),
                opt_text(c.category_id.as_deref()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, text: &str) -> EventRow {
        EventRow {
            seq,
            kind: "message".into(),
            author_type: "visitor".into(),
            author_id: Some("v1".into()),
            author_name: None,
            client_msg_id: format!("m{seq}"),
            text: Some(text.into()),
            data: None,
            content_hash: "h".into(),
            private: 0,
            created_at: 1000 + seq,
        }
    }

    #[test]
    fn event_chunks_are_json_rows_in_order_split_by_size() {
        let big = "é\"\\\n".repeat(20_000);
        let events: Vec<EventRow> = (1..=40).map(|n| event(n, if n % 10 == 0 { &big } else { "hi" })).collect();
        let chunks = event_chunks(&events);
        assert!(chunks.len() > 1, "large events split the batch");
        let mut seqs = Vec::new();
        for chunk in &chunks {
            assert!(chunk.len() <= EVENTS_JSON_BYTES, "{} bytes", chunk.len());
            let rows: Vec<serde_json::Value> = serde_json::from_str(chunk).expect("valid JSON");
            for row in rows {
                assert_eq!(row.as_array().map(Vec::len), Some(11));
                seqs.push(row[0].as_i64().unwrap_or(-1));
                if row[0] == 10 {
                    assert_eq!(row[6].as_str(), Some(big.as_str()), "text survives escaping");
                }
                assert_eq!(row[4], serde_json::Value::Null, "a missing author name is null");
            }
        }
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
        assert!(event_chunks(&[]).is_empty());
    }
}

impl TenantStore<'_> {
    /// Events at their seqs, as one JSON parameter per statement (rows from `event_chunks`), so a
    /// batch of hundreds of events is a few statements rather than one per handful of bound
    /// parameters. One already there (a retried batch) is nothing to do.
    pub fn follow_events_statements(&self, conversation_id: &str, events: &[EventRow]) -> StoreResult<Vec<D1PreparedStatement>> {
        let mut statements = Vec::new();
        for rows in event_chunks(events) {
            statements.push(self.store.stmt(
                "INSERT INTO events (conversation_id, seq, tenant_id, type, author_type, author_id, author_name, client_msg_id, text, data, content_hash, private, created_at)
                 SELECT ?1, e.value ->> 0, ?2, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5, e.value ->> 6,
                   e.value ->> 7, e.value ->> 8, e.value ->> 9, e.value ->> 10
                 FROM json_each(?3) AS e WHERE NOT EXISTS (SELECT 1 FROM deleted_conversations WHERE id = ?1)
                 ON CONFLICT DO NOTHING",
                &[text(conversation_id), text(self.tenant_id), text(&rows)],
            )?);
            // The bot's misses ride on the events that record them (`data.miss`).
            if rows.contains("\\\"miss\\\"") {
                statements.push(self.store.stmt(
                    "INSERT INTO bot_misses (conversation_id, seq, tenant_id, question, locale, reason, faq_id, created_at)
                     SELECT ?1, json_extract(e.value ->> 7, '$.miss.seq'), ?2, json_extract(e.value ->> 7, '$.miss.question'),
                       json_extract(e.value ->> 7, '$.miss.locale'), json_extract(e.value ->> 7, '$.miss.reason'),
                       json_extract(e.value ->> 7, '$.miss.faq_id'), e.value ->> 10
                     FROM json_each(?3) AS e
                     WHERE json_valid(e.value ->> 7) AND json_extract(e.value ->> 7, '$.miss.question') IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM deleted_conversations WHERE id = ?1)
                     ON CONFLICT DO NOTHING",
                    &[text(conversation_id), text(self.tenant_id), text(&rows)],
                )?);
            }
        }
        Ok(statements)
    }

    /// Marks a conversation deleted for good: rooms' writes still in flight then change nothing.
    pub fn tombstone_statement(&self, conversation_id: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "INSERT INTO deleted_conversations (id, tenant_id, deleted_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
            &[text(conversation_id), text(self.tenant_id), int(now)],
        )
    }
}
