//! The tenant's identity secret for verified visitors. Its value is shown exactly once, in the answer
//! to the request that created or rotated it; afterwards only a hint is shown.

use serde_json::json;
use worker::Response;

use super::audit_entry;
use crate::crypto::random_bytes;
use crate::domain::keys::{generate_identity_secret, secret_hint};
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, Ctx};

pub async fn get(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let tenant = ctx.store.tenant(op.tenant_id()).row().await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    json(
        200,
        &json!({
            "configured": tenant.identity_secret.is_some(),
            "hint": tenant.identity_secret.as_deref().map(secret_hint),
            "created_at": tenant.identity_secret_created_at,
        }),
    )
}

/// Creates the secret, or replaces it (the old one stops verifying at once).
pub async fn rotate(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let secret = generate_identity_secret(&random_bytes::<32>()?);
    let s = &ctx.store;
    s.batch(vec![
        s.tenant(op.tenant_id()).set_identity_secret_statement(Some(&secret), ctx.now)?,
        audit_entry(ctx, op, "identity_secret.rotated", "tenant", op.tenant_id(), json!({ "hint": secret_hint(&secret) }))?,
    ])
    .await?;
    json(201, &json!({ "secret": secret, "hint": secret_hint(&secret), "created_at": ctx.now, "shown_once": true }))
}
