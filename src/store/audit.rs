//! The audit log: who changed which setting when. Entries are written in the same batch as the change.

use worker::D1PreparedStatement;

use super::{int, opt_text, text, FromRow, Row, Store, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub actor_operator_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: String,
    pub created_at: i64,
}

pub struct AuditEntry<'a> {
    pub tenant_id: &'a str,
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub detail: serde_json::Value,
    pub now: i64,
}

impl Store {
    pub fn audit_statement(&self, e: &AuditEntry<'_>) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO audit_log (tenant_id, actor_operator_id, action, target_type, target_id, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[text(e.tenant_id), opt_text(e.actor), text(e.action), text(e.target_type), text(e.target_id), text(&e.detail.to_string()), int(e.now)],
        )
    }
}

impl FromRow for AuditRow {
    fn from_row(r: &Row) -> Self {
        AuditRow { id: r.i64("id"), actor_operator_id: r.opt_str("actor_operator_id"), action: r.str("action"), target_type: r.opt_str("target_type"), target_id: r.opt_str("target_id"), detail: r.str("detail"), created_at: r.i64("created_at") }
    }
}

impl TenantStore<'_> {
    /// Newest first; `before_id` continues a previous page.
    pub async fn audit_entries(&self, before_id: Option<i64>, limit: i64) -> StoreResult<Vec<AuditRow>> {
        self.store.all(
            "SELECT id, actor_operator_id, action, target_type, target_id, detail, created_at FROM audit_log
             WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
            &[text(self.tenant_id), int(before_id.unwrap_or(i64::MAX)), int(limit)],
        )
        .await
    }
}
