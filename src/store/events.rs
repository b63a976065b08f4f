//! The event stream of a conversation as D1 has it (the history of record for reads across
//! conversations). Rooms assign `seq` and write events here behind their own storage (`follow.rs`).

use serde_json::{json, Value};

use super::{int, text, FromRow, Row, StoreResult, TenantStore};

#[derive(Debug, Clone, serde::Deserialize)]
pub struct EventRow {
    pub seq: i64,
    #[serde(rename = "type")]
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

const EVENT_COLUMNS: &str = "seq, type, author_type, author_id, author_name, client_msg_id, text, data, content_hash, private, created_at";

impl TenantStore<'_> {
    /// Counts `count` more emails of the tenant on `day` (days since the epoch, UTC), in one
    /// statement, and answers how many that makes.
    pub async fn count_mail(&self, day: i64, count: i64) -> StoreResult<i64> {
        let total: Option<super::Count> = self
            .store
            .first(
                "INSERT INTO mail_quota (tenant_id, day, sent) VALUES (?1, ?2, ?3)
                 ON CONFLICT (tenant_id, day) DO UPDATE SET sent = sent + excluded.sent RETURNING sent AS n",
                &[text(self.tenant_id), int(day), int(count)],
            )
            .await?;
        Ok(total.map(|c| c.n).unwrap_or(i64::MAX))
    }

    /// A conversation's events after `after_seq`, in order; private notes only when asked for.
    pub async fn events_after(&self, conversation_id: &str, after_seq: i64, limit: i64, include_private: bool) -> StoreResult<Vec<EventRow>> {
        self.store
            .all(
                &format!("SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = ?5 AND conversation_id = ?1 AND seq > ?2 AND (private = 0 OR ?4 = 1) ORDER BY seq LIMIT ?3"),
                &[text(conversation_id), int(after_seq), int(limit), int(include_private as i64), text(self.tenant_id)],
            )
            .await
    }
}

impl FromRow for EventRow {
    fn from_row(r: &Row) -> Self {
        EventRow { seq: r.i64("seq"), kind: r.str("type"), author_type: r.str("author_type"), author_id: r.opt_str("author_id"), author_name: r.opt_str("author_name"), client_msg_id: r.str("client_msg_id"), text: r.opt_str("text"), data: r.opt_str("data"), content_hash: r.str("content_hash"), private: r.i64("private"), created_at: r.i64("created_at") }
    }
}
