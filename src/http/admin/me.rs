//! The calling operator's own availability. Going `available` lets the router give them chats at once;
//! going `offline` sends their active chats back to their departments' queues (see docs/routing.md).

use serde_json::json;
use worker::{Request, Response};

use crate::domain::role::OperatorStatus;
use crate::http::error::ApiResult;
use crate::http::session::Operator;
use crate::http::{json, read_body, Ctx};
use crate::realtime::client::InboxClient;
use crate::realtime::wire::InboxCommand;

pub async fn set_status(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    body.allow(&["status"])?;
    let status = OperatorStatus::parse(body.str("status")?)?;
    let s = &ctx.store;
    s.batch(vec![s.tenant(op.tenant_id()).set_operator_status_statement(op.id(), status.as_str(), ctx.now)?]).await?;
    let inbox = InboxClient::new(&ctx.env, op.tenant_id());
    let operator_id = op.id().to_string();
    inbox
        .tell(match status {
            OperatorStatus::Offline => InboxCommand::OperatorGone { operator_id },
            _ => InboxCommand::OperatorChanged { operator_id, drain: status == OperatorStatus::Available },
        })
        .await;
    crate::http::widget::purge_config(&req, ctx, op.tenant_id()).await;
    json(200, &json!({ "id": op.id(), "status": status.as_str() }))
}
