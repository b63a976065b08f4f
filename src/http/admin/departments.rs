//! Departments (teams) of the caller's tenant and their members. The default department, made at
//! sign-up, can be renamed but never deleted: it is where conversations go when nothing else fits.

use serde_json::{json, Value};
use worker::{Request, Response};

use super::audit_entry;
use crate::domain::ids::Id;
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::DomainError;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, list as list_response, new_id, no_content, path_id, read_body, Ctx};
use crate::store::departments::DepartmentRow;
use crate::store::StoreError;

pub const MAX_MEMBERS_PER_CALL: usize = 500;

fn view(row: &DepartmentRow, members: Vec<String>) -> Value {
    json!({
        "id": row.id, "name": row.name, "is_default": row.is_default == 1, "member_ids": members, "created_at": row.created_at,
        "widget_visible": row.widget_visible == 1, "widget_labels": row.labels(),
    })
}

/// `widget_labels`: `{locale: label}` for the widget's languages, each 1 to NAME_MAX characters (an
/// empty one removes that language's label). `None` when absent.
fn widget_labels(body: &crate::http::Body) -> ApiResult<Option<String>> {
    let Some(raw) = body.opt_object::<std::collections::BTreeMap<String, String>>("widget_labels")? else { return Ok(None) };
    let mut labels = std::collections::BTreeMap::new();
    for (locale, label) in raw {
        if !crate::domain::bot::LOCALES.contains(&locale.as_str()) {
            return Err(ApiError::invalid(&format!("widget_labels.{locale}"), format!("must be one of {}", crate::domain::bot::LOCALES.join(", "))));
        }
        if label.trim().is_empty() {
            continue;
        }
        let label = Name::parse(&label, &format!("widget_labels.{locale}"), NAME_MAX)?;
        labels.insert(locale, label.as_str().to_string());
    }
    Ok(Some(serde_json::to_string(&labels).map_err(ApiError::internal)?))
}

async fn members_of(ctx: &Ctx, tenant_id: &str, department_id: &str) -> ApiResult<Vec<String>> {
    Ok(ctx.store.tenant(tenant_id).memberships().await?.into_iter().filter(|m| m.department_id == department_id).map(|m| m.operator_id).collect())
}

async fn load(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<DepartmentRow> {
    let id = path_id(raw_id, "department")?;
    ctx.store.tenant(op.tenant_id()).department(id.as_str()).await?.ok_or_else(|| ApiError::not_found("department"))
}

/// Checks that every id names a department of this tenant (else 422 naming the first bad one).
pub async fn resolve_departments(ctx: &Ctx, tenant_id: &str, raw: &[String]) -> ApiResult<Vec<String>> {
    let known = ctx.store.tenant(tenant_id).departments().await?;
    resolve_ids(raw, "department_ids", "department", |id| known.iter().any(|d| d.id == id.as_str()))
}

/// Checks that every id names an operator of this tenant.
async fn resolve_operators(ctx: &Ctx, tenant_id: &str, raw: &[String]) -> ApiResult<Vec<String>> {
    let known = ctx.store.tenant(tenant_id).operators().await?;
    resolve_ids(raw, "operator_ids", "operator", |id| known.iter().any(|o| o.id == id.as_str()))
}

fn resolve_ids(raw: &[String], field: &str, what: &str, exists: impl Fn(&Id) -> bool) -> ApiResult<Vec<String>> {
    if raw.len() > MAX_MEMBERS_PER_CALL {
        return Err(ApiError::invalid(field, format!("at most {MAX_MEMBERS_PER_CALL} ids")));
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for item in raw {
        match Id::parse(item).filter(|id| exists(id)) {
            Some(id) if !out.contains(&id.to_string()) => out.push(id.to_string()),
            Some(_) => {}
            None => return Err(ApiError::invalid(field, format!("has an unknown {what} id {item:?}"))),
        }
    }
    Ok(out)
}

fn name_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Unique(_) => ApiError::new(409, "name_taken", "a department with this name already exists"),
        other => other.into(),
    }
}

pub async fn list(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let rows = ctx.store.tenant(op.tenant_id()).departments().await?;
    let memberships = ctx.store.tenant(op.tenant_id()).memberships().await?;
    let views: Vec<Value> = rows
        .iter()
        .map(|d| view(d, memberships.iter().filter(|m| m.department_id == d.id).map(|m| m.operator_id.clone()).collect()))
        .collect();
    list_response(&views, None)
}

pub async fn get(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let row = load(ctx, op, raw_id).await?;
    json(200, &view(&row, members_of(ctx, op.tenant_id(), &row.id).await?))
}

pub async fn create(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    body.allow(&["name", "operator_ids", "widget_visible", "widget_labels"])?;
    let name = Name::parse(body.str("name")?, "name", NAME_MAX)?;
    let members = resolve_operators(ctx, op.tenant_id(), &body.opt_strings("operator_ids")?.unwrap_or_default()).await?;
    let visible = body.opt_bool("widget_visible")?.unwrap_or(false);
    let labels = widget_labels(&body)?.unwrap_or_else(|| "{}".into());
    let id = new_id()?;
    let s = &ctx.store;
    let mut statements = vec![s.tenant(op.tenant_id()).insert_department_statement(id.as_str(), name.as_str(), false, visible, &labels, ctx.now)?];
    for m in &members {
        statements.push(s.tenant(op.tenant_id()).add_member_statement(id.as_str(), m)?);
    }
    statements.push(audit_entry(ctx, op, "department.created", "department", id.as_str(), json!({ "name": name.as_str() }))?);
    s.batch(statements).await.map_err(name_taken)?;
    // The widget's "Which team?" choice comes with its configuration.
    crate::http::widget::purge_config(&req, ctx, op.tenant_id()).await;
    let row = load(ctx, op, id.as_str()).await?;
    json(201, &view(&row, members))
}

pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["name", "widget_visible", "widget_labels"])?;
    let name = match body.opt_str("name")? {
        Some(n) => Name::parse(n, "name", NAME_MAX)?.as_str().to_string(),
        None => row.name.clone(),
    };
    let visible = body.opt_bool("widget_visible")?.unwrap_or(row.widget_visible == 1);
    let labels = widget_labels(&body)?.unwrap_or_else(|| row.widget_labels.clone());
    let s = &ctx.store;
    let mut statements = vec![s.tenant(op.tenant_id()).update_department_statement(&row.id, &name, visible, &labels)?];
    if name != row.name {
        statements.push(audit_entry(ctx, op, "department.renamed", "department", &row.id, json!({ "from": row.name, "to": name }))?);
    }
    if visible != (row.widget_visible == 1) || labels != row.widget_labels {
        statements.push(audit_entry(ctx, op, "department.widget_changed", "department", &row.id, json!({ "widget_visible": visible, "widget_labels": serde_json::from_str::<Value>(&labels).unwrap_or_default() }))?);
    }
    s.batch(statements).await.map_err(name_taken)?;
    crate::http::widget::purge_config(&req, ctx, op.tenant_id()).await;
    get(ctx, op, &row.id).await
}

pub async fn delete(req: &Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    if row.is_default == 1 {
        return Err(DomainError::conflict("default_department", "the default department cannot be deleted; rename it instead").into());
    }
    let s = &ctx.store;
    s.batch(vec![
        s.tenant(op.tenant_id()).delete_department_members_statement(&row.id)?,
        s.tenant(op.tenant_id()).delete_department_statement(&row.id)?,
        audit_entry(ctx, op, "department.deleted", "department", &row.id, json!({ "name": row.name }))?,
    ])
    .await?;
    crate::http::widget::purge_config(req, ctx, op.tenant_id()).await;
    no_content()
}

/// Replaces the member list.
pub async fn set_members(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["operator_ids"])?;
    let members = resolve_operators(ctx, op.tenant_id(), &body.strings("operator_ids")?).await?;
    let s = &ctx.store;
    let mut statements = vec![s.tenant(op.tenant_id()).delete_department_members_statement(&row.id)?];
    for m in &members {
        statements.push(s.tenant(op.tenant_id()).add_member_statement(&row.id, m)?);
    }
    statements.push(audit_entry(ctx, op, "department.members_set", "department", &row.id, json!({ "operator_ids": members }))?);
    s.batch(statements).await?;
    json(200, &view(&row, members))
}

pub async fn add_member(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["operator_id"])?;
    let operator_id = body.str("operator_id")?.to_string();
    let member = resolve_operators(ctx, op.tenant_id(), std::slice::from_ref(&operator_id))
        .await
        .map_err(|_| ApiError::invalid("operator_id", format!("has an unknown operator id {operator_id:?}")))?;
    let s = &ctx.store;
    let mut statements: Vec<_> = member.iter().map(|m| s.tenant(op.tenant_id()).add_member_statement(&row.id, m)).collect::<Result<_, _>>()?;
    statements.push(audit_entry(ctx, op, "department.member_added", "department", &row.id, json!({ "operator_id": member }))?);
    s.batch(statements).await?;
    get(ctx, op, &row.id).await
}

pub async fn remove_member(ctx: &Ctx, op: &Operator, raw_id: &str, raw_operator_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    let operator_id = path_id(raw_operator_id, "operator")?;
    let members = members_of(ctx, op.tenant_id(), &row.id).await?;
    if !members.iter().any(|m| m == operator_id.as_str()) {
        return Err(ApiError::not_found("member"));
    }
    let s = &ctx.store;
    s.batch(vec![
        s.tenant(op.tenant_id()).remove_member_statement(&row.id, operator_id.as_str())?,
        audit_entry(ctx, op, "department.member_removed", "department", &row.id, json!({ "operator_id": operator_id.as_str() }))?,
    ])
    .await?;
    get(ctx, op, &row.id).await
}
