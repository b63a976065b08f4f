//! Publishable keys of the caller's tenant: create with a label and allowed origins, list, edit,
//! revoke. A revoked key stays listed (for the record) and is refused by the widget API at once.

use serde_json::{json, Value};
use crate::realtime::client::InboxClient;
use crate::realtime::wire::InboxCommand;
use crate::store::api_keys::forget_key;
use worker::{Request, Response};

use super::audit_entry;
use crate::crypto::random_bytes;
use crate::domain::keys::PublishableKey;
use crate::domain::origin::{parse_allowed_origins, OriginPattern};
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::DomainError;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, list as list_response, new_id, path_id, read_body, Ctx};
use crate::store::api_keys::ApiKeyRow;

fn view(row: &ApiKeyRow) -> Value {
    json!({
        "id": row.id,
        "key": row.publishable_key,
        "label": row.label,
        "allowed_origins": row.origins(),
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "active": row.revoked_at.is_none(),
    })
}

fn origins_json(patterns: &[OriginPattern]) -> String {
    serde_json::to_string(&patterns.iter().map(OriginPattern::as_string).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

async fn load(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<ApiKeyRow> {
    let id = path_id(raw_id, "api key")?;
    ctx.store.tenant(op.tenant_id()).api_key(id.as_str()).await?.ok_or_else(|| ApiError::not_found("api key"))
}

pub async fn list(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let rows = ctx.store.tenant(op.tenant_id()).api_keys().await?;
    list_response(&rows.iter().map(view).collect::<Vec<_>>(), None)
}

pub async fn get(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    json(200, &view(&load(ctx, op, raw_id).await?))
}

pub async fn create(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    body.allow(&["label", "allowed_origins"])?;
    let label = Name::parse(body.str("label")?, "label", NAME_MAX)?;
    let origins = parse_allowed_origins(&body.strings("allowed_origins")?)?;
    let row = ApiKeyRow {
        id: new_id()?.to_string(),
        tenant_id: op.tenant_id().to_string(),
        publishable_key: PublishableKey::generate(&random_bytes::<16>()?).as_str().to_string(),
        label: label.as_str().to_string(),
        allowed_origins: origins_json(&origins),
        created_at: ctx.now,
        revoked_at: None,
        tenant_requires_verified: false,
    };
    let s = &ctx.store;
    s.batch(vec![
        s.insert_api_key_statement(&row)?,
        audit_entry(ctx, op, "api_key.created", "api_key", &row.id, json!({ "label": row.label, "allowed_origins": row.origins() }))?,
    ])
    .await?;
    json(201, &view(&row))
}

pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["label", "allowed_origins"])?;
    let (new_label, new_origins) = (body.opt_str("label")?, body.opt_strings("allowed_origins")?);
    if row.revoked_at.is_some() {
        return Err(DomainError::conflict("key_revoked", "a revoked key cannot be changed; create a new one").into());
    }
    let label = match new_label {
        Some(l) => Name::parse(l, "label", NAME_MAX)?.as_str().to_string(),
        None => row.label.clone(),
    };
    let origins = match &new_origins {
        Some(list) => origins_json(&parse_allowed_origins(list)?),
        None => row.allowed_origins.clone(),
    };
    let s = &ctx.store;
    s.batch(vec![
        s.tenant(op.tenant_id()).update_api_key_statement(&row.id, &label, &origins)?,
        audit_entry(ctx, op, "api_key.updated", "api_key", &row.id, json!({ "label": new_label, "allowed_origins": new_origins }))?,
    ])
    .await?;
    forget_key(&row);
    get(ctx, op, &row.id).await
}

pub async fn revoke(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let row = load(ctx, op, raw_id).await?;
    if row.revoked_at.is_none() {
        let s = &ctx.store;
        s.batch(vec![
            s.tenant(op.tenant_id()).revoke_api_key_statement(&row.id, ctx.now)?,
            audit_entry(ctx, op, "api_key.revoked", "api_key", &row.id, json!({ "label": row.label }))?,
        ])
        .await?;
        forget_key(&row);
        // Sockets opened with the key end now; other isolates refuse new requests within KEY_CACHE_MS.
        InboxClient::new(&ctx.env, op.tenant_id()).tell(InboxCommand::KeyRevoked { key_id: row.id.clone() }).await;
    }
    get(ctx, op, &row.id).await
}
