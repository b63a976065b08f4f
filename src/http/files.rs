//! Attachments. Uploads (`POST …/conversations/{id}/attachments?name=&client_msg_id=&caption=`, raw bytes)
//! are read as a stream with the size limit enforced on the way, typed from their magic bytes, stored in
//! R2 under `t/{tenant}/c/{conversation}/{uuid}`, described in D1, and enter the stream as an
//! `attachment` event through the room. Downloads (`GET /files/{key}?exp=&sig=`) need a valid signature
//! for exactly that key, and come with headers that stop a browser from running anything.

use serde_json::{json, Value};
use worker::js_sys::{Function, Promise, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Request, Response};

use super::error::{ApiError, ApiResult};
use super::{new_id, Ctx};
use crate::domain::message::ClientMsgId;
use crate::domain::upload::{sanitize_name, sniff, verify_file, FileKind, DEFAULT_MAX_BYTES};
use crate::realtime::client::RoomClient;
use crate::realtime::protocol::sign_attachment;
use crate::realtime::wire::{Attach, RoomCommand};
use crate::store::attachments::NewAttachment;
use crate::store::uploads::Uploads;

pub fn files_secret(ctx: &Ctx) -> ApiResult<Vec<u8>> {
    let secret = ctx.secret("FILES_SECRET")?;
    if secret.len() < 32 {
        return Err(ApiError::internal("FILES_SECRET must be at least 32 bytes"));
    }
    Ok(secret.into_bytes())
}

/// Signs the download URLs of attachment events in a list answer.
pub fn sign_all(ctx: &Ctx, events: &mut [Value]) -> ApiResult<()> {
    let secret = files_secret(ctx)?;
    for e in events {
        sign_attachment(e, &secret, ctx.now_secs());
    }
    Ok(())
}

fn js(e: JsValue) -> ApiError {
    ApiError::internal(format!("stream: {e:?}"))
}

fn call(target: &JsValue, name: &str) -> ApiResult<JsValue> {
    let f: Function = Reflect::get(target, &JsValue::from_str(name)).map_err(js)?.dyn_into().map_err(js)?;
    f.call0(target).map_err(js)
}

fn too_large(max: i64) -> ApiError {
    ApiError::new(413, "file_too_large", format!("files must be at most {} bytes ({} MiB)", max, max / (1024 * 1024)))
}

/// Reads the body chunk by chunk and stops (cancelling the upload) as soon as it passes `max` bytes.
async fn read_limited(req: &Request, max: i64) -> ApiResult<Vec<u8>> {
    let Some(stream) = req.inner().body() else { return Ok(Vec::new()) };
    let reader = call(&stream, "getReader")?;
    let mut out: Vec<u8> = Vec::new();
    loop {
        let promise: Promise = call(&reader, "read")?.dyn_into().map_err(js)?;
        let chunk = JsFuture::from(promise).await.map_err(js)?;
        if Reflect::get(&chunk, &JsValue::from_str("done")).map_err(js)?.as_bool().unwrap_or(true) {
            return Ok(out);
        }
        let bytes = Uint8Array::new(&Reflect::get(&chunk, &JsValue::from_str("value")).map_err(js)?);
        if out.len() as i64 + bytes.length() as i64 > max {
            let _ = call(&reader, "cancel");
            return Err(too_large(max));
        }
        out.extend(bytes.to_vec());
    }
}

/// Stores an upload and adds its event through the conversation's room (which first confirms the
/// caller may write there: nothing is stored for anyone else).
pub async fn upload(req: Request, ctx: &Ctx, room: &RoomClient) -> ApiResult<Response> {
    let conversation = room.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    let (uploader_type, uploader_id, _) = room.caller().party.author();
    let uploader_id = uploader_id.unwrap_or_default().to_string();
    let client_msg_id = ClientMsgId::parse(&super::query(&req, "client_msg_id").unwrap_or_default())?;
    let caption = super::query(&req, "caption").filter(|c| !c.trim().is_empty());
    if let Some(c) = &caption {
        crate::domain::message::MessageText::parse(c).map_err(|e| e.at("caption"))?;
    }
    let limits = ctx.store.tenant(&conversation.tenant_id).upload_limits().await?;
    let max = limits.as_ref().and_then(|l| l.max_bytes).unwrap_or(DEFAULT_MAX_BYTES).min(DEFAULT_MAX_BYTES);
    let allowed: Vec<String> = limits.as_ref().and_then(|l| l.kinds.as_deref()).and_then(|k| serde_json::from_str(k).ok()).unwrap_or_else(|| {
        crate::domain::upload::ALL_KINDS.iter().map(|k| k.name().to_string()).collect()
    });
    let declared = req.headers().get("content-length")?.and_then(|l| l.trim().parse::<i64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    let bytes = read_limited(&req, max).await?;
    if bytes.is_empty() {
        return Err(ApiError::new(422, "empty_file", "the upload is empty"));
    }
    let raw_name = super::query(&req, "name").unwrap_or_default();
    let kind: FileKind = sniff(&bytes, &raw_name)
        .filter(|k| allowed.iter().any(|a| a == k.name()))
        .ok_or_else(|| ApiError::new(415, "unsupported_file_type", format!("this file type is not accepted; send {} (checked from the file's content)", allowed.join(", "))))?;
    let name = sanitize_name(&raw_name, kind)?;
    let id = new_id()?;
    let key = format!("t/{}/c/{}/{}", conversation.tenant_id, conversation.id, id);
    let size = bytes.len() as i64;
    let bucket = Uploads::open(&ctx.env)?;
    bucket.put(&key, &bytes).await?;
    let row = NewAttachment {
        id: id.as_str(),
        tenant_id: &conversation.tenant_id,
        conversation_id: &conversation.id,
        object_key: &key,
        name: &name,
        size,
        kind: kind.name(),
        uploader_type,
        uploader_id: &uploader_id,
        now: ctx.now,
    };
    if let Err(e) = ctx.store.insert_attachment(&row).await {
        let _ = bucket.delete(std::slice::from_ref(&key)).await;
        return Err(e.into());
    }
    let attachment = json!({ "attachment_id": id.as_str(), "key": key, "name": name, "size": size, "kind": kind.name(), "content_type": kind.mime(), "image": kind.is_image() });
    let result = room.run(RoomCommand::Attach(Attach { client_msg_id: client_msg_id.as_str().into(), caption, attachment })).await;
    if !matches!(&result, Ok(o) if !o.duplicate) {
        // A repeated upload (same id, same file), a conflicting one or a failure: keep nothing of this copy.
        let _ = bucket.delete(std::slice::from_ref(&key)).await;
        ctx.store.tenant(&conversation.tenant_id).delete_attachment(id.as_str()).await?;
    }
    let mut outcome = result?;
    if let Some(event) = outcome.event.as_mut() {
        sign_all(ctx, std::slice::from_mut(event))?;
    }
    super::widget::sent(outcome)
}

/// `filename` for a header: printable ASCII fallback plus the exact UTF-8 name (RFC 6266 / 5987).
fn disposition(kind: FileKind, name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    let how = if kind.is_image() { "inline" } else { "attachment" };
    format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// `GET /files/{key}?exp=&sig=`: streams the object if the signature is valid for exactly this key.
pub async fn download(req: Request, ctx: &Ctx, key_parts: &[&str]) -> ApiResult<Response> {
    let key = key_parts.join("/");
    let exp = super::query(&req, "exp").and_then(|e| e.parse::<i64>().ok()).unwrap_or(0);
    let sig = super::query(&req, "sig").unwrap_or_default();
    let denied = || ApiError::new(403, "invalid_signature", "this file link is invalid or has expired; reload the conversation for a fresh one");
    if !verify_file(&files_secret(ctx)?, &key, exp, &sig, ctx.now_secs()) {
        return Err(denied());
    }
    let meta = ctx.store.attachment_by_signed_key(&key).await?.ok_or_else(|| ApiError::not_found("file"))?;
    let kind = FileKind::parse(&meta.kind).ok_or_else(|| ApiError::internal("unknown stored kind"))?;
    let object = Uploads::open(&ctx.env)?.get(&key).await?.ok_or_else(|| ApiError::not_found("file"))?;
    let etag = object.etag;
    let fresh = req.headers().get("if-none-match")?.is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if fresh {
        let _ = call(object.body.as_ref(), "cancel");
        Response::empty()?.with_status(304)
    } else {
        Response::from_body(worker::ResponseBody::Stream(object.body))?
    };
    let h = response.headers_mut();
    h.set("content-type", kind.mime())?;
    h.set("x-content-type-options", "nosniff")?;
    h.set("content-security-policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")?;
    h.set("content-disposition", &disposition(kind, &meta.name))?;
    h.set("etag", &etag)?;
    h.set("cache-control", "private, max-age=3600")?;
    h.set("cross-origin-resource-policy", "cross-origin")?;
    if !fresh {
        h.set("content-length", &meta.size.to_string())?;
    }
    Ok(response)
}

/// Removes a conversation's files from R2 (then the caller removes its rows).
pub async fn delete_conversation_files(ctx: &Ctx, tenant_id: &str, conversation_id: &str) -> ApiResult<usize> {
    let bucket = Uploads::open(&ctx.env)?;
    let prefix = format!("t/{tenant_id}/c/{conversation_id}/");
    let mut removed = 0;
    loop {
        let keys = bucket.keys(&prefix, 500).await?;
        if keys.is_empty() {
            return Ok(removed);
        }
        removed += keys.len();
        bucket.delete(&keys).await?;
    }
}
