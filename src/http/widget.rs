//! `/api/widget/*`: the visitor side. Every request names its publishable key (`?key=pk_…`) and comes
//! from an origin that key allows (CORS is answered only for those); all but `config` and `session`
//! also carry the visitor token from `session` as `Authorization: Bearer`.

use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Method, Request, Response};

use super::error::{ApiError, ApiResult};
use super::session::{bearer_token, jwt_secret};
use super::{json, list, methods, new_id, path_id, read_json, room, Ctx};
use crate::domain::email::Email;
use crate::domain::hmac::verify_hmac_hex;
use crate::domain::keys::PublishableKey;
use crate::domain::message::{ClientMsgId, TEXT_MAX_CHARS};
use crate::domain::origin::origin_allowed;
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::token::{issue_visitor_token, verify_visitor_token, VisitorClaims, VISITOR_TTL_SECS};
use crate::domain::widget::WidgetSettings;
use crate::realtime::conversation::Identity;
use crate::realtime::protocol::{MAX_FRAME_BYTES, SUBPROTOCOL};
use crate::store::api_keys::ApiKeyRow;
use crate::store::visitors::VisitorRow;

const CONVERSATION_LIST_LIMIT: i64 = 50;
const MESSAGES_DEFAULT_LIMIT: i64 = 100;
const MESSAGES_MAX_LIMIT: i64 = 500;

/// The key and origin of a widget request, both checked.
struct Site {
    key: ApiKeyRow,
    origin: String,
}

pub async fn route(req: Request, ctx: &Ctx, method: Method, rest: &[&str]) -> ApiResult<Response> {
    // A request whose key or origin fails gets no CORS headers: the browser hides the answer from the page.
    let site = site(&req, ctx).await?;
    let result = if method == Method::Options {
        preflight()
    } else {
        match rest {
            ["config"] => methods!(method, "GET"; Get => config(ctx, &site)),
            ["session"] => methods!(method, "POST"; Post => session(req, ctx, &site)),
            ["conversations"] => methods!(method, "GET, POST"; Get => list_conversations(req, ctx, &site), Post => create_conversation(req, ctx, &site)),
            ["conversations", id, "handoff"] => methods!(method, "POST"; Post => handoff(req, ctx, &site, id)),
            ["conversations", id, "messages"] => {
                methods!(method, "GET, POST"; Get => messages(req, ctx, &site, id), Post => send_message(req, ctx, &site, id))
            }
            _ => Err(ApiError::not_found("route")),
        }
    };
    let mut response = match result {
        Ok(r) => r,
        Err(e) => e.into_response()?,
    };
    let headers = response.headers_mut();
    headers.set("access-control-allow-origin", &site.origin)?;
    headers.set("vary", "Origin")?;
    Ok(response)
}

fn preflight() -> ApiResult<Response> {
    let mut r = Response::empty()?.with_status(204);
    let h = r.headers_mut();
    h.set("access-control-allow-methods", "GET, POST")?;
    h.set("access-control-allow-headers", "authorization, content-type")?;
    h.set("access-control-max-age", "600")?;
    Ok(r)
}

async fn site(req: &Request, ctx: &Ctx) -> ApiResult<Site> {
    let raw = req.url()?.query_pairs().find(|(k, _)| k == "key").map(|(_, v)| v.into_owned()).unwrap_or_default();
    let key = PublishableKey::parse(&raw).map_err(|_| ApiError::new(401, "invalid_key", "pass the publishable key as ?key=pk_…"))?;
    let row = ctx.store.api_key_by_publishable(key.as_str()).await?.ok_or_else(|| ApiError::new(401, "invalid_key", "this chat key does not exist"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::new(401, "key_revoked", "this chat key has been revoked"));
    }
    let origin = req.headers().get("origin")?.unwrap_or_default();
    if !origin_allowed(&row.origins(), &origin) {
        return Err(ApiError::new(403, "origin_not_allowed", format!("the origin {origin:?} is not allowed for this chat key; add it to the key's allowed origins")));
    }
    Ok(Site { key: row, origin })
}

/// The visitor behind the bearer token; the token must belong to this key.
async fn visitor(req: &Request, ctx: &Ctx, site: &Site) -> ApiResult<VisitorRow> {
    let token = bearer_token(req)?.ok_or_else(|| ApiError::unauthorized("start a session first: POST /api/widget/session"))?;
    let claims = verify_visitor_token(&jwt_secret(ctx)?, &token, ctx.now_secs())?;
    if claims.tid != site.key.tenant_id || claims.kid != site.key.id {
        return Err(ApiError::unauthorized("this visitor token belongs to another chat key"));
    }
    ctx.store.visitor_in_tenant(&claims.tid, &claims.sub).await?.ok_or_else(|| ApiError::unauthorized("unknown visitor"))
}

fn identity(visitor: &VisitorRow, conversation_id: &str) -> Identity {
    Identity { kind: "visitor".into(), id: visitor.id.clone(), name: visitor.name.clone(), tenant_id: visitor.tenant_id.clone(), conversation_id: conversation_id.into() }
}

async fn config(ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let tenant = ctx.store.tenant_by_id(&site.key.tenant_id).await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let online = ctx.store.available_operator_count(&tenant.id).await? > 0;
    json(
        200,
        &json!({
            "tenant": { "name": tenant.name },
            "widget": WidgetSettings::from_stored(&tenant.widget_settings),
            "operators_online": online,
            "require_verified_visitors": tenant.require_verified == 1,
            "limits": { "text_chars": TEXT_MAX_CHARS, "frame_bytes": MAX_FRAME_BYTES },
            "websocket": { "path": "/ws/conversations/{id}", "subprotocol": SUBPROTOCOL },
        }),
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    token: Option<String>,
    external_id: Option<String>,
    hash: Option<String>,
    name: Option<String>,
    email: Option<String>,
}

/// Starts or resumes a visitor session. Verified visitors (`external_id` + `hash`) are found or made by
/// their site user id; a bad or missing hash never reaches an existing visitor.
async fn session(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let body: SessionBody = read_json(&mut req).await?;
    let tenant = ctx.store.tenant_by_id(&site.key.tenant_id).await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let name = body.name.as_deref().map(|n| Name::parse(n, "name", NAME_MAX)).transpose()?;
    let email = body.email.as_deref().map(Email::parse).transpose()?;
    let (name, email) = (name.as_ref().map(Name::as_str), email.as_ref().map(Email::as_str));
    let secret = jwt_secret(ctx)?;
    let (visitor, resumed) = if let Some(external_id) = body.external_id.as_deref() {
        if external_id.is_empty() || external_id.len() > 256 {
            return Err(ApiError::invalid("external_id", "must be 1 to 256 characters"));
        }
        let verified = match (&tenant.identity_secret, &body.hash) {
            (Some(key), Some(hash)) => verify_hmac_hex(key.as_bytes(), external_id.as_bytes(), hash),
            _ => false,
        };
        if !verified {
            return Err(ApiError::new(403, "identity_not_verified", "the identity hash does not match HMAC-SHA256(identity secret, external_id)"));
        }
        let id = new_id()?;
        let row = ctx
            .store
            .upsert_verified_visitor(id.as_str(), &tenant.id, external_id, name, email, ctx.now)
            .await?
            .ok_or_else(|| ApiError::internal("verified visitor missing after upsert"))?;
        let resumed = row.id != id.as_str();
        (row, resumed)
    } else {
        let previous = match body.token.as_deref().map(|t| verify_visitor_token(&secret, t, ctx.now_secs())) {
            Some(Ok(c)) if c.tid == tenant.id => ctx.store.visitor_in_tenant(&tenant.id, &c.sub).await?,
            _ => None,
        };
        match previous {
            Some(v) if tenant.require_verified == 0 || v.verified == 1 => {
                ctx.store.touch_visitor(&v.id, ctx.now).await?;
                (v, true)
            }
            _ if tenant.require_verified == 1 => {
                return Err(ApiError::new(403, "verification_required", "this site only talks to signed-in users: send external_id and hash"));
            }
            _ => {
                let id = new_id()?;
                ctx.store.insert_anonymous_visitor(id.as_str(), &tenant.id, name, email, ctx.now).await?;
                let row = ctx.store.visitor_in_tenant(&tenant.id, id.as_str()).await?.ok_or_else(|| ApiError::internal("visitor missing after insert"))?;
                (row, false)
            }
        }
    };
    let token = issue_visitor_token(&secret, VisitorClaims::new(&visitor.id, &tenant.id, &site.key.id), ctx.now_secs())?;
    json(
        if resumed { 200 } else { 201 },
        &json!({
            "visitor": { "id": visitor.id, "name": visitor.name, "email": visitor.email, "verified": visitor.verified == 1 },
            "token": token,
            "expires_in": VISITOR_TTL_SECS,
            "resumed": resumed,
        }),
    )
}

async fn list_conversations(req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let rows = ctx.store.conversations_for_visitor(&v.tenant_id, &v.id, CONVERSATION_LIST_LIMIT).await?;
    list(&rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), None)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    client_msg_id: String,
    text: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    client_request_id: Option<String>,
    message: Option<FirstMessage>,
}

/// Starts a conversation (idempotent per `client_request_id`), optionally with its first message.
async fn create_conversation(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let body: CreateBody = read_json(&mut req).await?;
    let request_id = body.client_request_id.as_deref().map(|r| ClientMsgId::parse(r).map_err(|e| e.at("client_request_id"))).transpose()?;
    if let Some(m) = &body.message {
        ClientMsgId::parse(&m.client_msg_id)?;
        crate::domain::message::MessageText::parse(&m.text)?;
    }
    let id = new_id()?;
    let (conversation, created) = ctx.store.create_conversation(id.as_str(), &v.tenant_id, &v.id, request_id.as_ref().map(ClientMsgId::as_str), ctx.now).await?;
    if created {
        ctx.store.batch(vec![ctx.store.inbox_change_statement(&v.tenant_id, Some(&conversation.id), None, ctx.now)?]).await?;
        if body.message.is_none() {
            room::notify_inbox(ctx, &v.tenant_id, false).await;
        }
    }
    let mut body_out = json!({ "conversation": conversation.to_json(), "created": created });
    if let Some(m) = body.message {
        let mut res = room::send(ctx, &identity(&v, &conversation.id), &json!({ "client_msg_id": m.client_msg_id, "text": m.text })).await?;
        let status = res.status_code();
        let sent: Value = res.json().await.map_err(ApiError::internal)?;
        if status >= 300 {
            return Ok(super::json_text(status, sent.to_string())?);
        }
        body_out["event"] = sent["event"].clone();
        if let Some(fresh) = ctx.store.conversation_in_tenant(&v.tenant_id, &conversation.id).await? {
            body_out["conversation"] = fresh.to_json();
        }
    }
    json(if created { 201 } else { 200 }, &body_out)
}

fn int_param(req: &Request, name: &str) -> ApiResult<Option<i64>> {
    match req.url()?.query_pairs().find(|(k, _)| k == name) {
        Some((_, v)) => v.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or_else(|| ApiError::invalid(name, "must be a non-negative integer")),
        None => Ok(None),
    }
}

/// History after `after_seq`, in order, `limit` at a time; `next_cursor` is the `after_seq` of the next page.
async fn messages(req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let after = int_param(&req, "after_seq")?.unwrap_or(0);
    let limit = int_param(&req, "limit")?.unwrap_or(MESSAGES_DEFAULT_LIMIT).clamp(1, MESSAGES_MAX_LIMIT);
    let rows = ctx.store.events_after(&conversation.id, after, limit, false).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| r.seq.to_string()) } else { None };
    list(&rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), next)
}

/// The REST twin of the socket `send`: same room, same idempotency.
async fn send_message(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let body: FirstMessage = read_json(&mut req).await?;
    room::send(ctx, &identity(&v, &conversation.id), &json!({ "client_msg_id": body.client_msg_id, "text": body.text })).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HandoffBody {
    department_id: Option<String>,
}

/// "Talk to a person": the conversation joins its department's queue (the default department unless
/// the visitor picked one), and the router takes it from there.
async fn handoff(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let body: HandoffBody = read_json(&mut req).await?;
    let department = match &body.department_id {
        Some(d) => {
            let id = crate::domain::ids::Id::parse(d).ok_or_else(|| ApiError::invalid("department_id", "must be a department id"))?;
            ctx.store.department_in_tenant(&v.tenant_id, id.as_str()).await?.ok_or_else(|| ApiError::invalid("department_id", "is not a department of this site"))?
        }
        None => match &conversation.department_id {
            Some(d) => ctx.store.department_in_tenant(&v.tenant_id, d).await?.ok_or_else(|| ApiError::internal("conversation department missing"))?,
            None => ctx.store.default_department(&v.tenant_id).await?.ok_or_else(|| ApiError::internal("tenant without default department"))?,
        },
    };
    let command = crate::realtime::conversation::RoomCommand {
        command: "handoff".into(),
        department_id: Some(department.id.clone()),
        department_name: Some(department.name.clone()),
        ..Default::default()
    };
    let (status, body) = room::command(ctx, &identity(&v, &conversation.id), &command).await?;
    if status >= 300 {
        return Ok(super::json_text(status, body)?);
    }
    let event: Value = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let fresh = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, &conversation.id).await?.map(|c| c.to_json());
    json(200, &json!({ "conversation": fresh, "event": event["event"] }))
}
