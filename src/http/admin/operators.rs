//! Operators of the caller's tenant: list, read, create with a role, change role/name/capacity,
//! deactivate or reactivate, reset a password. Owner-only rules live in `domain::role`.

use serde_json::{json, Value};
use crate::realtime::client::InboxClient;
use crate::realtime::wire::InboxCommand;
use worker::Request;

use super::audit_entry;
use super::departments::resolve_departments;
use crate::crypto::hash_password;
use crate::domain::email::Email;
use crate::domain::password::Password;
use crate::domain::role::{parse_capacity, Role, DEFAULT_CAPACITY};
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::DomainError;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::{stored_role, Operator};
use crate::http::{json, list as list_response, new_id, path_id, read_body, Ctx};
use crate::store::operators::{NewOperator, OperatorRow};
use crate::store::tenants::TenantRow;
use crate::store::StoreError;

pub fn operator_view(row: &OperatorRow, department_ids: &[String]) -> Value {
    json!({
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "status": row.status,
        "capacity": row.capacity,
        "active": row.active == 1,
        "department_ids": department_ids,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    })
}

pub fn tenant_view(row: &TenantRow) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "require_verified_visitors": row.require_verified == 1,
        "identity_secret_configured": row.identity_secret.is_some(),
        "created_at": row.created_at,
    })
}

async fn departments_of(ctx: &Ctx, tenant_id: &str, operator_id: &str) -> ApiResult<Vec<String>> {
    Ok(ctx.store.tenant(tenant_id).memberships().await?.into_iter().filter(|m| m.operator_id == operator_id).map(|m| m.department_id).collect())
}

async fn load(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<OperatorRow> {
    let id = path_id(raw_id, "operator")?;
    ctx.store.tenant(op.tenant_id()).operator(id.as_str()).await?.ok_or_else(|| ApiError::not_found("operator"))
}

pub async fn list(ctx: &Ctx, op: &Operator) -> ApiResult<worker::Response> {
    let rows = ctx.store.tenant(op.tenant_id()).operators().await?;
    let memberships = ctx.store.tenant(op.tenant_id()).memberships().await?;
    let views: Vec<Value> = rows
        .iter()
        .map(|r| {
            let deps: Vec<String> = memberships.iter().filter(|m| m.operator_id == r.id).map(|m| m.department_id.clone()).collect();
            operator_view(r, &deps)
        })
        .collect();
    list_response(&views, None)
}

pub async fn get(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<worker::Response> {
    let row = load(ctx, op, raw_id).await?;
    json(200, &operator_view(&row, &departments_of(ctx, op.tenant_id(), &row.id).await?))
}

pub async fn create(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<worker::Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    body.allow(&["email", "name", "role", "password", "capacity", "department_ids"])?;
    let email = Email::parse(body.str("email")?)?;
    let name = Name::parse(body.str("name")?, "name", NAME_MAX)?;
    let role = Role::parse(body.str("role")?)?;
    op.role.may_set_role(None, role, false)?;
    let password = Password::parse(body.str("password")?, "password")?;
    let capacity = parse_capacity(body.opt_i64("capacity")?.unwrap_or(DEFAULT_CAPACITY))?;
    let s = &ctx.store;
    let departments = match &body.opt_strings("department_ids")? {
        Some(ids) => resolve_departments(ctx, op.tenant_id(), ids).await?,
        None => s.tenant(op.tenant_id()).default_department().await?.map(|d| vec![d.id]).unwrap_or_default(),
    };
    if s.operator_by_login_email(email.as_str()).await?.is_some() {
        return Err(email_taken());
    }
    let hash = hash_password(password.as_bytes()).await?.format();
    let id = new_id()?;
    let new = NewOperator {
        id: id.as_str(),
        tenant_id: op.tenant_id(),
        email: email.as_str(),
        name: name.as_str(),
        role: role.as_str(),
        password_hash: &hash,
        capacity,
        now: ctx.now,
    };
    let mut statements = vec![s.insert_operator_statement(&new)?];
    for d in &departments {
        statements.push(s.tenant(op.tenant_id()).add_member_statement(d, id.as_str())?);
    }
    statements.push(audit_entry(ctx, op, "operator.created", "operator", id.as_str(), json!({ "email": email.as_str(), "role": role.as_str() }))?);
    s.batch(statements).await.map_err(|e| match e {
        StoreError::Unique(_) => email_taken(),
        other => other.into(),
    })?;
    let row = s.tenant(op.tenant_id()).operator(id.as_str()).await?.ok_or_else(|| ApiError::internal("operator vanished"))?;
    json(201, &operator_view(&row, &departments))
}

fn email_taken() -> ApiError {
    ApiError::new(409, "email_taken", "an operator with this email already exists")
}

pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<worker::Response> {
    op.role.require_manager()?;
    let target = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["name", "role", "capacity", "active"])?;
    let (new_name, new_role, new_capacity, active) = (body.opt_str("name")?, body.opt_str("role")?, body.opt_i64("capacity")?, body.opt_bool("active")?);
    let is_self = target.id == op.id();
    let current_role = stored_role(&target)?;
    op.role.may_manage(current_role, is_self)?;
    let name = match new_name {
        Some(n) => Name::parse(n, "name", NAME_MAX)?.as_str().to_string(),
        None => target.name.clone(),
    };
    let role = match new_role {
        Some(r) => Role::parse(r)?,
        None => current_role,
    };
    op.role.may_set_role(Some(current_role), role, is_self)?;
    let capacity = parse_capacity(new_capacity.unwrap_or(target.capacity))?;
    let s = &ctx.store;
    let deactivating = active == Some(false) && target.active == 1;
    if deactivating && is_self {
        return Err(DomainError::conflict("cannot_deactivate_self", "you cannot deactivate your own account").into());
    }
    let loses_owner = current_role == Role::Owner && target.active == 1 && (role != Role::Owner || deactivating);
    if loses_owner && s.tenant(op.tenant_id()).leave_ownership(&target.id, role.as_str(), !deactivating, ctx.now).await? == 0 {
        return Err(DomainError::conflict("last_owner", "a tenant needs at least one active owner").into());
    }
    let mut statements = vec![s.tenant(op.tenant_id()).update_operator_statement(&target.id, &name, role.as_str(), capacity, ctx.now)?];
    if let Some(active) = active {
        statements.push(s.tenant(op.tenant_id()).set_operator_active_statement(&target.id, active, ctx.now)?);
        if !active {
            statements.push(s.revoke_operator_sessions_statement(&target.id, ctx.now)?);
        }
    }
    statements.push(audit_entry(ctx, op, "operator.updated", "operator", &target.id, json!({ "name": new_name, "role": new_role, "capacity": new_capacity, "active": active }))?);
    s.batch(statements).await?;
    let inbox = InboxClient::new(&ctx.env, op.tenant_id());
    if deactivating {
        // Their consoles close and their chats go back to the queue now, console open or not.
        inbox.tell(InboxCommand::Revoke { operator_id: target.id.clone() }).await;
        inbox.tell(InboxCommand::OperatorGone { operator_id: target.id.clone() }).await;
    } else {
        // Capacity, role or name changed: consoles show it, and a larger capacity may take more chats.
        inbox.tell(InboxCommand::OperatorChanged { operator_id: target.id.clone(), drain: true }).await;
    }
    crate::http::widget::purge_config(&req, ctx, op.tenant_id()).await;
    get(ctx, op, &target.id).await
}

/// An owner or admin sets a new password for someone else; all of that operator's sessions end.
pub async fn reset_password(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<worker::Response> {
    op.role.require_manager()?;
    let target = load(ctx, op, raw_id).await?;
    op.role.may_manage(stored_role(&target)?, target.id == op.id())?;
    let body = read_body(&mut req).await?;
    body.allow(&["password"])?;
    let password = Password::parse(body.str("password")?, "password")?;
    let hash = hash_password(password.as_bytes()).await?.format();
    let s = &ctx.store;
    s.batch(vec![
        s.tenant(op.tenant_id()).set_password_statement(&target.id, &hash, ctx.now)?,
        s.revoke_operator_sessions_statement(&target.id, ctx.now)?,
        audit_entry(ctx, op, "operator.password_reset", "operator", &target.id, json!({}))?,
    ])
    .await?;
    InboxClient::new(&ctx.env, op.tenant_id()).tell(InboxCommand::Revoke { operator_id: target.id.clone() }).await;
    crate::http::no_content()
}
