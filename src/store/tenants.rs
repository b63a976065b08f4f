//! Tenants (companies) and their identity secret.

use worker::D1PreparedStatement;

use super::{int, opt_text, text, FromRow, Row, Store, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub identity_secret: Option<String>,
    pub identity_secret_created_at: Option<i64>,
    pub require_verified: i64,
    pub widget_settings: String,
    pub bot_flow: Option<String>,
    pub business_hours: Option<String>,
    pub created_at: i64,
}

impl Store {
    pub fn insert_tenant_statement(&self, id: &str, name: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.stmt("INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)", &[text(id), text(name), int(now)])
    }
}

impl FromRow for TenantRow {
    fn from_row(r: &Row) -> Self {
        TenantRow { id: r.str("id"), name: r.str("name"), identity_secret: r.opt_str("identity_secret"), identity_secret_created_at: r.opt_i64("identity_secret_created_at"), require_verified: r.i64("require_verified"), widget_settings: r.str("widget_settings"), bot_flow: r.opt_str("bot_flow"), business_hours: r.opt_str("business_hours"), created_at: r.i64("created_at") }
    }
}

impl TenantStore<'_> {
    /// The tenant's own row.
    pub async fn row(&self) -> StoreResult<Option<TenantRow>> {
        self.store.first("SELECT * FROM tenants WHERE id = ?1", &[text(self.tenant_id)]).await
    }

    pub fn set_identity_secret_statement(&self, secret: Option<&str>, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE tenants SET identity_secret = ?2, identity_secret_created_at = ?3 WHERE id = ?1",
            &[text(self.tenant_id), opt_text(secret), if secret.is_some() { int(now) } else { worker::wasm_bindgen::JsValue::NULL }],
        )
    }
}
