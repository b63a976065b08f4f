//! `/api/widget/*`: the visitor side. Every request names its publishable key (`?key=pk_…`) and comes
//! from an origin that key allows (CORS is answered only for those); all but `config` and `session`
//! also carry the visitor token from `session` as `Authorization: Bearer`.

use serde_json::{json, Value};
use worker::{Method, Request, Response};

use super::error::{ApiError, ApiResult};
use super::session::{bearer_token, jwt_secret};
use super::{int_param, json, list, methods, new_id, path_id, read_body, room, Ctx};
use crate::domain::email::Email;
use crate::domain::hmac::verify_hmac_hex;
use crate::domain::keys::PublishableKey;
use crate::domain::message::{ClientMsgId, TEXT_MAX_CHARS};
use crate::domain::origin::origin_allowed;
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::token::{issue_visitor_token, verify_visitor_token, VisitorClaims, VISITOR_TTL_SECS};
use crate::domain::bot::{bot_texts, locale_for, pick, Action, Flow};
use crate::domain::widget::WidgetSettings;
use crate::realtime::bot::{flow_of, hours_of};
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
            ["config"] => methods!(method, "GET"; Get => config(&req, ctx, &site)),
            ["faq", "ask"] => methods!(method, "POST"; Post => faq_ask(req, ctx, &site)),
            ["session"] => methods!(method, "POST"; Post => session(req, ctx, &site)),
            ["conversations"] => methods!(method, "GET, POST"; Get => list_conversations(req, ctx, &site), Post => create_conversation(req, ctx, &site)),
            ["conversations", id, "handoff"] => methods!(method, "POST"; Post => handoff(req, ctx, &site, id)),
            ["conversations", id, "attachments"] => methods!(method, "POST"; Post => attach(req, ctx, &site, id)),
            ["conversations", id, "contact"] => methods!(method, "POST"; Post => contact(req, ctx, &site, id)),
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
    let raw = super::query(req, "key").unwrap_or_default();
    let key = PublishableKey::parse(&raw).map_err(|_| ApiError::new(401, "invalid_key", "pass the publishable key as ?key=pk_…"))?;
    let row = ctx.store.api_key_by_publishable(key.as_str()).await?.ok_or_else(|| ApiError::new(401, "invalid_key", "this chat key does not exist"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::new(401, "key_revoked", "this chat key has been revoked"));
    }
    let origin = req.headers().get("origin")?.unwrap_or_default();
    // The hosted frame page (`/widget/frame`) calls from the Worker's own origin; where it may be
    // embedded is enforced by its frame-ancestors policy instead.
    let fetch_site = req.headers().get("sec-fetch-site")?.unwrap_or_default();
    let same_origin = (!origin.is_empty() && req.inner().url().starts_with(&format!("{origin}/"))) || (origin.is_empty() && fetch_site == "same-origin");
    if !same_origin && !origin_allowed(&row.origins(), &origin) {
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
    Identity { kind: "visitor".into(), id: visitor.id.clone(), name: visitor.name.clone(), tenant_id: visitor.tenant_id.clone(), conversation_id: conversation_id.into(), ver: None }
}

/// The locale for a visitor: `?locale=` or the body's, else Accept-Language, else the tenant's default.
fn visitor_locale(req: &Request, explicit: Option<&str>, default_locale: &str) -> ApiResult<String> {
    let query = super::query(req, "locale");
    let header = req.headers().get("accept-language")?;
    Ok(locale_for(explicit.or(query.as_deref()).or(header.as_deref()), default_locale))
}

/// The menu flow in one locale, ready for the widget to browse without a server round trip.
fn localized_flow(flow: &Flow, locale: &str) -> Value {
    let d = flow.default_locale.as_str();
    json!({
        "auto_reply": flow.auto_reply,
        "welcome": pick(&flow.welcome, locale, d),
        "root": flow.root,
        "nodes": flow.nodes.iter().map(|n| json!({
            "id": n.id,
            "text": pick(&n.text, locale, d),
            "choices": n.choices.iter().map(|c| json!({ "id": c.id, "label": pick(&c.label, locale, d), "action": c.action })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

async fn config(req: &Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let tenant = ctx.store.tenant_by_id(&site.key.tenant_id).await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let operators_online = ctx.store.available_operator_count(&tenant.id).await? > 0;
    let settings = ctx.store.bot_settings(&tenant.id).await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let flow = flow_of(&settings);
    let locale = visitor_locale(req, None, &flow.default_locale)?;
    let hours = hours_of(&settings);
    let open_now = hours.as_ref().is_none_or(|h| h.is_open(ctx.now));
    let next_open_at = if open_now { None } else { hours.as_ref().and_then(|h| h.next_open(ctx.now)) };
    let online = open_now && operators_online;
    json(
        200,
        &json!({
            "tenant": { "name": tenant.name },
            "widget": WidgetSettings::from_stored(&tenant.widget_settings),
            "locale": locale,
            "bot": localized_flow(&flow, &locale),
            "online": online,
            "open_now": open_now,
            "next_open_at": next_open_at,
            "expected_reply": if online { "minutes" } else if next_open_at.is_some() { "when_open" } else { "by_email" },
            "operators_online": operators_online,
            "require_verified_visitors": tenant.require_verified == 1,
            "limits": { "text_chars": TEXT_MAX_CHARS, "frame_bytes": MAX_FRAME_BYTES },
            "websocket": { "path": "/ws/conversations/{id}", "subprotocol": SUBPROTOCOL },
        }),
    )
}

/// Starts or resumes a visitor session. Verified visitors (`external_id` + `hash`) are found or made by
/// their site user id; a bad or missing hash never reaches an existing visitor.
async fn session(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    body.allow(&["token", "external_id", "hash", "name", "email"])?;
    let tenant = ctx.store.tenant_by_id(&site.key.tenant_id).await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let name = body.opt_str("name")?.map(|n| Name::parse(n, "name", NAME_MAX)).transpose()?;
    let email = body.opt_str("email")?.map(Email::parse).transpose()?;
    let hash = body.opt_str("hash")?;
    let (name, email) = (name.as_ref().map(Name::as_str), email.as_ref().map(Email::as_str));
    let secret = jwt_secret(ctx)?;
    let (visitor, resumed) = if let Some(external_id) = body.opt_str("external_id")? {
        if external_id.is_empty() || external_id.len() > 256 {
            return Err(ApiError::invalid("external_id", "must be 1 to 256 characters"));
        }
        let verified = match (&tenant.identity_secret, hash) {
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
        let previous = match body.opt_str("token")?.map(|t| verify_visitor_token(&secret, t, ctx.now_secs())) {
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

/// The first message sent with a new conversation: `{client_msg_id, text}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    client_msg_id: String,
    text: String,
}

/// Starts a conversation (idempotent per `client_request_id`), optionally with its first message.
async fn create_conversation(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let body = read_body(&mut req).await?;
    // `menu_path`: choice ids from the root of the bot menu, ending with "ask" or "talk to a person".
    body.allow(&["client_request_id", "message", "menu_path", "locale"])?;
    let request_id = body.opt_str("client_request_id")?.map(|r| ClientMsgId::parse(r).map_err(|e| e.at("client_request_id"))).transpose()?;
    let message: Option<FirstMessage> = body.opt_object("message")?;
    let menu_path = body.opt_strings("menu_path")?;
    if let Some(m) = &message {
        ClientMsgId::parse(&m.client_msg_id)?;
        crate::domain::message::MessageText::parse(&m.text)?;
    }
    let settings = ctx.store.bot_settings(&v.tenant_id).await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let flow = flow_of(&settings);
    let locale = visitor_locale(&req, body.opt_str("locale")?, &flow.default_locale)?;
    let path = menu_path.as_deref().map(|p| flow.follow(p, &locale)).transpose()?;
    let id = new_id()?;
    let (conversation, created) = ctx.store.create_conversation(id.as_str(), &v.tenant_id, &v.id, request_id.as_ref().map(ClientMsgId::as_str), ctx.now).await?;
    if created {
        let steps = path.as_ref().map(|p| serde_json::to_string(&p.steps)).transpose().map_err(ApiError::internal)?;
        ctx.store.set_conversation_start(&conversation.id, &locale, steps.as_deref()).await?;
        ctx.store.batch(vec![ctx.store.inbox_change_statement(&v.tenant_id, Some(&conversation.id), None, ctx.now)?]).await?;
        if let Some(p) = &path {
            // The path the visitor took is the conversation's first event, so the operator sees it.
            let labels: Vec<&str> = p.steps.iter().map(|s| s.label.as_str()).collect();
            let command = crate::realtime::conversation::RoomCommand {
                command: "menu".into(),
                text: Some(labels.join(" › ")),
                payload: Some(json!({ "steps": p.steps })),
                ..Default::default()
            };
            room::command(ctx, &identity(&v, &conversation.id), &command).await?;
        }
        if message.is_none() {
            room::notify_inbox(ctx, &v.tenant_id, false).await;
        }
    }
    let mut body_out = json!({ "conversation": conversation.to_json(), "created": created });
    if let Some(m) = message {
        let mut res = room::send(ctx, &identity(&v, &conversation.id), &json!({ "client_msg_id": m.client_msg_id, "text": m.text })).await?;
        let status = res.status_code();
        let sent: Value = res.json().await.map_err(ApiError::internal)?;
        if status >= 300 {
            return Ok(super::json_text(status, sent.to_string())?);
        }
        body_out["event"] = sent["event"].clone();
    }
    if let (true, Some(Action::Handoff { department_id })) = (created, path.as_ref().map(|p| &p.end)) {
        let (status, text) = start_handoff(ctx, &v, &conversation, department_id.as_deref()).await?;
        if status >= 300 {
            return Ok(super::json_text(status, text)?);
        }
    }
    if let Some(fresh) = ctx.store.conversation_in_tenant(&v.tenant_id, &conversation.id).await? {
        body_out["conversation"] = fresh.to_json();
    }
    json(if created { 201 } else { 200 }, &body_out)
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
    let mut events: Vec<Value> = rows.iter().map(|r| r.to_json()).collect();
    super::files::sign_all(ctx, &mut events)?;
    list(&events, next)
}

/// The REST twin of the socket `send`: same room, same idempotency.
async fn send_message(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let body = read_body(&mut req).await?;
    body.allow(&["client_msg_id", "text", "private"])?;
    let message = json!({ "client_msg_id": body.str("client_msg_id")?, "text": body.str("text")?, "private": body.opt_bool("private")?.unwrap_or(false) });
    room::send(ctx, &identity(&v, &conversation.id), &message).await
}

/// "Talk to a person": the conversation joins its department's queue (the default department unless
/// the visitor picked one), and the router takes it from there.
async fn handoff(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let body = read_body(&mut req).await?;
    body.allow(&["department_id"])?;
    let (status, body) = start_handoff(ctx, &v, &conversation, body.opt_str("department_id")?).await?;
    if status >= 300 {
        return Ok(super::json_text(status, body)?);
    }
    let event: Value = serde_json::from_str(&body).map_err(ApiError::internal)?;
    let fresh = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, &conversation.id).await?.map(|c| c.to_json());
    json(200, &json!({ "conversation": fresh, "event": event["event"] }))
}

/// Queues the conversation in a department and, when nobody there can take it now, lets the bot say
/// so (outside business hours: when the team is back) and ask for an email address.
async fn start_handoff(ctx: &Ctx, v: &VisitorRow, conversation: &crate::store::conversations::ConversationRow, department_id: Option<&str>) -> ApiResult<(u16, String)> {
    let department = match department_id {
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
    let who = identity(v, &conversation.id);
    let (status, body) = room::command(ctx, &who, &command).await?;
    if status >= 300 {
        return Ok((status, body));
    }
    let candidates = ctx.store.routing_candidates(&v.tenant_id).await?;
    let members = ctx.store.memberships_for_tenant(&v.tenant_id).await?;
    let someone = candidates.iter().any(|c| {
        c.status == "available" && c.active_count < c.capacity && members.iter().any(|m| m.operator_id == c.id && m.department_id == department.id)
    });
    let settings = ctx.store.bot_settings(&v.tenant_id).await?;
    let hours = settings.as_ref().and_then(hours_of);
    let open = hours.as_ref().is_none_or(|h| h.is_open(ctx.now));
    // Operators who are available outside business hours are working: only an empty seat list makes
    // the bot step in.
    if !someone {
        let locale = conversation.locale.clone().unwrap_or_else(|| settings.as_ref().map(|s| flow_of(s).default_locale).unwrap_or_else(|| "en".into()));
        let texts = bot_texts(&locale);
        let next_open_at = if open { None } else { hours.as_ref().and_then(|h| h.next_open(ctx.now)) };
        let (notice, text) = if open { ("no_operator", texts.no_operator) } else { ("offline", texts.offline) };
        let say = crate::realtime::conversation::RoomCommand {
            command: "bot_say".into(),
            text: Some(text.into()),
            payload: Some(json!({ "notice": notice, "next_open_at": next_open_at, "ask_email": true })),
            ..Default::default()
        };
        room::command(ctx, &who, &say).await?;
    }
    Ok((status, body))
}

/// "Leave a message": the visitor's email address for a reply while nobody is available.
async fn contact(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    let body = read_body(&mut req).await?;
    body.allow(&["email"])?;
    let email = Email::parse(body.str("email")?)?;
    ctx.store.set_visitor_email(&v.tenant_id, &v.id, email.as_str()).await?;
    let texts = bot_texts(conversation.locale.as_deref().unwrap_or("en"));
    let say = crate::realtime::conversation::RoomCommand {
        command: "bot_say".into(),
        text: Some(texts.email_thanks.replace("{email}", email.as_str())),
        payload: Some(json!({ "contact": email.as_str() })),
        ..Default::default()
    };
    let (status, body) = room::command(ctx, &identity(&v, &conversation.id), &say).await?;
    if status >= 300 {
        return Ok(super::json_text(status, body)?);
    }
    json(200, &json!({ "visitor": { "id": v.id, "name": v.name, "email": email.as_str(), "verified": v.verified == 1 } }))
}

/// `POST /api/widget/faq/ask {text}`: best answers with scores; creates nothing.
async fn faq_ask(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    super::admin::bot::answer(ctx, &site.key.tenant_id, &body).await
}

/// A visitor's upload into their own conversation.
async fn attach(req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let id = path_id(raw_id, "conversation")?;
    let conversation = ctx.store.conversation_of_visitor(&v.tenant_id, &v.id, id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))?;
    super::files::upload(req, ctx, &identity(&v, &conversation.id), &conversation).await
}

/// `GET /widget/frame?key=pk_…`: the chat as a page of its own, for sites that prefer an iframe. Only
/// the key's allowed origins may frame it (`frame-ancestors`).
pub async fn frame(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let raw = super::query(&req, "key").unwrap_or_default();
    let key = PublishableKey::parse(&raw).map_err(|_| ApiError::new(401, "invalid_key", "pass the publishable key as ?key=pk_…"))?;
    let row = ctx.store.api_key_by_publishable(key.as_str()).await?.filter(|k| k.revoked_at.is_none()).ok_or_else(|| ApiError::new(401, "invalid_key", "this chat key does not exist or was revoked"))?;
    let locale = super::query(&req, "locale").filter(|l| l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()));
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>Chat</title></head><body><script src=\"/widget.js\" data-key=\"{}\" data-mode=\"frame\"{} async></script></body></html>",
        key.as_str(),
        locale.map(|l| format!(" data-locale=\"{l}\"")).unwrap_or_default()
    );
    let mut res = Response::ok(html)?;
    let h = res.headers_mut();
    h.set("content-type", "text/html; charset=utf-8")?;
    h.set("content-security-policy", &format!(
        "default-src 'none'; script-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'unsafe-inline'; frame-ancestors {}",
        row.origins().join(" ")
    ))?;
    h.set("x-content-type-options", "nosniff")?;
    h.set("cache-control", "no-store")?;
    Ok(res)
}
