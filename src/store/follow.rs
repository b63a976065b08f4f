//! What rooms write into D1 behind their own storage: the conversation's row as the room has it, its
//! events by `(conversation_id, seq)`, read markers. Every statement is idempotent (a retried batch
//! changes nothing twice) and does nothing for a conversation that was deleted (tombstone).

use worker::D1PreparedStatement;

use super::{int, opt_text, text, Store, StoreResult};
use crate::realtime::wire::Snapshot;
use crate::store::events::EventRow;

/// 2 + 11 × 8 = 90 bound parameters per statement, within D1's limit of 100.
pub const EVENTS_PER_STATEMENT: usize = 8;

impl Store {
    /// The conversation row as of the room's state, with `last_seq` = the last event D1 gets in the
    /// same batch (so lists never count events D1 does not have yet).
    pub fn follow_conversation_statement(&self, c: &Snapshot, last_seq: i64) -> StoreResult<D1PreparedStatement> {
        let menu_path = c.menu_path.as_ref().map(|m| m.to_string());
        self.stmt(
            "INSERT INTO conversations (id, tenant_id, visitor_id, status, department_id, assignee_id, last_seq, last_message_preview,
               last_message_at, created_at, updated_at, queued_at, closed_at, locale, menu_path)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15
             WHERE NOT EXISTS (SELECT 1 FROM deleted_conversations WHERE id = ?1)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, department_id = excluded.department_id,
               assignee_id = excluded.assignee_id, last_seq = MAX(conversations.last_seq, excluded.last_seq),
               last_message_preview = excluded.last_message_preview, last_message_at = excluded.last_message_at,
               updated_at = excluded.updated_at, queued_at = excluded.queued_at, closed_at = excluded.closed_at,
               locale = excluded.locale, menu_path = excluded.menu_path",
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
            ],
        )
    }

    /// Events at their seqs, `EVENTS_PER_STATEMENT` at most (D1 binds at most 100 parameters); one
    /// already there (a retried batch) is nothing to do.
    pub fn follow_events_statement(&self, conversation_id: &str, tenant_id: &str, events: &[EventRow]) -> StoreResult<D1PreparedStatement> {
        let mut args = vec![text(conversation_id), text(tenant_id)];
        let mut rows = Vec::with_capacity(events.len());
        for e in events.iter().take(EVENTS_PER_STATEMENT) {
            let at = args.len();
            rows.push(format!("(?1, ?{}, ?2, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})", at + 1, at + 2, at + 3, at + 4, at + 5, at + 6, at + 7, at + 8, at + 9, at + 10, at + 11));
            args.extend([
                int(e.seq),
                text(&e.kind),
                text(&e.author_type),
                opt_text(e.author_id.as_deref()),
                opt_text(e.author_name.as_deref()),
                text(&e.client_msg_id),
                opt_text(e.text.as_deref()),
                opt_text(e.data.as_deref()),
                text(&e.content_hash),
                int(e.private),
                int(e.created_at),
            ]);
        }
        self.stmt(
            &format!(
                "INSERT INTO events (conversation_id, seq, tenant_id, type, author_type, author_id, author_name, client_msg_id, text, data, content_hash, private, created_at)
                 SELECT * FROM (VALUES {}) WHERE NOT EXISTS (SELECT 1 FROM deleted_conversations WHERE id = ?1)
                 ON CONFLICT DO NOTHING",
                rows.join(", ")
            ),
            &args,
        )
    }

    /// Marks a conversation deleted for good: rooms' writes still in flight then change nothing.
    pub fn tombstone_statement(&self, tenant_id: &str, conversation_id: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO deleted_conversations (id, tenant_id, deleted_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
            &[text(conversation_id), text(tenant_id), int(now)],
        )
    }
}
