//! Visitors of a tenant's site: anonymous (a signed token in the widget) or verified (the site's own
//! user id, proven by an HMAC of it under the tenant's identity secret).

use super::{int, opt_text, text, FromRow, Row, Store, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct VisitorRow {
    pub id: String,
    pub tenant_id: String,
    pub external_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl Store {
}

impl FromRow for VisitorRow {
    fn from_row(r: &Row) -> Self {
        VisitorRow { id: r.str("id"), tenant_id: r.str("tenant_id"), external_id: r.opt_str("external_id"), name: r.opt_str("name"), email: r.opt_str("email"), verified: r.i64("verified"), created_at: r.i64("created_at"), last_seen_at: r.i64("last_seen_at") }
    }
}

impl TenantStore<'_> {
    /// The details a visitor gave (the pre-chat form); what is `None` stays as it was.
    pub async fn set_visitor_details(&self, id: &str, name: Option<&str>, email: Option<&str>) -> StoreResult<usize> {
        self.store
            .run(
                "UPDATE visitors SET name = COALESCE(?3, name), email = COALESCE(?4, email) WHERE tenant_id = ?1 AND id = ?2",
                &[text(self.tenant_id), text(id), opt_text(name), opt_text(email)],
            )
            .await
    }

    pub async fn touch_visitor(&self, id: &str, now: i64) -> StoreResult<usize> {
        self.store.run("UPDATE visitors SET last_seen_at = ?2 WHERE id = ?1 AND tenant_id = ?3", &[text(id), int(now), text(self.tenant_id)]).await
    }

    pub async fn insert_anonymous_visitor(&self, id: &str, name: Option<&str>, email: Option<&str>, now: i64) -> StoreResult<usize> {
        self.store.run(
            "INSERT INTO visitors (id, tenant_id, name, email, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            &[text(id), text(self.tenant_id), opt_text(name), opt_text(email), int(now)],
        )
        .await
    }

    /// Finds or creates the verified visitor for a site user id; name and email follow the site.
    pub async fn upsert_verified_visitor(&self, id: &str, external_id: &str, name: Option<&str>, email: Option<&str>, now: i64) -> StoreResult<Option<VisitorRow>> {
        self.store.run(
            "INSERT INTO visitors (id, tenant_id, external_id, name, email, verified, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)
             ON CONFLICT (tenant_id, external_id) DO UPDATE SET
               name = COALESCE(excluded.name, visitors.name), email = COALESCE(excluded.email, visitors.email), last_seen_at = excluded.last_seen_at",
            &[text(id), text(self.tenant_id), text(external_id), opt_text(name), opt_text(email), int(now)],
        )
        .await?;
        self.store.first("SELECT * FROM visitors WHERE tenant_id = ?1 AND external_id = ?2", &[text(self.tenant_id), text(external_id)]).await
    }

    pub async fn visitor(&self, id: &str) -> StoreResult<Option<VisitorRow>> {
        self.store.first("SELECT * FROM visitors WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }
}
