//! The event stream of a conversation. Inserts are conditional on the `client_msg_id` being new and
//! take the next `seq` inside the same statement, so the stream is gap-free and sends are idempotent
//! even if two writers ever raced.

use serde_json::{json, Value};
use worker::D1PreparedStatement;

use super::{int, opt_text, text, Store, StoreResult, FromRow, Row};

#[derive(Debug, Clone)]
pub struct EventRow {
    pub seq: i64,
    pub kind: String,
    pub author_type: String,
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    pub client_msg_id: String,
    pub text: Option<String>,
    pub data: Option<String>,
    pub content_hash: String,
    pub private: i64,
    pub created_at: i64,
}

impl EventRow {
    /// The event as every client sees it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "seq": self.seq,
            "type": self.kind,
            "author": { "type": self.author_type, "id": self.author_id, "name": self.author_name },
            "client_msg_id": self.client_msg_id,
            "created_at": self.created_at,
        });
        if let Some(t) = &self.text {
            v["text"] = json!(t);
        }
        if let Some(d) = self.data.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()) {
            v["data"] = d;
        }
        if self.private == 1 {
            v["private"] = json!(true);
        }
        v
    }
}

/// An event to store; `seq` is decided by the database.
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub author_type: &'a str,
    pub author_id: Option<&'a str>,
    pub author_name: Option<&'a str>,
    pub client_msg_id: &'a str,
    pub text: Option<&'a str>,
    pub data: Option<&'a str>,
    pub content_hash: &'a str,
    pub private: bool,
    pub created_at: i64,
}

const EVENT_COLUMNS: &str = "seq, type, author_type, author_id, author_name, client_msg_id, text, data, content_hash, private, created_at";

impl Store {
    /// Inserts the event with the next seq unless its `client_msg_id` is already in the stream.
    pub fn insert_event_statement(&self, conversation_id: &str, tenant_id: &str, e: &NewEvent<'_>) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO events (conversation_id, seq, tenant_id, type, author_type, author_id, author_name, client_msg_id, text, data, content_hash, private, created_at)
             SELECT ?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE conversation_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
             WHERE NOT EXISTS (SELECT 1 FROM events WHERE conversation_id = ?1 AND client_msg_id = ?7)",
            &[
                text(conversation_id),
                text(tenant_id),
                text(e.kind),
                text(e.author_type),
                opt_text(e.author_id),
                opt_text(e.author_name),
                text(e.client_msg_id),
                opt_text(e.text),
                opt_text(e.data),
                text(e.content_hash),
                int(e.private as i64),
                int(e.created_at),
            ],
        )
    }

    /// The stored event for a `client_msg_id` (just inserted or from before).
    pub fn event_by_client_msg_id_statement(&self, conversation_id: &str, client_msg_id: &str) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE conversation_id = ?1 AND client_msg_id = ?2"),
            &[text(conversation_id), text(client_msg_id)],
        )
    }

    /// Keeps the conversation's summary in step with its stream, in the same transaction.
    /// Also answers the conversation's status (one row with `status`), so the room knows after each
    /// commit whether the bot is the one to answer, without another read.
    pub fn summarize_conversation_statement(&self, conversation_id: &str, preview: Option<&str>, now: i64) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "UPDATE conversations SET
               last_seq = (SELECT COALESCE(MAX(seq), 0) FROM events WHERE conversation_id = ?1),
               last_message_preview = COALESCE(?2, last_message_preview),
               last_message_at = CASE WHEN ?2 IS NULL THEN last_message_at ELSE ?3 END,
               updated_at = ?3
             WHERE id = ?1 RETURNING status",
            &[text(conversation_id), opt_text(preview), int(now)],
        )
    }

    /// Events after `after_seq`, in order; private notes only when asked for.
    pub async fn events_after(&self, conversation_id: &str, after_seq: i64, limit: i64, include_private: bool) -> StoreResult<Vec<EventRow>> {
        self.all(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE conversation_id = ?1 AND seq > ?2 AND (private = 0 OR ?4 = 1) ORDER BY seq LIMIT ?3"),
            &[text(conversation_id), int(after_seq), int(limit), int(include_private as i64)],
        )
        .await
    }

    pub async fn last_seq(&self, conversation_id: &str) -> StoreResult<i64> {
        let row: Option<super::Count> = self.first("SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE conversation_id = ?1", &[text(conversation_id)]).await?;
        Ok(row.map(|c| c.n).unwrap_or(0))
    }
}

impl FromRow for EventRow {
    fn from_row(r: &Row) -> Self {
        EventRow { seq: r.i64("seq"), kind: r.str("type"), author_type: r.str("author_type"), author_id: r.opt_str("author_id"), author_name: r.opt_str("author_name"), client_msg_id: r.str("client_msg_id"), text: r.opt_str("text"), data: r.opt_str("data"), content_hash: r.str("content_hash"), private: r.i64("private"), created_at: r.i64("created_at") }
    }
}

/// The `status` a `RETURNING status` statement answers.
pub struct StatusRow(pub String);

impl super::FromRow for StatusRow {
    fn from_row(row: &super::Row) -> Self {
        StatusRow(row.str("status"))
    }
}
