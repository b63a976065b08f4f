//! `/api/widget/*`: the visitor side. Every request names its publishable key (`?key=pk_…`) and comes
//! from an origin that key allows (CORS is answered only for those); all but `config` and `session`
//! also carry the visitor token from `session` as `Authorization: Bearer`.

use serde_json::{json, Value};
use worker::{Method, Request, Response};

use super::error::{ApiError, ApiResult};
use super::session::{bearer_token, jwt_secret};
use super::{int_param, json, list, methods, new_id, path_id, read_body, Ctx};
use crate::domain::email::Email;
use crate::domain::hmac::verify_hmac_hex;
use crate::domain::keys::PublishableKey;
use crate::domain::ids::Id;
use crate::domain::message::{ClientMsgId, MessageText, TEXT_MAX_CHARS};
use crate::domain::origin::origin_allowed;
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::token::{issue_visitor_token, verify_visitor_token, VisitorClaims, VISITOR_TTL_SECS};
use crate::domain::bot::{locale_for, pick, Action, Flow};
use crate::domain::widget::{WidgetSettings, PRECHAT_AT_HANDOFF, PRECHAT_AT_START};
use crate::domain::hours::HoursSpec;
use crate::domain::transcript::Transcript;
use crate::domain::tz::Zone;
use crate::domain::widget_texts::widget_text;
use crate::domain::mail_link::{TranscriptLink, LINK_TTL_SECS};
use crate::service::mail::{offline_words, Mailer, Outgoing};
use crate::service::bot::{flow_of, hours_of};
use crate::service::handoff::handoff_plan;
use crate::realtime::client::RoomClient;
use crate::realtime::wire::{MailKind, MenuTrail, Party, RoomCommand, RoomErrorKind, RoomOutcome, SendMessage, Start};
use crate::realtime::protocol::{MAX_FRAME_BYTES, SUBPROTOCOL};
use crate::store::api_keys::ApiKeyRow;
use crate::store::visitors::VisitorRow;

const CONVERSATION_LIST_LIMIT: i64 = 50;
const MESSAGES_DEFAULT_LIMIT: i64 = 100;
const MESSAGES_MAX_LIMIT: i64 = 500;
const TRANSCRIPT_EVENTS_MAX: usize = 10_000;

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
            ["visitor"] => methods!(method, "PATCH"; Patch => visitor_details(req, ctx, &site)),
            ["conversations"] => methods!(method, "GET, POST"; Get => list_conversations(req, ctx, &site), Post => create_conversation(req, ctx, &site)),
            ["conversations", id, "handoff"] => methods!(method, "POST"; Post => handoff(req, ctx, &site, id)),
            ["conversations", id, "attachments"] => methods!(method, "POST"; Post => attach(req, ctx, &site, id)),
            ["conversations", id, "contact"] => methods!(method, "POST"; Post => contact(req, ctx, &site, id)),
            ["conversations", id, "quick-reply"] => methods!(method, "POST"; Post => quick_reply(req, ctx, &site, id)),
            ["conversations", id, "close"] => methods!(method, "POST"; Post => close(req, ctx, &site, id)),
            ["conversations", id, "rating"] => methods!(method, "POST"; Post => rate(req, ctx, &site, id)),
            ["conversations", id, "page"] => methods!(method, "POST"; Post => page(req, ctx, &site, id)),
            ["conversations", id, "transcript"] => methods!(method, "GET"; Get => transcript(req, ctx, &site, id)),
            ["conversations", id, "transcript", "email"] => methods!(method, "POST"; Post => email_transcript(req, ctx, &site, id)),
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
    h.set("access-control-allow-methods", "GET, POST, PATCH")?;
    h.set("access-control-allow-headers", "authorization, content-type")?;
    h.set("access-control-max-age", "600")?;
    Ok(r)
}

async fn site(req: &Request, ctx: &Ctx) -> ApiResult<Site> {
    let raw = super::query(req, "key").unwrap_or_default();
    let key = PublishableKey::parse(&raw).map_err(|_| ApiError::new(401, "invalid_key", "pass the publishable key as ?key=pk_…"))?;
    let row = ctx.store.api_key_by_credential(key.as_str(), ctx.now).await?.ok_or_else(|| ApiError::new(401, "invalid_key", "this chat key does not exist"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::new(401, "key_revoked", "this chat key has been revoked"));
    }
    let origin = req.headers().get("origin")?.unwrap_or_default();
    if !origin_admitted(req, &row, &origin)? {
        return Err(ApiError::new(403, "origin_not_allowed", format!("the origin {origin:?} is not allowed for this chat key; add it to the key's allowed origins")));
    }
    Ok(Site { key: row, origin })
}

/// Whether a widget request (REST or socket upgrade) may use this key from `origin`: one of the key's
/// allowed origins, or the Worker's own origin — the hosted frame page (`/widget/frame`) calls from
/// there, and where it may be embedded is enforced by its frame-ancestors policy instead.
pub fn origin_admitted(req: &Request, key: &ApiKeyRow, origin: &str) -> ApiResult<bool> {
    let fetch_site = req.headers().get("sec-fetch-site")?.unwrap_or_default();
    let same_origin = (!origin.is_empty() && req.inner().url().starts_with(&format!("{origin}/"))) || (origin.is_empty() && fetch_site == "same-origin");
    Ok(same_origin || origin_allowed(&key.origins(), origin))
}

/// The visitor's verified token claims (no database read); the token must belong to this key.
fn visitor_claims(req: &Request, ctx: &Ctx, site: &Site) -> ApiResult<VisitorClaims> {
    let token = bearer_token(req)?.ok_or_else(|| ApiError::unauthorized("start a session first: POST /api/widget/session"))?;
    let claims = verify_visitor_token(&jwt_secret(ctx)?, &token, ctx.now_secs())?;
    if claims.tid != site.key.tenant_id || claims.kid != site.key.id {
        return Err(ApiError::unauthorized("this visitor token belongs to another chat key"));
    }
    Ok(claims)
}

/// The visitor behind the bearer token.
async fn visitor(req: &Request, ctx: &Ctx, site: &Site) -> ApiResult<VisitorRow> {
    let claims = visitor_claims(req, ctx, site)?;
    let v = ctx.store.tenant(&claims.tid).visitor(&claims.sub).await?.ok_or_else(|| ApiError::unauthorized("unknown visitor"))?;
    admitted(&site.key, v)
}

/// The visitor, if their site still talks to them: once the tenant requires verified visitors, an
/// anonymous visitor's token (however fresh) reads, sends and connects no more.
pub fn admitted(key: &ApiKeyRow, v: VisitorRow) -> ApiResult<VisitorRow> {
    if key.tenant_requires_verified && v.verified != 1 {
        return Err(ApiError::new(403, "verification_required", "this site only talks to signed-in users: send external_id and hash"));
    }
    Ok(v)
}

pub fn visitor_party(visitor: &VisitorRow, key_id: &str) -> Party {
    Party::Visitor { id: visitor.id.clone(), name: visitor.name.clone(), email: visitor.email.clone(), verified: visitor.verified == 1, key_id: Some(key_id.to_string()) }
}

/// The room of one of this visitor's conversations (the room answers 404 for anyone else's).
fn room(ctx: &Ctx, site: &Site, visitor: &VisitorRow, raw_id: &str) -> ApiResult<RoomClient> {
    let id = path_id(raw_id, "conversation")?;
    Ok(RoomClient::new(&ctx.env, &visitor.tenant_id, id.as_str(), visitor_party(visitor, &site.key.id)))
}

/// The locale for a visitor: `?locale=` or the body's, else Accept-Language, else the tenant's default.
fn visitor_locale(req: &Request, explicit: Option<&str>, default_locale: &str) -> ApiResult<String> {
    let query = super::query(req, "locale");
    let header = req.headers().get("accept-language")?;
    Ok(locale_for(explicit.or(query.as_deref()).or(header.as_deref()), default_locale))
}

/// The menu flow in one locale, ready for the widget to browse without a server round trip. Quick
/// replies carry their entry's answer (`faqs`: the tenant's entries, loaded only when the flow has any).
fn localized_flow(flow: &Flow, locale: &str, faqs: &[crate::store::bot::FaqRow]) -> Value {
    let d = flow.default_locale.as_str();
    let action = |a: &crate::domain::bot::Action| match a {
        crate::domain::bot::Action::Faq { faq_id } => {
            let entry = faqs.iter().find(|f| &f.id == faq_id);
            json!({ "type": "faq", "faq_id": faq_id, "answer": entry.map(|f| f.answer.as_str()) })
        }
        other => json!(other),
    };
    // Suggested questions in the visitor's language (else the flow's default one), with their answers.
    let suggested = |lang: &str| -> Vec<Value> {
        let entries = flow.suggestions.iter().filter_map(|id| faqs.iter().find(|f| &f.id == id));
        let shown = entries.filter(|f| f.locale.as_deref().unwrap_or_else(|| crate::domain::faq::script_locale(&f.question)) == lang);
        shown.map(|f| json!({ "faq_id": f.id, "question": f.question, "answer": f.answer })).collect()
    };
    let suggestions = match suggested(locale) {
        found if !found.is_empty() => found,
        _ => suggested(d),
    };
    json!({
        "auto_reply": flow.auto_reply,
        "free_text": flow.free_text,
        "suggestions": suggestions,
        "welcome": pick(&flow.welcome, locale, d),
        "root": flow.root,
        "nodes": flow.nodes.iter().map(|n| json!({
            "id": n.id,
            "text": pick(&n.text, locale, d),
            "choices": n.choices.iter().map(|c| json!({ "id": c.id, "label": pick(&c.label, locale, d), "action": action(&c.action) })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// How long the edge keeps a key's widget configuration: a settings change or operators coming
/// online show in the widget within this time.
const CONFIG_TTL_SECS: i64 = 15;

thread_local! {
    /// This isolate's copies of the edge cache's entries (saves the cache round trip on hot keys).
    static CONFIG_HERE: std::cell::RefCell<std::collections::HashMap<String, (String, i64)>> = Default::default();
}

fn config_cached_here(cache_key: &str, now: i64) -> Option<String> {
    CONFIG_HERE.with(|c| {
        let mut copies = c.borrow_mut();
        copies.retain(|_, (_, at)| now - *at < CONFIG_TTL_SECS * 1000 && now >= *at);
        copies.get(cache_key).map(|(body, _)| body.clone())
    })
}

/// The cache entry of one key's configuration in one language; languages the bot does not speak
/// share the tenant default's entry, so a key has at most `LOCALES.len() + 1` entries.
fn config_cache_key(origin: &str, key_id: &str, lang: &str) -> String {
    let lang = if crate::domain::bot::LOCALES.contains(&lang) { lang } else { "-" };
    format!("{origin}/__cache/widget-config/{key_id}/{lang}")
}

/// Drops a tenant's cached widget configurations (its settings, bot or operators' availability
/// changed), so widgets see the change on their next load rather than within `CONFIG_TTL_SECS` (other
/// isolates' own copies still live out their time).
pub async fn purge_config(req: &Request, ctx: &Ctx, tenant_id: &str) {
    let url = req.inner().url();
    let origin = url.find("://").and_then(|i| url[i + 3..].find('/').map(|j| &url[..i + 3 + j])).unwrap_or(&url).to_string();
    let Ok(keys) = ctx.store.tenant(tenant_id).api_keys().await else { return };
    let cache = worker::Cache::default();
    for key in keys {
        for lang in crate::domain::bot::LOCALES.iter().copied().chain(["-"]) {
            let entry = config_cache_key(&origin, &key.id, lang);
            CONFIG_HERE.with(|c| c.borrow_mut().remove(&entry));
            let _ = cache.delete(entry.as_str(), false).await;
        }
    }
}

/// `GET /api/widget/config`: kept in the edge cache (Cache API) per key and language for
/// `CONFIG_TTL_SECS`, with an ETag so a widget that has it gets a 304.
async fn config(req: &Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let asked = super::query(req, "locale").or(req.headers().get("accept-language")?).unwrap_or_default();
    let lang: String = asked.chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_lowercase();
    let url = req.inner().url();
    let origin = url.find("://").and_then(|i| url[i + 3..].find('/').map(|j| &url[..i + 3 + j])).unwrap_or(&url);
    let cache_key = config_cache_key(origin, &site.key.id, &lang);
    let body = match config_cached_here(&cache_key, ctx.now) {
        Some(body) => body,
        None => {
            let cache = worker::Cache::default();
            let shared = match cache.get(cache_key.as_str(), false).await {
                Ok(Some(mut hit)) => hit.text().await.ok(),
                _ => None,
            };
            let body = match shared {
                Some(body) => body,
                None => {
                    let body = config_body(req, ctx, site).await?.to_string();
                    let mut stored = Response::ok(body.clone())?;
                    stored.headers_mut().set("cache-control", &format!("public, max-age={CONFIG_TTL_SECS}"))?;
                    if let Err(e) = cache.put(cache_key.as_str(), stored).await {
                        worker::console_error!("config cache: {e}");
                    }
                    body
                }
            };
            CONFIG_HERE.with(|c| c.borrow_mut().insert(cache_key.clone(), (body.clone(), ctx.now)));
            body
        }
    };
    let etag = format!("\"{}\"", &crate::domain::hmac::hmac_sha256_hex(b"config-etag", body.as_bytes())[..20]);
    let fresh = req.headers().get("if-none-match")?.is_some_and(|tags| tags.split(',').any(|t| t.trim().trim_start_matches("W/") == etag));
    let mut response = if fresh { Response::empty()?.with_status(304) } else { super::json_text(200, body)? };
    let h = response.headers_mut();
    h.set("etag", &etag)?;
    h.set("cache-control", &format!("private, max-age={CONFIG_TTL_SECS}"))?;
    Ok(response)
}

async fn config_body(req: &Request, ctx: &Ctx, site: &Site) -> ApiResult<Value> {
    let (tenant, operators_online, departments) = ctx.store.tenant(&site.key.tenant_id).widget_config_context().await?;
    let tenant = tenant.ok_or_else(|| ApiError::not_found("tenant"))?;
    let settings = crate::store::bot::BotSettingsRow { name: tenant.name.clone(), bot_flow: tenant.bot_flow.clone(), business_hours: tenant.business_hours.clone(), widget_settings: Some(tenant.widget_settings.clone()) };
    let flow = flow_of(&settings);
    let faqs = if flow.faq_refs().is_empty() { Vec::new() } else { ctx.store.tenant(&site.key.tenant_id).faq_entries().await? };
    let locale = visitor_locale(req, None, &flow.default_locale)?;
    let hours = hours_of(&settings);
    let open_now = hours.as_ref().is_none_or(|h| h.is_open(ctx.now));
    let next_open_at = if open_now { None } else { hours.as_ref().and_then(|h| h.next_open(ctx.now)) };
    let online = open_now && operators_online;
    let texts = crate::domain::widget_texts::widget_texts(&locale);
    let mut widget = WidgetSettings::from_stored(&tenant.widget_settings);
    if widget.greeting == WidgetSettings::default().greeting {
        // Not written by the tenant: the default greeting in the visitor's language.
        widget.greeting = texts["greeting"].as_str().unwrap_or_default().to_string();
    }
    // The team's addresses stay private; an email transcript is offered only when mail can go out.
    widget.transcript_email = widget.transcript_email && Mailer::from_env(&ctx.env).is_some();
    let mut widget = json!(widget);
    if let Some(w) = widget.as_object_mut() {
        w.remove("offline_emails");
    }
    Ok(json!({
        "tenant": { "name": tenant.name },
        "widget": widget,
        "locale": locale,
        "texts": texts,
        "bot": localized_flow(&flow, &locale, &faqs),
        "online": online,
        "open_now": open_now,
        "next_open_at": next_open_at,
        "expected_reply": if online { "minutes" } else if next_open_at.is_some() { "when_open" } else { "by_email" },
        "operators_online": operators_online,
        // The "Which team?" choice before a handoff (the widget asks only when there are two or more).
        "departments": departments.iter().map(|d| json!({ "id": d.id, "label": d.label(&locale) })).collect::<Vec<_>>(),
        "require_verified_visitors": tenant.require_verified == 1,
        "limits": { "text_chars": TEXT_MAX_CHARS, "frame_bytes": MAX_FRAME_BYTES },
        "websocket": { "path": "/ws/conversations/{id}", "subprotocol": SUBPROTOCOL },
    }))
}

/// Starts or resumes a visitor session. Verified visitors (`external_id` + `hash`) are found or made by
/// their site user id; a bad or missing hash never reaches an existing visitor.
async fn session(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    body.allow(&["token", "external_id", "hash", "name", "email"])?;
    let tenant = ctx.store.tenant(&site.key.tenant_id).row().await?.ok_or_else(|| ApiError::not_found("tenant"))?;
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
            .tenant(&tenant.id).upsert_verified_visitor(id.as_str(), external_id, name, email, ctx.now)
            .await?
            .ok_or_else(|| ApiError::internal("verified visitor missing after upsert"))?;
        let resumed = row.id != id.as_str();
        (row, resumed)
    } else {
        let previous = match body.opt_str("token")?.map(|t| verify_visitor_token(&secret, t, ctx.now_secs())) {
            // Only a token of this very key resumes its visitor: one issued under another key of the
            // tenant (a revoked one, say) starts a new visitor instead.
            Some(Ok(c)) if c.tid == tenant.id && c.kid == site.key.id => ctx.store.tenant(&tenant.id).visitor(&c.sub).await?,
            _ => None,
        };
        match previous {
            Some(v) if tenant.require_verified == 0 || v.verified == 1 => {
                ctx.store.tenant(&v.tenant_id).touch_visitor(&v.id, ctx.now).await?;
                (v, true)
            }
            _ if tenant.require_verified == 1 => {
                return Err(ApiError::new(403, "verification_required", "this site only talks to signed-in users: send external_id and hash"));
            }
            _ => {
                let id = new_id()?;
                ctx.store.tenant(&tenant.id).insert_anonymous_visitor(id.as_str(), name, email, ctx.now).await?;
                let row = ctx.store.tenant(&tenant.id).visitor(id.as_str()).await?.ok_or_else(|| ApiError::internal("visitor missing after insert"))?;
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
    let rows = ctx.store.tenant(&v.tenant_id).conversations_for_visitor(&v.id, CONVERSATION_LIST_LIMIT).await?;
    list(&rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), None)
}

/// The first message sent with a new conversation: `{client_msg_id, text}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstMessage {
    client_msg_id: String,
    text: String,
}

/// Starts a conversation (idempotent per `client_request_id`), optionally with its first message and
/// the menu path the visitor took (which may end in a handoff): one command to the new room. On the
/// way: the key, then one batch of reads; nothing waits on a D1 write.
async fn create_conversation(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let claims = visitor_claims(&req, ctx, site)?;
    let body = read_body(&mut req).await?;
    // `menu_path`: choice ids from the root of the bot menu, ending with "ask" or "talk to a person".
    body.allow(&["client_request_id", "message", "menu_path", "locale", "previous_conversation_id"])?;
    let request_id = body.opt_str("client_request_id")?.map(|r| ClientMsgId::parse(r).map_err(|e| e.at("client_request_id"))).transpose()?;
    let message: Option<FirstMessage> = body.opt_object("message")?;
    let menu_path = body.opt_strings("menu_path")?;
    let previous = body.opt_str("previous_conversation_id")?.map(|p| path_id(p, "conversation").map_err(|_| ApiError::invalid("previous_conversation_id", "is not a conversation id"))).transpose()?;
    if let Some(m) = &message {
        ClientMsgId::parse(&m.client_msg_id)?;
        MessageText::parse(&m.text)?;
    }
    let context = ctx.store.tenant(&claims.tid).widget_context_by_visitor_id(&claims.sub).await?;
    let v = admitted(&site.key, context.visitor.clone().ok_or_else(|| ApiError::unauthorized("unknown visitor"))?)?;
    let settings = context.settings.clone().ok_or_else(|| ApiError::not_found("tenant"))?;
    let flow = flow_of(&settings);
    let locale = visitor_locale(&req, body.opt_str("locale")?, &flow.default_locale)?;
    let path = menu_path.as_deref().map(|p| flow.follow(p, &locale)).transpose()?;
    let handoff = match path.as_ref().map(|p| &p.end) {
        Some(Action::Handoff { department_id }) => Some(handoff_plan(&context, department_id.as_deref(), ctx.now)?),
        _ => None,
    };
    let id = match &request_id {
        Some(r) => Id::derive(&jwt_secret(ctx)?, &["conversation", &v.tenant_id, &v.id, r.as_str()]),
        None => new_id()?,
    };
    let menu = match &path {
        Some(p) => Some(MenuTrail {
            text: p.steps.iter().map(|s| s.label.as_str()).collect::<Vec<_>>().join(" › "),
            steps: serde_json::to_value(&p.steps).map_err(ApiError::internal)?,
        }),
        None => None,
    };
    if let Some(previous) = &previous {
        // Only one of this visitor's own conversations can be continued (the room answers 404 otherwise).
        let known = RoomClient::new(&ctx.env, &v.tenant_id, previous.as_str(), visitor_party(&v, &site.key.id)).run(RoomCommand::Get).await;
        known.map_err(|e| if e.kind == RoomErrorKind::NotFound { ApiError::invalid("previous_conversation_id", "is not one of your conversations") } else { e.into() })?;
    }
    let widget = WidgetSettings::from_stored(settings.widget_settings.as_deref().unwrap_or("{}"));
    prechat_given(&widget, PRECHAT_AT_START, &v)?;
    if handoff.is_some() {
        prechat_given(&widget, PRECHAT_AT_HANDOFF, &v)?;
    }
    let after_close = widget.after_close;
    let start = Start {
        locale,
        menu,
        message: message.map(|m| SendMessage { client_msg_id: m.client_msg_id, text: m.text, private: false }),
        handoff,
        after_close: Some(after_close),
        previous_conversation_id: previous.map(|p| p.as_str().to_string()),
    };
    let outcome = RoomClient::new(&ctx.env, &v.tenant_id, id.as_str(), visitor_party(&v, &site.key.id)).run(RoomCommand::Start(start)).await?;
    let mut body_out = json!({ "conversation": outcome.conversation.as_ref().map(|c| c.to_json()), "created": outcome.created });
    if let Some(event) = outcome.event {
        body_out["event"] = event;
    }
    json(if outcome.created { 201 } else { 200 }, &body_out)
}

/// History after `after_seq`, in order, `limit` at a time; `next_cursor` is the `after_seq` of the next
/// page. Read from the room: a message acked a moment ago is in the answer.
async fn messages(req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let after_seq = int_param(&req, "after_seq")?.unwrap_or(0);
    let limit = int_param(&req, "limit")?.unwrap_or(MESSAGES_DEFAULT_LIMIT).clamp(1, MESSAGES_MAX_LIMIT);
    let outcome = room(ctx, site, &v, raw_id)?.run(RoomCommand::History { after_seq, limit }).await?;
    let mut events = outcome.events;
    super::files::sign_all(ctx, &mut events)?;
    list(&events, outcome.next_after_seq.map(|s| s.to_string()))
}

/// The REST twin of the socket `send`: same room, same idempotency.
async fn send_message(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let room = room(ctx, site, &v, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["client_msg_id", "text", "private"])?;
    let send = SendMessage { client_msg_id: body.str("client_msg_id")?.into(), text: body.str("text")?.into(), private: body.opt_bool("private")?.unwrap_or(false) };
    sent(room.run(RoomCommand::Send(send)).await?)
}

/// The answer to a send: 201 stored now, 200 stored before (same id and content).
pub fn sent(outcome: RoomOutcome) -> ApiResult<Response> {
    json(if outcome.duplicate { 200 } else { 201 }, &json!({ "event": outcome.event, "duplicate": outcome.duplicate }))
}

/// "Talk to a person": the conversation joins its department's queue (the one the visitor picked, else
/// its current one, else the default), and the router takes it from there.
async fn handoff(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let claims = visitor_claims(&req, ctx, site)?;
    let body = read_body(&mut req).await?;
    body.allow(&["department_id"])?;
    let asked = match body.opt_str("department_id")? {
        Some(d) => Some(Id::parse(d).ok_or_else(|| ApiError::invalid("department_id", "must be a department id"))?.to_string()),
        None => None,
    };
    let context = ctx.store.tenant(&claims.tid).widget_context_by_visitor_id(&claims.sub).await?;
    let v = admitted(&site.key, context.visitor.clone().ok_or_else(|| ApiError::unauthorized("unknown visitor"))?)?;
    let room = room(ctx, site, &v, raw_id)?;
    let settings = context.settings.as_ref().and_then(|s| s.widget_settings.as_deref()).unwrap_or("{}");
    prechat_given(&WidgetSettings::from_stored(settings), PRECHAT_AT_HANDOFF, &v)?;
    // A visitor picks among the departments the widget offers ("Which team?"), never another.
    if asked.as_ref().is_some_and(|d| !context.departments.iter().any(|x| x.id == *d && x.widget_visible == 1)) {
        return Err(ApiError::invalid("department_id", "is not a department offered to visitors"));
    }
    let department = match asked {
        Some(d) => Some(d),
        None => room.run(RoomCommand::Get).await?.conversation.and_then(|c| c.department_id),
    };
    let plan = handoff_plan(&context, department.as_deref(), ctx.now)?;
    let outcome = room.run(RoomCommand::Handoff(plan)).await?;
    json(200, &json!({ "conversation": outcome.conversation.map(|c| c.to_json()), "event": outcome.event }))
}


/// "Leave a message": the visitor's email address for a reply while nobody is available. When the
/// deployment sends email, the team gets the conversation so far (once, while it waits for
/// somebody), with the visitor's address to reply to; that mail is best effort and goes after the
/// answer.
async fn contact(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let room = room(ctx, site, &v, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["email"])?;
    let email = Email::parse(body.str("email")?)?;
    room.run(RoomCommand::Get).await?;
    ctx.store.tenant(&v.tenant_id).set_visitor_email(&v.id, email.as_str()).await?;
    room.run(RoomCommand::Contact { email: email.as_str().into() }).await?;
    if let Err(e) = mail_team(ctx, &room, &v, &email).await {
        worker::console_error!("message left in {raw_id}: the team was not emailed: {}", e.message);
    }
    json(200, &json!({ "visitor": { "id": v.id, "name": v.name, "email": email.as_str(), "verified": v.verified == 1 } }))
}

/// The team's copy of a message left while nobody was available (to `offline_emails`, else the
/// owners), sent in the background once the room recorded it.
async fn mail_team(ctx: &Ctx, room: &RoomClient, v: &VisitorRow, email: &Email) -> ApiResult<()> {
    let Some(mailer) = Mailer::from_env(&ctx.env) else { return Ok(()) };
    let tenant = ctx.store.tenant(&v.tenant_id);
    let settings = tenant.bot_settings().await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    let team = match WidgetSettings::from_stored(settings.widget_settings.as_deref().unwrap_or("")).offline_emails {
        list if !list.is_empty() => list,
        _ => tenant.operators().await?.into_iter().filter(|o| o.role == "owner" && o.active == 1).map(|o| o.email).collect(),
    };
    // Only while the conversation waits for somebody; within the day's allowance; once (the room
    // records it, and says `duplicate` when it went before).
    let waiting = room.run(RoomCommand::Get).await?.conversation.is_some_and(|c| c.status == "queued");
    if team.is_empty() || !waiting {
        return Ok(());
    }
    if !Mailer::reserve(&ctx.env, &tenant, ctx.now, team.len() as i64).await? {
        return Err(ApiError::new(429, "mail_limit", "the tenant's daily email limit is reached"));
    }
    if room.run(RoomCommand::Mailed { kind: MailKind::Offline, to: team.clone(), nonce: None }).await?.duplicate {
        return Ok(());
    }
    let events = visitor_events(room).await?;
    let locale = flow_of(&settings).default_locale;
    let zone = settings.business_hours.as_deref().and_then(|h| serde_json::from_str::<HoursSpec>(h).ok()).map(|h| h.timezone);
    let who = match &v.name {
        Some(name) if !name.trim().is_empty() => format!("{name} <{}>", email.as_str()),
        _ => email.as_str().to_string(),
    };
    let (subject, intro) = offline_words(&locale, &who);
    let visitor_email = email.as_str().to_string();
    ctx.background.wait_until(async move {
        let t = Transcript::new(&settings.name, &locale, &who, zone.as_deref());
        for to in &team {
            if let Err(e) = mailer.send(&Outgoing::transcript(to, Some(&visitor_email), &subject, Some(&intro), &t, &events)).await {
                worker::console_error!("offline message to {to}: {e}");
            }
        }
    });
    Ok(())
}

/// Every event of the conversation its visitor sees, page by page from the room (at most
/// `TRANSCRIPT_EVENTS_MAX`).
async fn visitor_events(room: &RoomClient) -> ApiResult<Vec<Value>> {
    let mut events = Vec::new();
    let mut after_seq = 0;
    loop {
        let page = room.run(RoomCommand::History { after_seq, limit: MESSAGES_MAX_LIMIT }).await?;
        events.extend(page.events);
        match page.next_after_seq {
            Some(next) if events.len() < TRANSCRIPT_EVENTS_MAX => after_seq = next,
            _ => return Ok(events),
        }
    }
}

/// The reader's time zone (`tz`, an IANA name) for a transcript; absent or empty means UTC.
fn transcript_zone(raw: Option<&str>) -> ApiResult<Option<String>> {
    match raw.filter(|z| !z.is_empty()) {
        Some(z) if !Zone::is_known(z) => Err(ApiError::invalid("tz", "must be an IANA time zone such as Europe/Paris")),
        other => Ok(other.map(str::to_string)),
    }
}

/// What a visitor's transcript is made of: the conversation's language, its visitor-visible events
/// and the tenant's name.
struct TranscriptParts {
    id: String,
    locale: String,
    events: Vec<Value>,
    company: String,
}

impl TranscriptParts {
    async fn load(ctx: &Ctx, room: &RoomClient, tenant_id: &str) -> ApiResult<TranscriptParts> {
        let conversation = room.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
        let events = visitor_events(room).await?;
        let company = ctx.store.tenant(tenant_id).row().await?.ok_or_else(|| ApiError::not_found("tenant"))?.name;
        Ok(TranscriptParts { id: conversation.id, locale: conversation.locale.unwrap_or_else(|| "en".into()), events, company })
    }

    /// The transcript as its visitor reads it ("You").
    fn visitors<'a>(&'a self, you: &'a str, zone: Option<&'a str>) -> Transcript<'a> {
        Transcript::new(&self.company, &self.locale, you, zone)
    }
}

/// `GET /api/widget/conversations/{id}/transcript?format=text|html&tz=`: the conversation as a text
/// file or a printable page, in its language, times in the visitor's zone. Downloaded, never rendered
/// in our origin (attachment, a CSP that allows no scripts).
async fn transcript(req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let format = super::query(&req, "format").unwrap_or_else(|| "text".into());
    if format != "text" && format != "html" {
        return Err(ApiError::invalid("format", "must be text or html"));
    }
    let zone = transcript_zone(super::query(&req, "tz").as_deref())?;
    let parts = TranscriptParts::load(ctx, &room(ctx, site, &v, raw_id)?, &v.tenant_id).await?;
    let you = widget_text(&parts.locale, "you", "");
    let t = parts.visitors(&you, zone.as_deref());
    let (body, kind, ext) = if format == "html" { (t.html(&parts.events, None), "text/html", "html") } else { (t.text(&parts.events), "text/plain", "txt") };
    let mut response = Response::ok(body)?;
    let h = response.headers_mut();
    h.set("content-type", &format!("{kind}; charset=utf-8"))?;
    h.set("content-disposition", &format!("attachment; filename=\"chat-{}.{ext}\"", parts.id))?;
    h.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")?;
    h.set("x-content-type-options", "nosniff")?;
    h.set("cache-control", "no-store")?;
    Ok(response)
}

/// `POST /api/widget/conversations/{id}/transcript/email {email, tz?}`: the transcript by email, when
/// the deployment sends email and the site allows it. To the address the site vouched for (a verified
/// visitor's) it goes at once; to any other, a confirmation link goes first (`confirm: true`) and the
/// transcript only once it is opened. At most `TRANSCRIPT_MAILS_MAX` requests per conversation (429
/// `too_many_emails`), within the tenant's daily allowance (429 `mail_limit`). Operators see each.
async fn email_transcript(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["email", "tz"])?;
    let email = Email::parse(body.str("email")?)?;
    let zone = transcript_zone(body.opt_str("tz")?)?;
    let mailer = Mailer::from_env(&ctx.env).ok_or_else(|| ApiError::new(409, "email_off", "this deployment does not send email"))?;
    if !widget_settings(ctx, &v.tenant_id).await?.transcript_email {
        return Err(ApiError::new(409, "email_off", "this site does not email transcripts"));
    }
    let room = room(ctx, site, &v, raw_id)?;
    room.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    let vouched = v.verified == 1 && v.email.as_deref() == Some(email.as_str());
    if !Mailer::reserve(&ctx.env, &ctx.store.tenant(&v.tenant_id), ctx.now, 1).await? {
        return Err(ApiError::new(429, "mail_limit", "this site has sent all the email it may send today; download the transcript instead"));
    }
    room.run(RoomCommand::Mailed { kind: MailKind::Transcript, to: vec![email.as_str().to_string()], nonce: None }).await?;
    let parts = TranscriptParts::load(ctx, &room, &v.tenant_id).await?;
    let failed = |e: String| {
        worker::console_error!("transcript mail: {e}");
        ApiError::new(502, "email_failed", "the email could not be sent; try again later")
    };
    if vouched {
        let you = widget_text(&parts.locale, "you", "");
        let t = parts.visitors(&you, zone.as_deref());
        mailer.send(&Outgoing::transcript(email.as_str(), None, &t.title(), None, &t, &parts.events)).await.map_err(failed)?;
    } else {
        let link = TranscriptLink { t: v.tenant_id.clone(), c: parts.id.clone(), v: v.id.clone(), e: email.as_str().to_string(), z: zone, l: parts.locale.clone(), x: ctx.now_secs() + LINK_TTL_SECS, n: new_id()?.to_string() };
        let url = format!("{}/api/transcripts/send?token={}", req.url()?.origin().ascii_serialization(), link.sign(ctx.secret("JWT_SECRET")?.as_bytes()));
        let subject = widget_text(&parts.locale, "confirmSubject", &parts.company);
        mailer.send(&Outgoing::confirmation(email.as_str(), &parts.company, &parts.locale, &url, &subject)).await.map_err(failed)?;
    }
    json(200, &json!({ "sent_to": email.as_str(), "confirm": !vouched }))
}

/// `GET /api/transcripts/send?token=`: the link in a confirmation mail. Sends the transcript to the
/// confirmed address (once per link, within 24 hours) and answers a small page in the conversation's
/// language.
pub async fn send_confirmed_transcript(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let token = super::query(&req, "token").unwrap_or_default();
    let Some(link) = TranscriptLink::verify(&token, ctx.secret("JWT_SECRET")?.as_bytes(), ctx.now_secs()) else {
        return confirm_page(400, "en", &widget_text("en", "confirmInvalid", ""));
    };
    let say = |key: &str, n: &str| widget_text(&link.l, key, n);
    let mailer = Mailer::from_env(&ctx.env).ok_or_else(|| ApiError::new(409, "email_off", "this deployment does not send email"))?;
    let party = Party::Visitor { id: link.v.clone(), name: None, email: None, verified: false, key_id: None };
    let room = RoomClient::new(&ctx.env, &link.t, &link.c, party);
    if room.run(RoomCommand::Mailed { kind: MailKind::Confirmed, to: vec![link.e.clone()], nonce: Some(link.n.clone()) }).await?.duplicate {
        return confirm_page(409, &link.l, &say("confirmUsed", ""));
    }
    if !Mailer::reserve(&ctx.env, &ctx.store.tenant(&link.t), ctx.now, 1).await? {
        return Err(ApiError::new(429, "mail_limit", "this site has sent all the email it may send today"));
    }
    let parts = TranscriptParts::load(ctx, &room, &link.t).await?;
    let you = say("you", "");
    let t = parts.visitors(&you, link.z.as_deref());
    if let Err(e) = mailer.send(&Outgoing::transcript(&link.e, None, &t.title(), None, &t, &parts.events)).await {
        worker::console_error!("confirmed transcript mail: {e}");
        return Err(ApiError::new(502, "email_failed", "the email could not be sent; try again later"));
    }
    confirm_page(200, &link.l, &say("confirmDone", &link.e))
}

/// A one-line page for a link opened from an email (no scripts, nothing remote).
fn confirm_page(status: u16, locale: &str, line: &str) -> ApiResult<Response> {
    use crate::domain::transcript::escape;
    let body = format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head><body style=\"font:16px/1.5 system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em\"><p dir=\"auto\">{}</p></body></html>\n",
        escape(locale),
        escape(line),
        escape(line)
    );
    let mut response = Response::ok(body)?.with_status(status);
    let h = response.headers_mut();
    h.set("content-type", "text/html; charset=utf-8")?;
    h.set("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")?;
    h.set("x-content-type-options", "nosniff")?;
    h.set("cache-control", "no-store")?;
    Ok(response)
}

/// `POST /api/widget/conversations/{id}/quick-reply {faq_id, client_msg_id}`: a quick reply (a
/// suggested question or a menu choice answering an FAQ entry) chosen while the bot has the
/// conversation. The visitor's choice and the entry's answer are stored together, in one command;
/// the answer and the choice's words come from the tenant's flow and FAQ, never from the request.
async fn quick_reply(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let room = room(ctx, site, &v, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["faq_id", "client_msg_id"])?;
    let faq_id = body.str("faq_id")?;
    let client_msg_id = body.str("client_msg_id")?.to_string();
    let tenant = ctx.store.tenant(&v.tenant_id);
    let flow = flow_of(&tenant.bot_settings().await?.ok_or_else(|| ApiError::not_found("tenant"))?);
    if !flow.faq_refs().iter().any(|(_, id)| *id == faq_id) {
        return Err(ApiError::invalid("faq_id", "must be a quick reply of the bot's flow"));
    }
    let entry = tenant.faq_entries().await?.into_iter().find(|f| f.id == faq_id).ok_or_else(|| ApiError::invalid("faq_id", "must be a quick reply of the bot's flow"))?;
    let conversation = room.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    let locale = conversation.locale.clone().unwrap_or_else(|| flow.default_locale.clone());
    // The words the visitor chose: a suggested entry's question (the widget offers suggestions in a
    // conversation), else the label of the menu choice answering it.
    let choice_label = || {
        let choice = flow.nodes.iter().flat_map(|n| &n.choices).find(|c| matches!(&c.action, Action::Faq { faq_id: id } if id == faq_id))?;
        Some(pick(&choice.label, &locale, &flow.default_locale).to_string()).filter(|l| !l.is_empty())
    };
    let label = if flow.suggestions.iter().any(|id| id == faq_id) { None } else { choice_label() }.unwrap_or_else(|| entry.question.clone());
    let outcome = room.run(RoomCommand::QuickReply { client_msg_id, faq_id: entry.id.clone(), question: label, answer: entry.answer }).await?;
    json(200, &json!({ "event": outcome.event, "duplicate": outcome.duplicate }))
}

/// The tenant's widget settings as stored now (what the widget may ask of the visitor).
async fn widget_settings(ctx: &Ctx, tenant_id: &str) -> ApiResult<WidgetSettings> {
    let settings = ctx.store.tenant(tenant_id).bot_settings().await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    Ok(WidgetSettings::from_stored(settings.widget_settings.as_deref().unwrap_or("")))
}

/// Refuses (422 `details_required`, naming the field) what the tenant's pre-chat form requires `at`
/// this moment and the visitor has not given yet.
fn prechat_given(widget: &WidgetSettings, at: &str, v: &VisitorRow) -> ApiResult<()> {
    match widget.prechat.missing(at, v.name.as_deref(), v.email.as_deref()) {
        Some(field) => Err(ApiError { field: Some(field.to_string()), ..ApiError::new(422, "details_required", format!("this site asks for your {field} first")) }),
        None => Ok(()),
    }
}

/// `PATCH /api/widget/visitor {name?, email?}`: the details the visitor gives in the pre-chat form.
/// What a verified visitor's site already told us is not changed here (409 `set_by_site`).
async fn visitor_details(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["name", "email"])?;
    let name = body.opt_str("name")?.map(str::trim).filter(|n| !n.is_empty()).map(|n| Name::parse(n, "name", NAME_MAX)).transpose()?;
    let email = body.opt_str("email")?.map(str::trim).filter(|e| !e.is_empty()).map(Email::parse).transpose()?;
    let by_site = |given: bool, known: &Option<String>| v.verified == 1 && given && known.is_some();
    if by_site(name.is_some(), &v.name) || by_site(email.is_some(), &v.email) {
        return Err(ApiError::new(409, "set_by_site", "your site already told us this; change it there"));
    }
    let (name, email) = (name.as_ref().map(Name::as_str), email.as_ref().map(Email::as_str));
    ctx.store.tenant(&v.tenant_id).set_visitor_details(&v.id, name, email).await?;
    let name = name.map(str::to_string).or(v.name);
    let email = email.map(str::to_string).or(v.email);
    json(200, &json!({ "visitor": { "id": v.id, "name": name, "email": email, "verified": v.verified == 1 } }))
}

/// `POST /api/widget/conversations/{id}/close`: the visitor ends the chat ("End conversation"). The
/// operator's console sees the `closed` event live; the seat it held is free again.
async fn close(req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let outcome = room(ctx, site, &v, raw_id)?.run(RoomCommand::Close).await?;
    json(200, &json!({ "conversation": outcome.conversation.map(|c| c.to_json()), "event": outcome.event }))
}

/// `POST /api/widget/conversations/{id}/rating {score, comment?}`: the visitor's rating of a closed
/// conversation, once (409 `already_rated` after), unless the tenant switched ratings off.
async fn rate(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let room = room(ctx, site, &v, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["score", "comment"])?;
    let rating = crate::domain::rating::Rating::parse(body.i64("score")?, body.opt_str("comment")?)?;
    if !widget_settings(ctx, &v.tenant_id).await?.csat {
        return Err(ApiError::new(409, "ratings_off", "this site does not ask for ratings"));
    }
    let outcome = room.run(RoomCommand::Rate(rating)).await?;
    json(200, &json!({ "conversation": outcome.conversation.map(|c| c.to_json()), "event": outcome.event }))
}

/// `POST /api/widget/conversations/{id}/page {url, title?, referrer?, tz?, language?}`: the page the
/// visitor is on, for operators (a private `page` event with the browser, system and device read
/// from the User-Agent). The same page again stores nothing (200 `duplicate`); refused (409
/// `page_tracking_off`) when the tenant switched page tracking off.
async fn page(mut req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let room = room(ctx, site, &v, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["url", "title", "referrer", "tz", "language"])?;
    let view = crate::domain::page::PageView::parse(body.str("url")?, body.opt_str("title")?, body.opt_str("referrer")?, body.opt_str("tz")?, body.opt_str("language")?)?;
    if !widget_settings(ctx, &v.tenant_id).await?.page_tracking {
        return Err(ApiError::new(409, "page_tracking_off", "this site does not track pages"));
    }
    let user_agent = req.headers().get("user-agent").ok().flatten().unwrap_or_default();
    let device = crate::domain::page::describe_user_agent(&user_agent);
    let outcome = room.run(RoomCommand::Page { view, device }).await?;
    json(if outcome.duplicate { 200 } else { 201 }, &json!({ "event": outcome.event, "duplicate": outcome.duplicate }))
}

/// `POST /api/widget/faq/ask {text}`: best answers with scores; creates nothing.
async fn faq_ask(mut req: Request, ctx: &Ctx, site: &Site) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    super::admin::bot::answer(ctx, &site.key.tenant_id, &body, false).await
}

/// A visitor's upload into their own conversation.
async fn attach(req: Request, ctx: &Ctx, site: &Site, raw_id: &str) -> ApiResult<Response> {
    let v = visitor(&req, ctx, site).await?;
    let room = room(ctx, site, &v, raw_id)?;
    super::files::upload(req, ctx, &room).await
}

/// `GET /widget/frame?key=pk_…`: the chat as a page of its own, for sites that prefer an iframe. Only
/// the key's allowed origins may frame it (`frame-ancestors`).
pub async fn frame(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let raw = super::query(&req, "key").unwrap_or_default();
    let key = PublishableKey::parse(&raw).map_err(|_| ApiError::new(401, "invalid_key", "pass the publishable key as ?key=pk_…"))?;
    let row = ctx.store.api_key_by_credential(key.as_str(), ctx.now).await?.filter(|k| k.revoked_at.is_none()).ok_or_else(|| ApiError::new(401, "invalid_key", "this chat key does not exist or was revoked"))?;
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
