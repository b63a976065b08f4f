//! Conversations seen from the console: an operator reads any conversation of their tenant (private
//! notes included) and acts on it through its room, which owns it: the room checks the tenant and the
//! ownership rules against its own state, so a command is never decided on a stale copy.

use serde_json::{json, Value};
use worker::{Request, Response};

use crate::domain::ids::Id;
use crate::domain::role::Role;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{int_param, json, list, path_id, read_body, Ctx};
use crate::realtime::client::{InboxClient, RoomClient};
use crate::realtime::wire::{Caller, CategoryRef, DepartmentRef, InboxCommand, OperatorRef, Party, RoomCommand, RoomError, RoomOutcome, SendMessage, Snapshot, TransferTarget};
use crate::store::inbox::ListFilter;

const LIST_DEFAULT_LIMIT: i64 = 25;
const LIST_MAX_LIMIT: i64 = 100;

const MESSAGES_DEFAULT_LIMIT: i64 = 100;
const MESSAGES_MAX_LIMIT: i64 = 500;

pub fn operator_party(op: &Operator) -> Party {
    Party::Operator { id: op.row.id.clone(), name: op.row.name.clone(), manager: op.role >= Role::Admin, ver: op.row.token_version }
}

/// The room of a conversation, called as this operator (another tenant's conversation is a 404).
pub fn room(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<RoomClient> {
    let id = path_id(raw_id, "conversation")?;
    Ok(RoomClient::new(&ctx.env, op.tenant_id(), id.as_str(), operator_party(op)))
}

/// The conversation as the inbox shows it: D1's summary (visitor, unread count, queue position)
/// with the room's live state over it, so an answer always shows the change just made.
async fn summary(ctx: &Ctx, op: &Operator, live: &Snapshot) -> ApiResult<Value> {
    let rows = ctx.store.tenant(op.tenant_id()).conversation_summaries(op.id(), std::slice::from_ref(&live.id)).await?;
    let mut body = match rows.first() {
        Some(row) => row.to_json(),
        None => {
            let visitor = ctx.store.tenant(op.tenant_id()).visitor(&live.visitor_id).await?;
            json!({
                "unread_count": 0, "queue_position": null,
                "visitor": visitor.map(|v| json!({ "id": v.id, "name": v.name, "email": v.email, "verified": v.verified == 1 })),
            })
        }
    };
    for (key, value) in [
        ("id", json!(live.id)),
        ("status", json!(live.status)),
        ("department_id", json!(live.department_id)),
        ("assignee_id", json!(live.assignee_id)),
        ("last_seq", json!(live.last_seq)),
        ("last_message_preview", json!(live.last_message_preview)),
        ("last_message_at", json!(live.last_message_at)),
        ("queued_at", json!(live.queued_at)),
        ("created_at", json!(live.created_at)),
        ("updated_at", json!(live.updated_at)),
        ("category_id", json!(live.category_id)),
    ] {
        body[key] = value;
    }
    if live.status != "queued" {
        body["queue_position"] = Value::Null;
    }
    Ok(body)
}

pub async fn messages(req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let room = room(ctx, op, raw_id)?;
    let after_seq = int_param(&req, "after_seq")?.unwrap_or(0);
    let limit = int_param(&req, "limit")?.unwrap_or(MESSAGES_DEFAULT_LIMIT).clamp(1, MESSAGES_MAX_LIMIT);
    let outcome = room.run(RoomCommand::History { after_seq, limit }).await?;
    let mut events = outcome.events;
    crate::http::files::sign_all(ctx, &mut events)?;
    list(&events, outcome.next_after_seq.map(|s| s.to_string()))
}

pub async fn send(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let room = room(ctx, op, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["client_msg_id", "text", "private"])?;
    // `private: true` writes a note only operators ever see.
    let send = SendMessage { client_msg_id: body.str("client_msg_id")?.into(), text: body.str("text")?.into(), private: body.opt_bool("private")?.unwrap_or(false) };
    crate::http::widget::sent(room.run(RoomCommand::Send(send)).await?)
}

fn query(req: &Request, name: &str) -> ApiResult<Option<String>> {
    Ok(crate::http::query(req, name).filter(|v| !v.is_empty()))
}

/// The inbox list: filters, newest activity first, cursor pagination, the total count and the feed
/// cursor to resume live updates from. With `changed_since=<cursor>` it answers the feed delta instead.
pub async fn list_conversations(req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    if let Some(since) = query(&req, "changed_since")? {
        let cursor = since.parse::<i64>().ok().filter(|c| *c >= 0).ok_or_else(|| ApiError::invalid("changed_since", "must be a cursor from the inbox"))?;
        let delta = InboxClient::new(&ctx.env, op.tenant_id()).run(InboxCommand::Delta { operator_id: op.id().into(), cursor }).await?;
        let results = delta["conversations"].as_array().cloned().unwrap_or_default();
        return json(
            200,
            &json!({ "count": results.len(), "results": results, "removed": delta["removed"], "operators": delta["operators"], "next_cursor": null, "cursor": delta["cursor"] }),
        );
    }
    let status = query(&req, "status")?;
    if let Some(s) = &status {
        if !["bot", "queued", "active", "closed", "open"].contains(&s.as_str()) {
            return Err(ApiError::invalid("status", "must be one of bot, queued, active, closed, open"));
        }
    }
    let assignee = match query(&req, "assignee")?.as_deref() {
        None => None,
        Some("me") => Some(Some(op.id().to_string())),
        Some("unassigned") => Some(None),
        Some(id) => Some(Some(Id::parse(id).ok_or_else(|| ApiError::invalid("assignee", "must be me, unassigned or an operator id"))?.to_string())),
    };
    let department = match query(&req, "department")? {
        Some(d) => Some(Id::parse(&d).ok_or_else(|| ApiError::invalid("department", "must be a department id"))?.to_string()),
        None => None,
    };
    let category = match query(&req, "category")? {
        Some(c) => Some(Id::parse(&c).ok_or_else(|| ApiError::invalid("category", "must be a category id"))?.to_string()),
        None => None,
    };
    let search = query(&req, "q")?.map(|q| q.trim().chars().take(200).collect::<String>()).filter(|q| !q.is_empty());
    let before = match query(&req, "cursor")? {
        Some(c) => {
            let (at, id) = c.split_once('_').ok_or_else(|| ApiError::invalid("cursor", "must be a next_cursor from a previous page"))?;
            Some((at.parse::<i64>().map_err(|_| ApiError::invalid("cursor", "must be a next_cursor from a previous page"))?, id.to_string()))
        }
        None => None,
    };
    let limit = query(&req, "limit")?.map(|l| l.parse::<i64>().map_err(|_| ApiError::invalid("limit", "must be a number"))).transpose()?.unwrap_or(LIST_DEFAULT_LIMIT).clamp(1, LIST_MAX_LIMIT);
    let filter = ListFilter { status, assignee, department, category, search, before };
    // The live feed continues from where D1 (which this list reads) has every change.
    let feed_cursor = InboxClient::new(&ctx.env, op.tenant_id()).run(InboxCommand::Cursor).await?["cursor"].as_i64().unwrap_or(0);
    let (rows, total) = ctx.store.tenant(op.tenant_id()).list_conversations(op.id(), &filter, limit).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| format!("{}_{}", r.updated_at, r.id)) } else { None };
    json(200, &json!({ "count": total, "results": rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), "next_cursor": next, "cursor": feed_cursor }))
}

/// One conversation with its visitor and the visitor's other conversations.
pub async fn detail(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let live = room(ctx, op, raw_id)?.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    let mut body = summary(ctx, op, &live).await?;
    let visitor = ctx.store.tenant(op.tenant_id()).visitor(&live.visitor_id).await?.ok_or_else(|| ApiError::not_found("visitor"))?;
    let others: Vec<Value> = ctx
        .store
        .tenant(op.tenant_id()).conversations_for_visitor(&visitor.id, 20)
        .await?
        .iter()
        .filter(|c| c.id != live.id)
        .map(|c| json!({ "id": c.id, "status": c.status, "created_at": c.created_at, "last_message_preview": c.last_message_preview }))
        .collect();
    body["visitor"] = json!({
        "id": visitor.id, "name": visitor.name, "email": visitor.email, "verified": visitor.verified == 1,
        "external_id": visitor.external_id, "created_at": visitor.created_at, "last_seen_at": visitor.last_seen_at,
    });
    body["other_conversations"] = json!(others);
    // The bot menu steps the visitor took before writing (`[{node, choice, label}]`), and their language.
    body["menu_path"] = live.menu_path.clone().unwrap_or(Value::Null);
    body["locale"] = json!(live.locale);
    body["closed_at"] = json!(live.closed_at);
    body["rating"] = match live.rating {
        Some(score) => json!({ "score": score, "comment": live.rating_comment, "rated_at": live.rated_at }),
        None => Value::Null,
    };
    json(200, &body)
}

/// Runs a state change in the room and answers with the conversation as it is now. Commands that give
/// the conversation to an operator go through the tenant's inbox, between its routing passes.
async fn command(ctx: &Ctx, op: &Operator, raw_id: &str, command: RoomCommand) -> ApiResult<Response> {
    let room = room(ctx, op, raw_id)?;
    let outcome: RoomOutcome = match &command {
        RoomCommand::Takeover | RoomCommand::Assign { .. } | RoomCommand::Transfer { to: TransferTarget::Operator(_) } => {
            let caller: Caller = room.caller().clone();
            let answer = InboxClient::new(&ctx.env, op.tenant_id()).run(InboxCommand::Assign { caller, command }).await?;
            serde_json::from_value(answer).map_err(|e| ApiError::from(RoomError::unavailable(format!("unreadable answer: {e}"))))?
        }
        _ => room.run(command).await?,
    };
    let live = outcome.conversation.ok_or_else(|| ApiError::internal("room answered without the conversation"))?;
    json(200, &json!({ "conversation": summary(ctx, op, &live).await?, "event": outcome.event }))
}

async fn target_operator(ctx: &Ctx, op: &Operator, raw: &str) -> ApiResult<OperatorRef> {
    let id = Id::parse(raw).ok_or_else(|| ApiError::invalid("operator_id", "must be an operator id"))?;
    ctx.store
        .tenant(op.tenant_id()).operator(id.as_str())
        .await?
        .filter(|o| o.active == 1)
        .map(|o| OperatorRef { id: o.id, name: o.name })
        .ok_or_else(|| ApiError::invalid("operator_id", "is not an active operator of this tenant"))
}

pub async fn takeover(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    command(ctx, op, raw_id, RoomCommand::Takeover).await
}

/// Owners and admins only; anyone else learns first whether the conversation exists in their tenant
/// (404 like every other endpoint for an id that is not theirs, 403 for one that is).
async fn require_manager_for(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<()> {
    if op.role.require_manager().is_err() {
        room(ctx, op, raw_id)?.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    }
    Ok(op.role.require_manager()?)
}

pub async fn assign(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    require_manager_for(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["operator_id"])?;
    let operator = target_operator(ctx, op, body.str("operator_id")?).await?;
    command(ctx, op, raw_id, RoomCommand::Assign { operator }).await
}

pub async fn transfer(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    body.allow(&["operator_id", "department_id"])?;
    let to = match (body.opt_str("operator_id")?, body.opt_str("department_id")?) {
        (Some(o), None) => TransferTarget::Operator(target_operator(ctx, op, o).await?),
        (None, Some(d)) => {
            let id = Id::parse(d).ok_or_else(|| ApiError::invalid("department_id", "must be a department id"))?;
            let dep = ctx.store.tenant(op.tenant_id()).department(id.as_str()).await?.ok_or_else(|| ApiError::invalid("department_id", "is not a department of this tenant"))?;
            TransferTarget::Department(DepartmentRef { id: dep.id, name: dep.name })
        }
        _ => return Err(ApiError::invalid("operator_id", "give exactly one of operator_id or department_id")),
    };
    command(ctx, op, raw_id, RoomCommand::Transfer { to }).await
}

pub async fn close(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    command(ctx, op, raw_id, RoomCommand::Close).await
}

/// `PATCH /api/admin/conversations/{id} {category_id: id | null}`: an operator puts the conversation
/// in one of the tenant's categories (or none); the rules never override it.
pub async fn set_category(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    body.allow(&["category_id"])?;
    let category = match body.nullable_str("category_id")? {
        None => return Err(ApiError::invalid("category_id", "is required (a category id, or null for none)")),
        Some(None) => None,
        Some(Some(raw)) => {
            let id = Id::parse(raw).ok_or_else(|| ApiError::invalid("category_id", "must be a category id or null"))?;
            let row = ctx.store.tenant(op.tenant_id()).category(id.as_str()).await?.ok_or_else(|| ApiError::invalid("category_id", "must be one of this tenant's categories"))?;
            Some(CategoryRef { id: row.id, name: row.name })
        }
    };
    let outcome = room(ctx, op, raw_id)?.run(RoomCommand::SetCategory { category }).await?;
    let live = outcome.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    json(200, &json!({ "conversation": summary(ctx, op, &live).await?, "event": outcome.event }))
}

pub async fn reopen(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    command(ctx, op, raw_id, RoomCommand::Reopen).await
}

/// Moves this operator's read marker (unread counts are visitor messages after it). The room keeps
/// it (markers only move forward); D1 gets it now too, so the answer's unread count is current.
pub async fn read(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let room = room(ctx, op, raw_id)?;
    let body = read_body(&mut req).await?;
    body.allow(&["seq"])?;
    let seq = body.i64("seq")?;
    let live = room.run(RoomCommand::MarkRead { seq }).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    // The room tells the inbox and D1 behind this answer; the marker also goes to D1 now, so the
    // answer's unread count (read from D1's summary) already counts it.
    let s = &ctx.store;
    if let Err(e) = s.batch(vec![s.tenant(op.tenant_id()).mark_read_statement(op.id(), &live.id, seq)?]).await {
        worker::console_error!("read marker not yet in D1 (the room will write it): {e:?}");
    }
    json(200, &json!({ "conversation": summary(ctx, op, &live).await? }))
}

pub async fn attach(req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let room = room(ctx, op, raw_id)?;
    crate::http::files::upload(req, ctx, &room).await
}

/// Deletes a conversation and all its data, files in R2 included (owners and admins): the files, then
/// D1 (leaving a tombstone, so no write of the room still in flight brings anything back), then the
/// room's own storage.
pub async fn delete(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    require_manager_for(ctx, op, raw_id).await?;
    let room = room(ctx, op, raw_id)?;
    let live = room.run(RoomCommand::Get).await?.conversation.ok_or_else(|| ApiError::not_found("conversation"))?;
    let files = crate::http::files::delete_conversation_files(ctx, op.tenant_id(), &live.id).await?;
    let s = &ctx.store;
    s.tenant(op.tenant_id()).delete_conversation_data(&live.id, vec![
            s.tenant(op.tenant_id()).tombstone_statement(&live.id, ctx.now)?,
            crate::http::admin::audit_entry(ctx, op, "conversation.deleted", "conversation", &live.id, json!({ "files": files }))?,
        ])
    .await?;
    room.run(RoomCommand::Delete).await?;
    InboxClient::new(&ctx.env, op.tenant_id()).tell(InboxCommand::Removed { conversation_id: live.id.clone() }).await;
    crate::http::no_content()
}
