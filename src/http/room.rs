//! Calls from the Worker into a conversation's `ConversationRoom`: REST sends and socket upgrades,
//! each carrying the identity the Worker has already authenticated.

use serde_json::Value;
use worker::{Headers, Method, Request, RequestInit, Response};

use super::error::ApiResult;
use super::{json_text, Ctx};
use crate::realtime::conversation::{Identity, RoomCommand, IDENTITY_HEADER};

fn stub(ctx: &Ctx, conversation_id: &str) -> ApiResult<worker::Stub> {
    Ok(ctx.env.durable_object("CONVERSATION")?.id_from_name(conversation_id)?.get_stub()?)
}

fn identity_headers(who: &Identity) -> ApiResult<Headers> {
    let headers = Headers::new();
    headers.set(IDENTITY_HEADER, &who.to_json().to_string())?;
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

/// Runs a state change in the room; returns the room's status and JSON body.
pub async fn command(ctx: &Ctx, who: &Identity, command: &RoomCommand) -> ApiResult<(u16, String)> {
    let headers = identity_headers(who)?;
    headers.set("content-type", "application/json")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(command.to_json().to_string().into()));
    let req = Request::new_with_init("https://room/command", &init)?;
    let mut res = stub(ctx, &who.conversation_id)?.fetch_with_request(req).await?;
    Ok((res.status_code(), res.text().await?))
}

fn inbox_stub(ctx: &Ctx, tenant_id: &str) -> ApiResult<worker::Stub> {
    Ok(ctx.env.durable_object("INBOX")?.id_from_name(tenant_id)?.get_stub()?)
}

/// Tells the tenant's inbox its feed moved (and whether the router should run). Best effort: the
/// change is already in D1, and consoles also catch up from their cursor.
pub async fn notify_inbox(ctx: &Ctx, tenant_id: &str, drain: bool) {
    let Ok(stub) = inbox_stub(ctx, tenant_id) else { return };
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(serde_json::json!({ "tenant_id": tenant_id, "drain": drain }).to_string().into()));
    if let Ok(req) = Request::new_with_init("https://inbox/changed", &init) {
        if let Err(e) = stub.fetch_with_request(req).await {
            worker::console_error!("inbox notify failed: {e}");
        }
    }
}

/// Closes an operator's console sockets (their conversation sockets end at their next frame).
pub async fn revoke_operator_sockets(ctx: &Ctx, tenant_id: &str, operator_id: &str) {
    let Ok(stub) = inbox_stub(ctx, tenant_id) else { return };
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(serde_json::json!({ "operator_id": operator_id }).to_string().into()));
    if let Ok(req) = Request::new_with_init("https://inbox/revoke", &init) {
        if let Err(e) = stub.fetch_with_request(req).await {
            worker::console_error!("inbox revoke failed: {e}");
        }
    }
}

/// Hands an authenticated console socket to the tenant's inbox.
pub async fn connect_inbox(ctx: &Ctx, who: &crate::realtime::inbox::ConsoleIdentity, cursor: Option<i64>) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set(IDENTITY_HEADER, &who.to_json().to_string())?;
    headers.set("upgrade", "websocket")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let url = match cursor {
        Some(c) => format!("https://inbox/connect?cursor={c}"),
        None => "https://inbox/connect".to_string(),
    };
    let req = Request::new_with_init(&url, &init)?;
    Ok(inbox_stub(ctx, &who.tenant_id)?.fetch_with_request(req).await?)
}
