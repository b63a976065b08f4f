//! The tenant's audit log, newest first, for owners and admins.

use worker::{Request, Response};

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{list as list_response, Ctx};

const PAGE: i64 = 50;

pub async fn list(req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let before = match crate::http::query(&req, "cursor") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| ApiError::invalid("cursor", "must be a cursor from a previous page"))?),
        None => None,
    };
    let rows = ctx.store.tenant(op.tenant_id()).audit_entries(before, PAGE).await?;
    let next = if rows.len() as i64 == PAGE { rows.last().map(|r| r.id.to_string()) } else { None };
    let views: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id, "actor_operator_id": r.actor_operator_id, "action": r.action, "target_type": r.target_type,
                "target_id": r.target_id, "detail": serde_json::from_str::<serde_json::Value>(&r.detail).unwrap_or_default(),
                "created_at": r.created_at,
            })
        })
        .collect();
    list_response(&views, next)
}
