//! Refresh tokens (operator sessions), stored as keyed hashes and rotated on every use.

use worker::D1PreparedStatement;

use super::{int, text, Store, StoreResult, FromRow, Row};

#[derive(Debug, Clone)]
pub struct RefreshTokenRow {
    pub id: String,
    pub family_id: String,
    pub operator_id: String,
    pub tenant_id: String,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl Store {
    pub fn insert_refresh_token_statement(&self, row: &RefreshTokenRow) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO refresh_tokens (id, family_id, operator_id, tenant_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[text(&row.id), text(&row.family_id), text(&row.operator_id), text(&row.tenant_id), text(&row.token_hash), int(row.created_at), int(row.expires_at)],
        )
    }

    pub async fn refresh_token_by_credential_hash(&self, token_hash: &str) -> StoreResult<Option<RefreshTokenRow>> {
        self.first("SELECT * FROM refresh_tokens WHERE token_hash = ?1", &[text(token_hash)]).await
    }

    /// Marks one token used; returns 0 changes if it was already revoked (a concurrent or replayed use).
    pub async fn revoke_refresh_token(&self, id: &str, now: i64) -> StoreResult<usize> {
        self.run("UPDATE refresh_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", &[text(id), int(now)]).await
    }

    pub async fn revoke_refresh_family(&self, family_id: &str, now: i64) -> StoreResult<usize> {
        self.run("UPDATE refresh_tokens SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL", &[text(family_id), int(now)]).await
    }

    pub fn revoke_operator_sessions_statement(&self, operator_id: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.stmt("UPDATE refresh_tokens SET revoked_at = ?2 WHERE operator_id = ?1 AND revoked_at IS NULL", &[text(operator_id), int(now)])
    }
}

impl FromRow for RefreshTokenRow {
    fn from_row(r: &Row) -> Self {
        RefreshTokenRow { id: r.str("id"), family_id: r.str("family_id"), operator_id: r.str("operator_id"), tenant_id: r.str("tenant_id"), token_hash: r.str("token_hash"), created_at: r.i64("created_at"), expires_at: r.i64("expires_at"), revoked_at: r.opt_i64("revoked_at") }
    }
}
