//! Conversations seen from the console: an operator reads any conversation of their tenant (private
//! notes included) and sends into it through the same room as the socket.

use serde_json::json;
use worker::{Request, Response};

use crate::domain::ids::Id;
use crate::domain::role::Role;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{int_param, json, list, path_id, read_body, room, Ctx};
use crate::realtime::conversation::{Identity, RoomCommand};
use crate::realtime::inbox::inbox_delta;
use crate::store::conversations::ConversationRow;
use crate::store::inbox::ListFilter;

const LIST_DEFAULT_LIMIT: i64 = 25;
const LIST_MAX_LIMIT: i64 = 100;

const MESSAGES_DEFAULT_LIMIT: i64 = 100;
const MESSAGES_MAX_LIMIT: i64 = 500;

async fn load(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<ConversationRow> {
    let id = path_id(raw_id, "conversation")?;
    ctx.store.conversation_in_tenant(op.tenant_id(), id.as_str()).await?.ok_or_else(|| ApiError::not_found("conversation"))
}

pub fn operator_identity(op: &Operator, conversation_id: &str) -> Identity {
    Identity {
        kind: "operator".into(),
        id: op.row.id.clone(),
        name: Some(op.row.name.clone()),
        tenant_id: op.row.tenant_id.clone(),
        conversation_id: conversation_id.into(),
        ver: Some(op.row.token_version),
    }
}


pub async fn messages(req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let after = int_param(&req, "after_seq")?.unwrap_or(0);
    let limit = int_param(&req, "limit")?.unwrap_or(MESSAGES_DEFAULT_LIMIT).clamp(1, MESSAGES_MAX_LIMIT);
    let rows = ctx.store.events_after(&conversation.id, after, limit, true).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| r.seq.to_string()) } else { None };
    let mut events: Vec<serde_json::Value> = rows.iter().map(|r| r.to_json()).collect();
    crate::http::files::sign_all(ctx, &mut events)?;
    list(&events, next)
}

pub async fn send(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["client_msg_id", "text", "private"])?;
    // `private: true` writes a note only operators ever see.
    let message = json!({ "client_msg_id": body.str("client_msg_id")?, "text": body.str("text")?, "private": body.opt_bool("private")?.unwrap_or(false) });
    room::send(ctx, &operator_identity(op, &conversation.id), &message).await
}

fn query(req: &Request, name: &str) -> ApiResult<Option<String>> {
    Ok(crate::http::query(req, name).filter(|v| !v.is_empty()))
}

/// The inbox list: filters, newest activity first, cursor pagination, the total count and the feed
/// cursor to resume live updates from. With `changed_since=<cursor>` it answers the feed delta instead.
pub async fn list_conversations(req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    if let Some(since) = query(&req, "changed_since")? {
        let cursor = since.parse::<i64>().ok().filter(|c| *c >= 0).ok_or_else(|| ApiError::invalid("changed_since", "must be a cursor from the inbox"))?;
        let delta = inbox_delta(&ctx.store, op.tenant_id(), op.id(), cursor).await?;
        let results = delta["conversations"].as_array().cloned().unwrap_or_default();
        return json(200, &json!({ "count": results.len(), "results": results, "operators": delta["operators"], "next_cursor": null, "cursor": delta["cursor"] }));
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
    let search = query(&req, "q")?.map(|q| q.trim().chars().take(200).collect::<String>()).filter(|q| !q.is_empty());
    let before = match query(&req, "cursor")? {
        Some(c) => {
            let (at, id) = c.split_once('_').ok_or_else(|| ApiError::invalid("cursor", "must be a next_cursor from a previous page"))?;
            Some((at.parse::<i64>().map_err(|_| ApiError::invalid("cursor", "must be a next_cursor from a previous page"))?, id.to_string()))
        }
        None => None,
    };
    let limit = query(&req, "limit")?.map(|l| l.parse::<i64>().map_err(|_| ApiError::invalid("limit", "must be a number"))).transpose()?.unwrap_or(LIST_DEFAULT_LIMIT).clamp(1, LIST_MAX_LIMIT);
    let filter = ListFilter { status, assignee, department, search, before };
    let feed_cursor = ctx.store.latest_cursor(op.tenant_id()).await?;
    let (rows, total) = ctx.store.list_conversations(op.tenant_id(), op.id(), &filter, limit).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|r| format!("{}_{}", r.updated_at, r.id)) } else { None };
    json(200, &json!({ "count": total, "results": rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), "next_cursor": next, "cursor": feed_cursor }))
}

/// One conversation with its visitor and the visitor's other conversations.
pub async fn detail(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let summary = ctx.store.conversation_summaries(op.tenant_id(), op.id(), std::slice::from_ref(&conversation.id)).await?;
    let summary = summary.first().ok_or_else(|| ApiError::not_found("conversation"))?;
    let visitor = ctx.store.visitor_in_tenant(op.tenant_id(), &conversation.visitor_id).await?.ok_or_else(|| ApiError::not_found("visitor"))?;
    let others: Vec<serde_json::Value> = ctx
        .store
        .conversations_for_visitor(op.tenant_id(), &visitor.id, 20)
        .await?
        .iter()
        .filter(|c| c.id != conversation.id)
        .map(|c| json!({ "id": c.id, "status": c.status, "created_at": c.created_at, "last_message_preview": c.last_message_preview }))
        .collect();
    let mut body = summary.to_json();
    body["visitor"] = json!({
        "id": visitor.id, "name": visitor.name, "email": visitor.email, "verified": visitor.verified == 1,
        "external_id": visitor.external_id, "created_at": visitor.created_at, "last_seen_at": visitor.last_seen_at,
    });
    body["other_conversations"] = json!(others);
    // The bot menu steps the visitor took before writing (`[{node, choice, label}]`), and their language.
    body["menu_path"] = conversation.menu_path.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or(serde_json::Value::Null);
    body["locale"] = json!(conversation.locale);
    json(200, &body)
}

/// Runs a state change in the room and answers with the conversation as it is now.
async fn command(ctx: &Ctx, op: &Operator, conversation: &ConversationRow, command: RoomCommand) -> ApiResult<Response> {
    let res = room::command(ctx, &operator_identity(op, &conversation.id), &command).await?;
    if res.0 >= 300 {
        return Ok(crate::http::json_text(res.0, res.1)?);
    }
    let event: serde_json::Value = serde_json::from_str(&res.1).map_err(ApiError::internal)?;
    let summary = ctx.store.conversation_summaries(op.tenant_id(), op.id(), std::slice::from_ref(&conversation.id)).await?;
    json(200, &json!({ "conversation": summary.first().map(|s| s.to_json()), "event": event["event"] }))
}

async fn target_operator(ctx: &Ctx, op: &Operator, raw: &str) -> ApiResult<crate::store::operators::OperatorRow> {
    let id = Id::parse(raw).ok_or_else(|| ApiError::invalid("operator_id", "must be an operator id"))?;
    ctx.store
        .operator_in_tenant(op.tenant_id(), id.as_str())
        .await?
        .filter(|o| o.active == 1)
        .ok_or_else(|| ApiError::invalid("operator_id", "is not an active operator of this tenant"))
}

/// Agents act on a chat someone else owns only through an admin; the room re-checks at commit time.
fn ownership(op: &Operator, conversation: &ConversationRow) -> ApiResult<Option<String>> {
    match (&conversation.assignee_id, op.role >= Role::Admin) {
        (_, true) => Ok(None),
        (Some(a), false) if a == op.id() => Ok(Some(a.clone())),
        (None, false) if conversation.status != "active" => Ok(None),
        _ => Err(ApiError::new(403, "forbidden", "only the assigned operator or an admin may do this")),
    }
}

pub async fn takeover(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    if conversation.status == "active" && conversation.assignee_id.as_deref() != Some(op.id()) {
        op.role.require_manager().map_err(|_| ApiError::new(403, "forbidden", "only admins take over a chat another operator owns"))?;
    }
    let cmd = RoomCommand { command: "takeover".into(), operator_id: Some(op.id().into()), operator_name: Some(op.row.name.clone()), ..Default::default() };
    command(ctx, op, &conversation, cmd).await
}

pub async fn assign(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let conversation = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["operator_id"])?;
    let target = target_operator(ctx, op, body.str("operator_id")?).await?;
    let cmd = RoomCommand { command: "assign".into(), operator_id: Some(target.id), operator_name: Some(target.name), ..Default::default() };
    command(ctx, op, &conversation, cmd).await
}

pub async fn transfer(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let require_assignee = ownership(op, &conversation)?;
    let body = read_body(&mut req).await?;
    body.allow(&["operator_id", "department_id"])?;
    let mut cmd = RoomCommand { command: "transfer".into(), require_assignee, ..Default::default() };
    match (body.opt_str("operator_id")?, body.opt_str("department_id")?) {
        (Some(o), None) => {
            let target = target_operator(ctx, op, o).await?;
            cmd.operator_id = Some(target.id);
            cmd.operator_name = Some(target.name);
        }
        (None, Some(d)) => {
            let id = Id::parse(d).ok_or_else(|| ApiError::invalid("department_id", "must be a department id"))?;
            let dep = ctx.store.department_in_tenant(op.tenant_id(), id.as_str()).await?.ok_or_else(|| ApiError::invalid("department_id", "is not a department of this tenant"))?;
            cmd.department_id = Some(dep.id);
            cmd.department_name = Some(dep.name);
        }
        _ => return Err(ApiError::invalid("operator_id", "give exactly one of operator_id or department_id")),
    }
    command(ctx, op, &conversation, cmd).await
}

pub async fn close(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let require_assignee = ownership(op, &conversation)?;
    command(ctx, op, &conversation, RoomCommand { command: "close".into(), require_assignee, ..Default::default() }).await
}

pub async fn reopen(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let require_assignee = ownership(op, &conversation)?;
    command(ctx, op, &conversation, RoomCommand { command: "reopen".into(), require_assignee, ..Default::default() }).await
}

/// Moves this operator's read marker (unread counts are visitor messages after it).
pub async fn read(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["seq"])?;
    let seq = body.i64("seq")?;
    if seq < 0 || seq > conversation.last_seq {
        return Err(ApiError::invalid("seq", "must be a seq of this conversation"));
    }
    let s = &ctx.store;
    s.batch(vec![
        s.mark_read_statement(op.tenant_id(), op.id(), &conversation.id, seq)?,
        s.inbox_change_statement(op.tenant_id(), Some(&conversation.id), None, ctx.now)?,
    ])
    .await?;
    crate::http::room::notify_inbox(ctx, op.tenant_id(), false).await;
    let summary = s.conversation_summaries(op.tenant_id(), op.id(), std::slice::from_ref(&conversation.id)).await?;
    json(200, &json!({ "conversation": summary.first().map(|s| s.to_json()) }))
}

pub async fn attach(req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    let conversation = load(ctx, op, raw_id).await?;
    crate::http::files::upload(req, ctx, &operator_identity(op, &conversation.id), &conversation).await
}

/// Deletes a conversation and all its data, files in R2 included (owners and admins).
pub async fn delete(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let conversation = load(ctx, op, raw_id).await?;
    let files = crate::http::files::delete_conversation_files(ctx, op.tenant_id(), &conversation.id).await?;
    ctx.store.delete_conversation_data(op.tenant_id(), &conversation.id).await?;
    let s = &ctx.store;
    s.batch(vec![
        s.inbox_change_statement(op.tenant_id(), Some(&conversation.id), None, ctx.now)?,
        crate::http::admin::audit_entry(ctx, op, "conversation.deleted", "conversation", &conversation.id, json!({ "files": files }))?,
    ])
    .await?;
    room::notify_inbox(ctx, op.tenant_id(), false).await;
    crate::http::no_content()
}
