//! Operators (people who answer chats) of a tenant.

use worker::D1PreparedStatement;

use super::{TenantStore, int, text, Store, StoreResult, FromRow, Row};

#[derive(Debug, Clone)]
pub struct OperatorRow {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub status: String,
    pub capacity: i64,
    pub active: i64,
    pub token_version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewOperator<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub capacity: i64,
    pub now: i64,
}

#[derive(Debug, Clone)]
pub struct MembershipRow {
    pub operator_id: String,
    pub department_id: String,
}

impl Store {
    pub fn insert_operator_statement(&self, op: &NewOperator<'_>) -> StoreResult<D1PreparedStatement> {
        self.stmt(
            "INSERT INTO operators (id, tenant_id, email, name, role, password_hash, capacity, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            &[text(op.id), text(op.tenant_id), text(op.email), text(op.name), text(op.role), text(op.password_hash), int(op.capacity), int(op.now)],
        )
    }

    pub async fn operator_by_login_email(&self, email: &str) -> StoreResult<Option<OperatorRow>> {
        self.first("SELECT * FROM operators WHERE email = ?1", &[text(email)]).await
    }

    pub async fn operator_by_session_subject(&self, id: &str) -> StoreResult<Option<OperatorRow>> {
        self.first("SELECT * FROM operators WHERE id = ?1", &[text(id)]).await
    }
}

impl FromRow for OperatorRow {
    fn from_row(r: &Row) -> Self {
        OperatorRow { id: r.str("id"), tenant_id: r.str("tenant_id"), email: r.str("email"), name: r.str("name"), role: r.str("role"), password_hash: r.str("password_hash"), status: r.str("status"), capacity: r.i64("capacity"), active: r.i64("active"), token_version: r.i64("token_version"), created_at: r.i64("created_at"), updated_at: r.i64("updated_at") }
    }
}

impl FromRow for MembershipRow {
    fn from_row(r: &Row) -> Self {
        MembershipRow { operator_id: r.str("operator_id"), department_id: r.str("department_id") }
    }
}

impl TenantStore<'_> {
    /// Rehash on login (same password, current parameters): tokens stay valid.
    pub async fn upgrade_password_hash(&self, id: &str, password_hash: &str) -> StoreResult<usize> {
        self.store.run("UPDATE operators SET password_hash = ?2 WHERE id = ?1 AND tenant_id = ?3", &[text(id), text(password_hash), text(self.tenant_id)]).await
    }

    pub async fn operator(&self, id: &str) -> StoreResult<Option<OperatorRow>> {
        self.store.first("SELECT * FROM operators WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }

    pub async fn operators(&self) -> StoreResult<Vec<OperatorRow>> {
        self.store.all("SELECT * FROM operators WHERE tenant_id = ?1 ORDER BY created_at, id", &[text(self.tenant_id)]).await
    }

    pub async fn memberships(&self) -> StoreResult<Vec<MembershipRow>> {
        self.store.all("SELECT operator_id, department_id FROM department_members WHERE tenant_id = ?1", &[text(self.tenant_id)]).await
    }

    /// Takes an active owner's ownership away (a new role, or deactivation) only while another active
    /// owner remains: one statement, so two owners demoting each other cannot both succeed. Answers
    /// the rows changed (0: they are the last active owner).
    pub async fn leave_ownership(&self, id: &str, role: &str, active: bool, now: i64) -> StoreResult<usize> {
        self.store
            .run(
                "UPDATE operators SET role = ?3, active = ?4, updated_at = ?5
                 WHERE tenant_id = ?1 AND id = ?2 AND role = 'owner' AND active = 1
                   AND EXISTS (SELECT 1 FROM operators o WHERE o.tenant_id = ?1 AND o.id != ?2 AND o.role = 'owner' AND o.active = 1)",
                &[text(self.tenant_id), text(id), text(role), int(active as i64), int(now)],
            )
            .await
    }

    pub fn update_operator_statement(&self, id: &str, name: &str, role: &str, capacity: i64, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE operators SET name = ?3, role = ?4, capacity = ?5, updated_at = ?6 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(name), text(role), int(capacity), int(now)],
        )
    }

    /// Deactivation also invalidates every access token the operator holds (token_version bump).
    pub fn set_operator_active_statement(&self, id: &str, active: bool, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE operators SET active = ?3, status = CASE WHEN ?3 = 0 THEN 'offline' ELSE status END,
               token_version = token_version + (CASE WHEN ?3 = 0 THEN 1 ELSE 0 END), updated_at = ?4
             WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), int(active as i64), int(now)],
        )
    }

    /// A new password invalidates every access token the operator holds (token_version bump).
    pub fn set_password_statement(&self, id: &str, password_hash: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE operators SET password_hash = ?3, token_version = token_version + 1, updated_at = ?4 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(password_hash), int(now)],
        )
    }
}
