//! Canned replies: a tenant's saved answers, inserted in the composer by `/shortcut`.

use serde_json::{json, Value};

use super::{int, text, FromRow, Row, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct CannedRow {
    pub id: String,
    pub shortcut: String,
    pub text: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CannedRow {
    pub fn to_json(&self) -> Value {
        json!({ "id": self.id, "shortcut": self.shortcut, "text": self.text, "created_at": self.created_at, "updated_at": self.updated_at })
    }
}

impl FromRow for CannedRow {
    fn from_row(r: &Row) -> Self {
        CannedRow { id: r.str("id"), shortcut: r.str("shortcut"), text: r.str("text"), created_at: r.i64("created_at"), updated_at: r.i64("updated_at") }
    }
}

impl TenantStore<'_> {
    pub async fn canned_replies(&self) -> StoreResult<Vec<CannedRow>> {
        self.store.all("SELECT id, shortcut, text, created_at, updated_at FROM canned_replies WHERE tenant_id = ?1 ORDER BY shortcut", &[text(self.tenant_id)]).await
    }

    pub async fn canned_reply(&self, id: &str) -> StoreResult<Option<CannedRow>> {
        self.store.first("SELECT id, shortcut, text, created_at, updated_at FROM canned_replies WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }

    pub async fn insert_canned(&self, id: &str, shortcut: &str, body: &str, now: i64) -> StoreResult<usize> {
        self.store.run(
            "INSERT INTO canned_replies (id, tenant_id, shortcut, text, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            &[text(id), text(self.tenant_id), text(shortcut), text(body), int(now)],
        )
        .await
    }

    pub async fn update_canned(&self, id: &str, shortcut: &str, body: &str, now: i64) -> StoreResult<usize> {
        self.store.run(
            "UPDATE canned_replies SET shortcut = ?3, text = ?4, updated_at = ?5 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(shortcut), text(body), int(now)],
        )
        .await
    }

    pub async fn delete_canned(&self, id: &str) -> StoreResult<usize> {
        self.store.run("DELETE FROM canned_replies WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }
}
