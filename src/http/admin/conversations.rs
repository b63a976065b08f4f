//! Conversations seen from the console: an operator reads any conversation of their tenant (private
//! notes included) and sends into it through the same room as the socket.

use serde::Deserialize;
use serde_json::json;
use worker::{Request, Response};

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{list, path_id, read_json, room, Ctx};
use crate::realtime::conversation::Identity;
use crate::store::conversations::ConversationRow;

const MESSAGES_DEFAULT_LIMIT: i64 = 100;
const MESSAGES_MAX_LIMIT: i64 = 500;

async fn load(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<ConversationRow> {
    let id = path_id(raw_id, "conversation")?;
    ctx.store.conversation_in_tenant(op.tenant_id(), id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))
}

pub fn operator_identity(op: &Operator, conversation_id: &str) -> Identity {
    Identity {
        kind: "operator".into(),
        id: op.row.id.clone(),
        name: Some(op.row.name.clone()),
        tenant_id: op.row.tenant_id.clone(),
        conversation_id: conversation_id.into(),
    }
}

fn int_param(req: &Request, name: &str) -> ApiResult<Option<i64>> {
    match req.url()?.query_pairs().find(|(k, _)| k == name) {
        Some((_, v)) => v.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or_else(|| ApiError::invalid(name, "must be a non-negative integer")),
        None => Ok(None),
    }
}

pub async fn messages(req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let after = int_param(&req, "after_seq")?.unwrap_or(0);
    let limit = int_param(&req, "limit")?.unwrap_or(MESSAGES_DEFAULT_LIMIT).clamp(1, MESSAGES_MAX_LIMIT);
    let rows = ctx.store.events_after(&conversation.id, after, limit, true).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| r.seq.to_string()) } else { None };
    list(&rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), next)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    client_msg_id: String,
    text: String,
}

pub async fn send(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let body: SendBody = read_json(&mut req).await?;
    room::send(ctx, &operator_identity(op, &conversation.id), &json!({ "client_msg_id": body.client_msg_id, "text": body.text })).await
}
