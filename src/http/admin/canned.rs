//! Canned replies of the tenant: everyone reads them (the composer's `/shortcut`), owners and admins
//! edit them.

use worker::{Request, Response};

use crate::domain::DomainError;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, list, new_id, no_content, path_id, read_body, Ctx};
use crate::store::StoreError;

const SHORTCUT_MAX: usize = 32;
const TEXT_MAX: usize = 4000;

fn parse_shortcut(raw: &str) -> Result<String, DomainError> {
    let s = raw.trim().trim_start_matches('/').to_lowercase();
    if s.is_empty() || s.len() > SHORTCUT_MAX || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(DomainError::invalid("shortcut", format!("must be 1 to {SHORTCUT_MAX} letters, digits, '-' or '_'")));
    }
    Ok(s)
}

fn parse_text(raw: &str) -> Result<String, DomainError> {
    if raw.trim().is_empty() || raw.chars().count() > TEXT_MAX {
        return Err(DomainError::invalid("text", format!("must be 1 to {TEXT_MAX} characters")));
    }
    Ok(raw.to_string())
}

fn taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Unique(_) => ApiError::new(409, "shortcut_taken", "a canned reply with this shortcut already exists"),
        other => other.into(),
    }
}

pub async fn list_all(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let rows = ctx.store.tenant(op.tenant_id()).canned_replies().await?;
    list(&rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), None)
}

pub async fn create(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    body.allow(&["shortcut", "text"])?;
    let shortcut = parse_shortcut(body.opt_str("shortcut")?.unwrap_or(""))?;
    let text = parse_text(body.opt_str("text")?.unwrap_or(""))?;
    let id = new_id()?;
    ctx.store.tenant(op.tenant_id()).insert_canned(id.as_str(), &shortcut, &text, ctx.now).await.map_err(taken)?;
    let row = ctx.store.tenant(op.tenant_id()).canned_reply(id.as_str()).await?.ok_or_else(|| ApiError::internal("canned reply vanished"))?;
    json(201, &row.to_json())
}

pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "canned reply")?;
    let row = ctx.store.tenant(op.tenant_id()).canned_reply(id.as_str()).await?.ok_or_else(|| ApiError::not_found("canned reply"))?;
    let body = read_body(&mut req).await?;
    body.allow(&["shortcut", "text"])?;
    let shortcut = match body.opt_str("shortcut")? {
        Some(s) => parse_shortcut(s)?,
        None => row.shortcut.clone(),
    };
    let text = match body.opt_str("text")? {
        Some(t) => parse_text(t)?,
        None => row.text.clone(),
    };
    ctx.store.tenant(op.tenant_id()).update_canned(&row.id, &shortcut, &text, ctx.now).await.map_err(taken)?;
    let row = ctx.store.tenant(op.tenant_id()).canned_reply(&row.id).await?.ok_or_else(|| ApiError::not_found("canned reply"))?;
    json(200, &row.to_json())
}

pub async fn delete(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "canned reply")?;
    if ctx.store.tenant(op.tenant_id()).delete_canned(id.as_str()).await? == 0 {
        return Err(ApiError::not_found("canned reply"));
    }
    no_content()
}
