//! `GET /ws/conversations/{id}`: authenticates a WebSocket upgrade and only then hands it to the
//! conversation's room. The token travels in `Sec-WebSocket-Protocol: chat.v1, bearer.<token>`, never
//! in the URL; visitor sockets must also come from an origin their key allows.

use worker::{Request, Response};

use super::error::{ApiError, ApiResult};
use super::session::authenticate_token;
use super::{path_id, Ctx};
use crate::domain::token::verify_visitor_token;
use crate::realtime::client::{InboxClient, RoomClient};
use crate::realtime::wire::Party;
use crate::realtime::protocol::SUBPROTOCOL;

pub async fn conversation_socket(req: Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let token = subprotocol_token(&req)?;
    let token = token.as_str();
    let conversation_id = path_id(raw_id, "conversation")?;
    let after_seq = match super::query(&req, "after_seq") {
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| ApiError::invalid("after_seq", "must be a sequence number"))?),
        None => None,
    };
    let secret = super::session::jwt_secret(ctx)?;
    let room = match verify_visitor_token(&secret, token, ctx.now_secs()) {
        Ok(claims) => {
            let key = ctx.store.tenant(&claims.tid).api_key_cached(&claims.kid, ctx.now).await?.filter(|k| k.revoked_at.is_none());
            let Some(key) = key else {
                return Err(ApiError::new(401, "key_revoked", "this site's chat key is no longer valid"));
            };
            let origin = req.headers().get("origin")?.unwrap_or_default();
            if !super::widget::origin_admitted(&req, &key, &origin)? {
                return Err(ApiError::new(403, "origin_not_allowed", "this origin may not use this chat key"));
            }
            let visitor = ctx.store.tenant(&claims.tid).visitor(&claims.sub).await?.ok_or_else(|| ApiError::unauthorized("unknown visitor"))?;
            let visitor = super::widget::admitted(&key, visitor)?;
            // The room answers 404 unless the conversation is this visitor's.
            RoomClient::new(&ctx.env, &claims.tid, conversation_id.as_str(), super::widget::visitor_party(&visitor, &key.id))
        }
        Err(_) => {
            let op = authenticate_token(token, ctx).await?;
            let mut party = super::admin::conversations::operator_party(&op);
            // Owners and admins may watch without joining: no presence, no sends.
            if super::query(&req, "mode").as_deref() == Some("monitor") {
                op.role.require_manager()?;
                party = Party::Monitor { id: op.row.id.clone(), name: op.row.name.clone(), ver: op.row.token_version };
            }
            RoomClient::new(&ctx.env, op.tenant_id(), conversation_id.as_str(), party)
        }
    };
    Ok(room.connect(after_seq).await?)
}

fn subprotocol_token(req: &Request) -> ApiResult<String> {
    let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(ApiError::new(426, "upgrade_required", "this endpoint speaks WebSocket only"));
    }
    let offered = req.headers().get("sec-websocket-protocol")?.unwrap_or_default();
    let protocols: Vec<&str> = offered.split(',').map(str::trim).collect();
    if !protocols.contains(&SUBPROTOCOL) {
        return Err(ApiError::new(400, "unsupported_protocol", "offer the chat.v1 subprotocol"));
    }
    protocols
        .iter()
        .find_map(|p| p.strip_prefix("bearer."))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::unauthorized("send the token as the subprotocol bearer.<token>"))
}

/// `GET /ws/inbox[?cursor=N]`: an operator's console feed.
pub async fn inbox_socket(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let token = subprotocol_token(&req)?;
    let op = authenticate_token(&token, ctx).await?;
    let cursor = match super::query(&req, "cursor") {
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| ApiError::invalid("cursor", "must be an inbox cursor"))?),
        None => None,
    };
    let who = crate::realtime::inbox::ConsoleIdentity { operator_id: op.row.id.clone(), name: op.row.name.clone(), role: op.row.role.clone(), tenant_id: op.row.tenant_id.clone() };
    Ok(InboxClient::new(&ctx.env, &who.tenant_id).connect(&who, cursor).await?)
}
