//! Calls from the Worker into a conversation's `ConversationRoom`: REST sends and socket upgrades,
//! each carrying the identity the Worker has already authenticated.

use serde_json::Value;
use worker::{Headers, Method, Request, RequestInit, Response};

use super::error::{ApiError, ApiResult};
use super::{json_text, Ctx};
use crate::realtime::conversation::{Identity, IDENTITY_HEADER};

fn stub(ctx: &Ctx, conversation_id: &str) -> ApiResult<worker::Stub> {
    Ok(ctx.env.durable_object("CONVERSATION")?.id_from_name(conversation_id)?.get_stub()?)
}

fn identity_headers(who: &Identity) -> ApiResult<Headers> {
    let headers = Headers::new();
    headers.set(IDENTITY_HEADER, &serde_json::to_string(who).map_err(ApiError::internal)?)?;
    Ok(headers)
}

/// Sends a message through the room (the same path as a socket `send`), answering with the room's
/// JSON: 201 `{event}` when stored now, 200 `{event, duplicate: true}` when it was already stored.
pub async fn send(ctx: &Ctx, who: &Identity, body: &Value) -> ApiResult<Response> {
    let headers = identity_headers(who)?;
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.to_string().into()));
    let req = Request::new_with_init("https://room/send", &init)?;
    let mut res = stub(ctx, &who.conversation_id)?.fetch_with_request(req).await?;
    let status = res.status_code();
    Ok(json_text(status, res.text().await?)?)
}

/// Hands an authenticated WebSocket upgrade to the room.
pub async fn connect(ctx: &Ctx, who: &Identity, after_seq: Option<i64>) -> ApiResult<Response> {
    let headers = identity_headers(who)?;
    headers.set("upgrade", "websocket")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let url = match after_seq {
        Some(n) => format!("https://room/connect?after_seq={n}"),
        None => "https://room/connect".to_string(),
    };
    let req = Request::new_with_init(&url, &init)?;
    Ok(stub(ctx, &who.conversation_id)?.fetch_with_request(req).await?)
}
