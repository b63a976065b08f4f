//! `GET /api/ops/rooms/{conversation_id}`: for the people who run the deployment (not tenants'
//! operators), how far D1 is behind one conversation's room: pending events, how long it has been
//! behind, failures in a row, the next retry, and the flush lag of recent events. Needs the
//! `OPS_TOKEN` secret as a bearer token; without one configured the route does not exist.

use worker::{Request, Response};

use super::error::{ApiError, ApiResult};
use super::session::bearer_token;
use super::{json_text, path_id, Ctx};
use crate::domain::hmac::{hmac_sha256_hex, verify_hmac_hex};
use crate::realtime::client::RoomClient;
use crate::realtime::wire::Party;

const MIN_TOKEN_BYTES: usize = 32;

pub async fn room_status(req: &Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let configured = ctx.secret("OPS_TOKEN").ok().filter(|t| t.len() >= MIN_TOKEN_BYTES).ok_or_else(|| ApiError::not_found("route"))?;
    let presented = bearer_token(req)?.ok_or_else(|| ApiError::unauthorized("send the deployment's OPS_TOKEN as a bearer token"))?;
    // Compared through an HMAC of both, so the comparison takes the same time wherever they differ.
    if !verify_hmac_hex(b"ops-token", configured.as_bytes(), &hmac_sha256_hex(b"ops-token", presented.as_bytes())) {
        return Err(ApiError::unauthorized("wrong OPS_TOKEN"));
    }
    let id = path_id(raw_id, "conversation")?;
    let mut res = RoomClient::new(&ctx.env, "", id.as_str(), Party::Router).follow_status().await?;
    Ok(json_text(res.status_code(), res.text().await?)?)
}
