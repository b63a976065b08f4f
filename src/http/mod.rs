//! HTTP: routing, request parsing and response shaping. Handlers are thin: parse input into domain
//! types, authorize, call the store, reply. Every error leaves through `error::ApiError`.

pub mod admin;
pub mod auth;
pub mod error;
pub mod dev;
pub mod files;
pub mod ops;
pub mod session;
pub mod widget;
pub mod ws;

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Method, Request, Response};

use crate::domain::ids::Id;
use crate::domain::target::Target;
use crate::store::Store;
use error::{ApiError, ApiResult};

/// JSON request bodies above this size are refused with 413 before parsing.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// What every handler gets: the environment, the database and one clock reading for the request.
pub struct Ctx {
    pub env: Env,
    /// For work that may finish after the response (emails to the team).
    pub background: worker::Context,
    pub store: Store,
    /// Milliseconds since the epoch.
    pub now: i64,
}

impl Ctx {
    pub fn now_secs(&self) -> i64 {
        self.now / 1000
    }

    /// A Worker secret (or, for local runs, a plain var of the same name).
    pub fn secret(&self, name: &str) -> ApiResult<String> {
        self.env
            .secret(name)
            .map(|s| s.to_string())
            .or_else(|_| self.env.var(name).map(|v| v.to_string()))
            .map_err(|_| ApiError::internal(format!("the secret {name} is not configured")))
    }

    pub fn var(&self, name: &str) -> Option<String> {
        self.env.var(name).ok().map(|v| v.to_string())
    }
}

/// Picks the handler for a method or answers 405 with the allowed methods.
macro_rules! methods {
    ($method:expr, $allow:literal; $($m:ident => $handler:expr),+ $(,)?) => {
        match $method {
            $(worker::Method::$m => $handler.await,)+
            _ => Err($crate::http::error::ApiError::method_not_allowed($allow)),
        }
    };
}
pub(crate) use methods;

pub async fn handle(req: Request, env: Env, background: worker::Context) -> worker::Result<Response> {
    let dev = crate::store::faults::enabled(&env);
    let store = match Store::from_env(&env) {
        Ok(store) => store,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let ctx = Ctx { store, env, background, now: worker::Date::now().as_millis() as i64 };
    let mut response = match route(req, &ctx).await {
        Ok(response) => response,
        Err(error) => error.into_response()?,
    };
    if dev {
        // Local runs only: how many D1 round trips this request waited for (tests count them). A
        // response passed through from a Durable Object has immutable headers; it goes without.
        let _ = response.headers_mut().set("x-edgechat-d1-calls", &ctx.store.calls().to_string());
    }
    Ok(response)
}

/// A query parameter of the request (parsed without a URL crate, see `domain::target`).
pub fn query(req: &Request, name: &str) -> Option<String> {
    Target::parse(&req.inner().url()).get(name).map(str::to_string)
}

/// A non-negative integer query parameter (`after_seq`, `limit`); anything else is a 422.
pub fn int_param(req: &Request, name: &str) -> ApiResult<Option<i64>> {
    match query(req, name) {
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).map(Some).ok_or_else(|| ApiError::invalid(name, "must be a non-negative integer")),
        None => Ok(None),
    }
}

async fn route(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let owned = Target::parse(&req.inner().url()).segments();
    let segments: Vec<&str> = owned.iter().map(String::as_str).collect();
    let method = req.method();

    if let ["admin", ..] = segments.as_slice() {
        // The console is a single-page app: any /admin/* path that is not a file gets its shell.
        return admin_shell(&ctx.env, &req).await;
    }
    match segments.as_slice() {
        ["api", "ops", "rooms", id] => methods!(method, "GET"; Get => ops::room_status(&req, ctx, id)),
        ["__dev", "faults"] => methods!(method, "GET, POST"; Get => dev::faults(req, ctx), Post => dev::faults(req, ctx)),
        ["api", "health"] => methods!(method, "GET"; Get => async { json(200, &serde_json::json!({"ok": true})) }),
        ["api", "auth", rest @ ..] => auth::route(req, &ctx, method, rest).await,
        ["api", "admin", rest @ ..] => admin::route(req, &ctx, method, rest).await,
        ["api", "widget", rest @ ..] => widget::route(req, &ctx, method, rest).await,
        // The link in a transcript confirmation mail (opened from a mailbox: no key, no origin).
        ["api", "transcripts", "send"] => methods!(method, "GET"; Get => widget::send_confirmed_transcript(req, &ctx)),
        ["ws", "conversations", id] => methods!(method, "GET"; Get => ws::conversation_socket(req, &ctx, id)),
        ["widget", "frame"] => methods!(method, "GET"; Get => widget::frame(req, &ctx)),
        ["ws", "inbox"] => methods!(method, "GET"; Get => ws::inbox_socket(req, &ctx)),
        ["files", key @ ..] if key.len() == 5 => methods!(method, "GET"; Get => files::download(req, &ctx, key)),
        _ => Err(ApiError::not_found("route")),
    }
}

async fn admin_shell(env: &Env, req: &Request) -> ApiResult<Response> {
    if req.method() != Method::Get && req.method() != Method::Head {
        return Err(ApiError::method_not_allowed("GET"));
    }
    let url = req.inner().url();
    let origin_end = url.find("://").and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j)).unwrap_or(url.len());
    Ok(env.assets("ASSETS")?.fetch(format!("{}/admin/", &url[..origin_end]), None).await?)
}

/// A JSON response from already serialised text, with the headers every API answer carries.
pub fn json_text(status: u16, text: String) -> worker::Result<Response> {
    let mut response = Response::ok(text)?.with_status(status);
    let headers = response.headers_mut();
    headers.set("content-type", "application/json; charset=utf-8")?;
    headers.set("cache-control", "no-store")?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(response)
}

pub fn json<T: Serialize>(status: u16, value: &T) -> ApiResult<Response> {
    let text = serde_json::to_string(value).map_err(ApiError::internal)?;
    Ok(json_text(status, text)?)
}

pub fn no_content() -> ApiResult<Response> {
    Ok(Response::empty()?.with_status(204))
}

/// The list shape of every collection endpoint.
pub fn list<T: Serialize>(results: &[T], next_cursor: Option<String>) -> ApiResult<Response> {
    json(200, &serde_json::json!({ "count": results.len(), "results": results, "next_cursor": next_cursor }))
}

/// A JSON object body, read field by field. One generic parser (`serde_json::Value`) serves every
/// endpoint instead of a derived deserializer per request type, which kept the wasm far smaller.
pub struct Body(serde_json::Map<String, serde_json::Value>);

fn shape(message: String) -> ApiError {
    ApiError::new(422, "invalid_body", format!("the body does not match the expected shape: {message}"))
}

impl Body {
    /// Refuses fields the endpoint does not know (a typo must not silently do nothing).
    pub fn allow(&self, fields: &[&str]) -> ApiResult<&Self> {
        match self.0.keys().find(|k| !fields.contains(&k.as_str())) {
            Some(k) => Err(shape(format!("unknown field `{k}`, expected one of {}", fields.join(", ")))),
            None => Ok(self),
        }
    }

    fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> ApiResult<&str> {
        self.opt_str(name)?.ok_or_else(|| shape(format!("missing field `{name}`")))
    }

    pub fn opt_str(&self, name: &str) -> ApiResult<Option<&str>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| shape(format!("field `{name}` must be a string"))),
        }
    }

    /// `Some(None)` for an explicit `null`, `None` when absent.
    pub fn nullable_str(&self, name: &str) -> ApiResult<Option<Option<&str>>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(serde_json::Value::Null) => Ok(Some(None)),
            Some(v) => v.as_str().map(|s| Some(Some(s))).ok_or_else(|| shape(format!("field `{name}` must be a string or null"))),
        }
    }

    pub fn i64(&self, name: &str) -> ApiResult<i64> {
        self.opt_i64(name)?.ok_or_else(|| shape(format!("missing field `{name}`")))
    }

    pub fn opt_i64(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| shape(format!("field `{name}` must be an integer"))),
        }
    }

    pub fn opt_bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| shape(format!("field `{name}` must be true or false"))),
        }
    }

    pub fn strings(&self, name: &str) -> ApiResult<Vec<String>> {
        self.opt_strings(name)?.ok_or_else(|| shape(format!("missing field `{name}`")))
    }

    pub fn opt_strings(&self, name: &str) -> ApiResult<Option<Vec<String>>> {
        let Some(v) = self.get(name) else { return Ok(None) };
        let wrong = || shape(format!("field `{name}` must be a list of strings"));
        v.as_array().ok_or_else(wrong)?.iter().map(|x| x.as_str().map(str::to_string).ok_or_else(wrong)).collect::<ApiResult<Vec<_>>>().map(Some)
    }

    /// A nested object parsed into its own type.
    pub fn opt_object<T: DeserializeOwned>(&self, name: &str) -> ApiResult<Option<T>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| shape(format!("field `{name}`: {e}"))),
        }
    }

    /// Whether the field is present at all (even as `null`).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

/// Reads a JSON object body (see `read_json` for the limits and error codes).
pub async fn read_body(req: &mut Request) -> ApiResult<Body> {
    match read_json::<serde_json::Value>(req).await? {
        serde_json::Value::Object(map) => Ok(Body(map)),
        _ => Err(shape("the body must be a JSON object".into())),
    }
}

/// Reads a JSON body: 415 unless it is declared JSON, 413 above the limit, 400 when it does not parse,
/// 422 when it parses but has missing, unknown or mistyped fields.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/json") {
        return Err(ApiError::new(415, "unsupported_media_type", "send the body as application/json"));
    }
    let too_large = || ApiError::new(413, "payload_too_large", format!("the body must be at most {MAX_JSON_BODY} bytes"));
    if let Some(length) = req.headers().get("content-length")? {
        if length.trim().parse::<usize>().map(|n| n > MAX_JSON_BODY).unwrap_or(true) {
            return Err(too_large());
        }
    }
    let bytes = req.bytes().await.map_err(|_| ApiError::new(400, "unreadable_body", "the request body could not be read"))?;
    if bytes.len() > MAX_JSON_BODY {
        return Err(too_large());
    }
    parse_json(&bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::new(422, "invalid_body", format!("the body does not match the expected shape: {e}")),
        _ => ApiError::new(400, "malformed_json", format!("the body is not valid JSON: {e}")),
    })
}

/// An id from the path; one that does not parse is "not found" like one that does not exist.
pub fn path_id(raw: &str, what: &str) -> ApiResult<Id> {
    Id::parse(raw).ok_or_else(|| ApiError::not_found(what))
}

pub fn new_id() -> ApiResult<Id> {
    Ok(Id::from_uuid(crate::crypto::new_uuid()?))
}
