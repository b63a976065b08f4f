//! Exports for owners and admins, streamed page by page (so 10,000 conversations or a million events
//! are no different from ten): `GET /api/admin/exports/conversations` (one row per conversation) and
//! `GET /api/admin/exports/events` (every event but read receipts and page views, notes included), as
//! `format=json` (an array) or `format=csv`, filtered by `conversation`, `status`, `department`,
//! `assignee`, `from`, `to` (creation time, ms). Any operator may export one conversation
//! (`conversation=`); sets are for owners and admins. Each export is audited.

use futures_util::{stream, StreamExt};
use serde_json::json;
use worker::{Request, Response};

use super::audit_entry;
use crate::domain::csv;
use crate::domain::ids::Id;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{int_param, Ctx};
use crate::store::exports::{ConversationExport, EventExport, ExportFilter};
use crate::store::Store;

/// Rows read from D1 per page.
const PAGE: i64 = 500;

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Csv,
}

#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    Conversations,
    Events,
}

const CONVERSATION_COLUMNS: &[&str] = &[
    "id", "status", "created_at", "closed_at", "locale", "department", "assignee", "visitor_id", "visitor_name", "visitor_email",
    "visitor_external_id", "rating", "rating_comment", "events", "category", "summary",
];
const EVENT_COLUMNS: &[&str] = &["conversation_id", "seq", "created_at", "type", "author_type", "author_name", "private", "text", "data"];

fn opt_str(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}
fn opt_int(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn conversation_json(c: &ConversationExport) -> serde_json::Value {
    json!({
        "id": c.id, "status": c.status, "created_at": c.created_at, "closed_at": c.closed_at, "locale": c.locale,
        "department": c.department, "assignee": c.assignee,
        "visitor": { "id": c.visitor_id, "name": c.visitor_name, "email": c.visitor_email, "external_id": c.visitor_external_id },
        "rating": c.rating, "rating_comment": c.rating_comment, "events": c.last_seq, "category": c.category, "summary": c.summary,
    })
}

fn conversation_csv(c: &ConversationExport) -> String {
    csv::row(&[
        c.id.clone(), c.status.clone(), c.created_at.to_string(), opt_int(c.closed_at), opt_str(&c.locale), opt_str(&c.department),
        opt_str(&c.assignee), c.visitor_id.clone(), opt_str(&c.visitor_name), opt_str(&c.visitor_email), opt_str(&c.visitor_external_id),
        opt_int(c.rating), opt_str(&c.rating_comment), c.last_seq.to_string(), opt_str(&c.category), opt_str(&c.summary),
    ])
}

fn event_json(e: &EventExport) -> serde_json::Value {
    json!({
        "conversation_id": e.conversation_id, "seq": e.seq, "created_at": e.created_at, "type": e.kind,
        "author": { "type": e.author_type, "name": e.author_name }, "private": e.private, "text": e.text,
        "data": e.data.as_deref().and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()),
    })
}

fn event_csv(e: &EventExport) -> String {
    csv::row(&[
        e.conversation_id.clone(), e.seq.to_string(), e.created_at.to_string(), e.kind.clone(), e.author_type.clone(),
        opt_str(&e.author_name), (e.private as u8).to_string(), opt_str(&e.text), opt_str(&e.data),
    ])
}

/// Where the next page starts.
enum Cursor {
    Start,
    Conversation(i64, String),
    Event(String, i64),
    Done,
}

struct State {
    store: Store,
    tenant_id: String,
    filter: ExportFilter,
    kind: Kind,
    format: Format,
    cursor: Cursor,
    /// Rows written so far (JSON needs commas between them).
    written: u64,
}

/// One page as bytes, and where the next one starts.
async fn page(st: &State) -> worker::Result<(String, Cursor, u64)> {
    let tenant = st.store.tenant(&st.tenant_id);
    let db = |e: crate::store::StoreError| worker::Error::RustError(format!("export: {e:?}"));
    let mut out = String::new();
    let mut rows = 0u64;
    let mut push = |json_row: serde_json::Value, csv_row: String, out: &mut String| {
        match st.format {
            Format::Json => {
                if st.written + rows > 0 {
                    out.push(',');
                }
                out.push_str(&json_row.to_string());
                out.push('\n');
            }
            Format::Csv => out.push_str(&csv_row),
        }
        rows += 1;
    };
    let next = match st.kind {
        Kind::Conversations => {
            let after = match &st.cursor {
                Cursor::Conversation(at, id) => Some((*at, id.as_str())),
                _ => None,
            };
            let list = tenant.export_conversations(&st.filter, after, PAGE).await.map_err(db)?;
            for c in &list {
                push(conversation_json(c), conversation_csv(c), &mut out);
            }
            match list.last() {
                Some(c) if list.len() as i64 == PAGE => Cursor::Conversation(c.created_at, c.id.clone()),
                _ => Cursor::Done,
            }
        }
        Kind::Events => {
            let after = match &st.cursor {
                Cursor::Event(id, seq) => Some((id.as_str(), *seq)),
                _ => None,
            };
            let list = tenant.export_events(&st.filter, after, PAGE).await.map_err(db)?;
            for e in &list {
                push(event_json(e), event_csv(e), &mut out);
            }
            match list.last() {
                Some(e) if list.len() as i64 == PAGE => Cursor::Event(e.conversation_id.clone(), e.seq),
                _ => Cursor::Done,
            }
        }
    };
    Ok((out, next, rows))
}

pub async fn export(req: Request, ctx: &Ctx, op: &Operator, kind: Kind) -> ApiResult<Response> {
    let q = |name: &str| crate::http::query(&req, name).filter(|v| !v.is_empty());
    let format = match q("format").as_deref() {
        None | Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        Some(_) => return Err(ApiError::invalid("format", "must be json or csv")),
    };
    let id = |name: &str| -> ApiResult<Option<String>> {
        q(name).map(|v| Id::parse(&v).map(|i| i.to_string()).ok_or_else(|| ApiError::invalid(name, "must be an id"))).transpose()
    };
    let status = q("status");
    if status.as_deref().is_some_and(|s| !["bot", "queued", "active", "closed", "open"].contains(&s)) {
        return Err(ApiError::invalid("status", "must be one of bot, queued, active, closed, open"));
    }
    let conversation = id("conversation")?;
    // Any operator exports one conversation (as they can read it); sets are for owners and admins.
    if conversation.is_none() {
        op.role.require_manager()?;
    }
    let filter = ExportFilter {
        conversation,
        status,
        department: id("department")?,
        assignee: id("assignee")?,
        from: int_param(&req, "from")?,
        to: int_param(&req, "to")?,
    };
    let what = if kind == Kind::Conversations { "conversations" } else { "events" };
    let detail = json!({ "what": what, "format": if format == Format::Csv { "csv" } else { "json" }, "conversation": filter.conversation, "status": filter.status, "department": filter.department, "assignee": filter.assignee, "from": filter.from, "to": filter.to });
    ctx.store.batch(vec![audit_entry(ctx, op, "export", "tenant", op.tenant_id(), detail)?]).await?;

    let (head, tail) = match format {
        Format::Json => ("[\n".to_string(), "]\n"),
        Format::Csv => (csv::row(if kind == Kind::Conversations { CONVERSATION_COLUMNS } else { EVENT_COLUMNS }), ""),
    };
    let state = State { store: Store::open(&ctx.env)?, tenant_id: op.tenant_id().to_string(), filter, kind, format, cursor: Cursor::Start, written: 0 };
    // The header, then a page at a time until a short page, then the closing bracket; a failed read
    // ends the stream with an error (the client sees a truncated download, never a silent short one).
    let body = stream::once(async move { Ok::<Vec<u8>, worker::Error>(head.into_bytes()) })
        .chain(stream::unfold(state, |mut st| async move {
            if matches!(st.cursor, Cursor::Done) {
                return None;
            }
            match page(&st).await {
                Ok((bytes, next, rows)) => {
                    st.cursor = next;
                    st.written += rows;
                    Some((Ok(bytes.into_bytes()), st))
                }
                Err(e) => {
                    st.cursor = Cursor::Done;
                    Some((Err(e), st))
                }
            }
        }))
        .chain(stream::once(async move { Ok(tail.as_bytes().to_vec()) }));
    let (mime, ext) = match format {
        Format::Json => ("application/json; charset=utf-8", "json"),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let mut res = Response::from_stream(body)?;
    let h = res.headers_mut();
    h.set("content-type", mime)?;
    h.set("content-disposition", &format!("attachment; filename=\"edgechat-{what}.{ext}\""))?;
    h.set("cache-control", "no-store")?;
    h.set("x-content-type-options", "nosniff")?;
    Ok(res)
}
