//! Tenants (companies) and their identity secret.

use serde::Deserialize;
use worker::D1PreparedStatement;

use super::{int, opt_text, text, Store, StoreResult};

#[derive(Debug, Clone, Deserialize)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub identity_secret: Option<String>,
    pub identity_secret_created_at: Option<i64>,
    pub require_verified: i64,
    pub widget_settings: String,
    pub created_at: i64,
}

impl Store {
    pub fn insert_tenant_statement(&self, id: &str, name: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.stmt("INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)", &[text(id), text(name), int(now)])
    }

    pub async fn tenant_by_id(&self, id: &str) -> StoreResult<Option<TenantRow>> {
        self.first("SELECT * FROM tenants WHERE id = ?1", &[text(id)]).await
    }

    pub fn set_identity_secret_statement(&self, tenant_id: &str, secret: Option<&str>, now: i64) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "UPDATE tenants SET identity_secret = ?2, identity_secret_created_at = ?3 WHERE id = ?1",
            &[text(tenant_id), opt_text(secret), if secret.is_some() { int(now) } else { worker::wasm_bindgen::JsValue::NULL }],
        )
    }
}
