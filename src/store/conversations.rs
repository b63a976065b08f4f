//! Conversations: who they belong to, their status, and the summary kept beside the event stream.

use serde_json::{json, Value};

use super::{int, text, FromRow, Row, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct ConversationRow {
    pub id: String,
    pub tenant_id: String,
    pub visitor_id: String,
    pub status: String,
    pub department_id: Option<String>,
    pub assignee_id: Option<String>,
    pub client_request_id: Option<String>,
    pub last_seq: i64,
    pub last_message_preview: Option<String>,
    pub last_message_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub queued_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub locale: Option<String>,
    pub menu_path: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<i64>,
}

impl ConversationRow {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "status": self.status, "department_id": self.department_id, "assignee_id": self.assignee_id,
            "last_seq": self.last_seq, "last_message_preview": self.last_message_preview, "last_message_at": self.last_message_at,
            "created_at": self.created_at, "updated_at": self.updated_at, "locale": self.locale,
            "menu_path": self.menu_path.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()),
            "closed_at": self.closed_at, "rating": self.rating, "rating_comment": self.rating_comment, "rated_at": self.rated_at,
        })
    }
}

impl FromRow for ConversationRow {
    fn from_row(r: &Row) -> Self {
        ConversationRow { id: r.str("id"), tenant_id: r.str("tenant_id"), visitor_id: r.str("visitor_id"), status: r.str("status"), department_id: r.opt_str("department_id"), assignee_id: r.opt_str("assignee_id"), client_request_id: r.opt_str("client_request_id"), last_seq: r.i64("last_seq"), last_message_preview: r.opt_str("last_message_preview"), last_message_at: r.opt_i64("last_message_at"), created_at: r.i64("created_at"), updated_at: r.i64("updated_at"), queued_at: r.opt_i64("queued_at"), closed_at: r.opt_i64("closed_at"), locale: r.opt_str("locale"), menu_path: r.opt_str("menu_path"), rating: r.opt_i64("rating"), rating_comment: r.opt_str("rating_comment"), rated_at: r.opt_i64("rated_at") }
    }
}

impl TenantStore<'_> {
    pub async fn conversations_for_visitor(&self, visitor_id: &str, limit: i64) -> StoreResult<Vec<ConversationRow>> {
        self.store.all(
            "SELECT * FROM conversations WHERE tenant_id = ?1 AND visitor_id = ?2 ORDER BY created_at DESC, id DESC LIMIT ?3",
            &[text(self.tenant_id), text(visitor_id), int(limit)],
        )
        .await
    }

    pub async fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRow>> {
        self.store.first("SELECT * FROM conversations WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }
}
