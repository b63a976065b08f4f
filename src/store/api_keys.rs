//! Publishable API keys of a tenant, with their allowed origins.

use std::cell::RefCell;

use worker::D1PreparedStatement;

use std::collections::HashMap;

use super::{int, text, FromRow, Row, Store, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    pub id: String,
    pub tenant_id: String,
    pub publishable_key: String,
    pub label: String,
    /// JSON array text.
    pub allowed_origins: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// Whether the key's tenant talks to verified visitors only (filled by the lookups the widget's
    /// requests use: `api_key_by_credential`, `api_key_cached`; false elsewhere).
    pub tenant_requires_verified: bool,
}

impl ApiKeyRow {
    pub fn origins(&self) -> Vec<String> {
        serde_json::from_str(&self.allowed_origins).unwrap_or_default()
    }
}

/// How long an isolate trusts a key it looked up: a revoked key (or changed origins) is refused by
/// every new request within this time, and at once in the isolate that revoked it.
pub const KEY_CACHE_MS: i64 = 5_000;
const KEY_CACHE_ENTRIES: usize = 1_000;

thread_local! {
    static KEYS: RefCell<HashMap<String, (Option<ApiKeyRow>, i64)>> = RefCell::new(HashMap::new());
}

fn cached_key(name: &str, now: i64) -> Option<Option<ApiKeyRow>> {
    KEYS.with(|k| k.borrow().get(name).filter(|(_, at)| now - at < KEY_CACHE_MS && now >= *at).map(|(row, _)| row.clone()))
}

fn remember_key(name: String, row: Option<ApiKeyRow>, now: i64) {
    KEYS.with(|k| {
        let mut keys = k.borrow_mut();
        keys.retain(|_, (_, at)| now - *at < KEY_CACHE_MS);
        if keys.len() < KEY_CACHE_ENTRIES {
            keys.insert(name, (row, now));
        }
    });
}

/// Drops a key from this isolate's cache (it was just revoked or changed here).
pub fn forget_key(row: &ApiKeyRow) {
    KEYS.with(|k| {
        let mut keys = k.borrow_mut();
        keys.remove(&format!("pk:{}", row.publishable_key));
        keys.remove(&format!("id:{}:{}", row.tenant_id, row.id));
    });
}

/// Drops every cached key of a tenant in this isolate (its policy changed here).
pub fn forget_tenant_keys(tenant_id: &str) {
    KEYS.with(|k| k.borrow_mut().retain(|_, (row, _)| row.as_ref().is_none_or(|r| r.tenant_id != tenant_id)));
}

impl Store {
    pub fn insert_api_key_statement(&self, row: &ApiKeyRow) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO api_keys (id, tenant_id, publishable_key, label, allowed_origins, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[text(&row.id), text(&row.tenant_id), text(&row.publishable_key), text(&row.label), text(&row.allowed_origins), int(row.created_at)],
        )
    }

    /// The key a widget presents; revoked keys are returned too so callers can say "revoked".
    /// Kept per isolate for at most `KEY_CACHE_MS` (see `cached_key`).
    pub async fn api_key_by_credential(&self, publishable_key: &str, now: i64) -> StoreResult<Option<ApiKeyRow>> {
        let name = format!("pk:{publishable_key}");
        if let Some(hit) = cached_key(&name, now) {
            return Ok(hit);
        }
        let row: Option<ApiKeyRow> = self.first(&format!("{KEY_WITH_TENANT_POLICY} WHERE k.publishable_key = ?1"), &[text(publishable_key)]).await?;
        remember_key(name, row.clone(), now);
        Ok(row)
    }
}

/// A key with the policy of its tenant the widget's requests enforce.
const KEY_WITH_TENANT_POLICY: &str = "SELECT k.*, t.require_verified AS tenant_requires_verified FROM api_keys k JOIN tenants t ON t.id = k.tenant_id";

impl FromRow for ApiKeyRow {
    fn from_row(r: &Row) -> Self {
        ApiKeyRow {
            id: r.str("id"),
            tenant_id: r.str("tenant_id"),
            publishable_key: r.str("publishable_key"),
            label: r.str("label"),
            allowed_origins: r.str("allowed_origins"),
            created_at: r.i64("created_at"),
            revoked_at: r.opt_i64("revoked_at"),
            tenant_requires_verified: r.opt_i64("tenant_requires_verified") == Some(1),
        }
    }
}

impl TenantStore<'_> {
    pub async fn api_keys(&self) -> StoreResult<Vec<ApiKeyRow>> {
        self.store.all("SELECT * FROM api_keys WHERE tenant_id = ?1 ORDER BY created_at DESC, id", &[text(self.tenant_id)]).await
    }

    pub async fn api_key(&self, id: &str) -> StoreResult<Option<ApiKeyRow>> {
        self.store.first("SELECT * FROM api_keys WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }

    /// A key by its id, as a visitor token names it (cached like `api_key_by_credential`).
    pub async fn api_key_cached(&self, id: &str, now: i64) -> StoreResult<Option<ApiKeyRow>> {
        let name = format!("id:{}:{id}", self.tenant_id);
        if let Some(hit) = cached_key(&name, now) {
            return Ok(hit);
        }
        let row = self.store.first(&format!("{KEY_WITH_TENANT_POLICY} WHERE k.tenant_id = ?1 AND k.id = ?2"), &[text(self.tenant_id), text(id)]).await?;
        remember_key(name, row.clone(), now);
        Ok(row)
    }

    pub fn update_api_key_statement(&self, id: &str, label: &str, allowed_origins: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE api_keys SET label = ?3, allowed_origins = ?4 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(label), text(allowed_origins)],
        )
    }

    pub fn revoke_api_key_statement(&self, id: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE api_keys SET revoked_at = ?3 WHERE tenant_id = ?1 AND id = ?2 AND revoked_at IS NULL",
            &[text(self.tenant_id), text(id), int(now)],
        )
    }
}
