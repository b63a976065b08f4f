//! `TenantInbox`: one Durable Object per tenant (`id_from_name(tenant_id)`). Rooms report every change
//! of their conversation here directly (`RoomReport`), so the inbox keeps the console feed (summaries
//! and a cursor, in its own storage) and the routing queue without waiting for D1. It is the single
//! router: routing passes and commands that give a chat to an operator run one at a time, so no chat
//! is assigned twice and no pass counts seats without an assignment made beside it. It holds the
//! operators' console sockets; operators whose last console closes go offline after a grace period.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
    WebSocketRequestResponsePair,
};

use super::client::RoomClient;
use super::conversation::IDENTITY_HEADER;
use super::inbox_db::InboxDb;
use super::protocol::{error_frame, PING, PONG, SUBPROTOCOL};
use super::sockets::SocketSet;
use super::wire::{Caller, InboxCommand, OperatorRef, Party, RoomCommand, RoomError, RoomReport};
use super::{now_ms, Pump};
use crate::domain::role::OperatorStatus;
use crate::domain::routing::{plan, positions, Candidate, Queued};
use crate::domain::vecmap::VecMap;
use crate::store::Store;

const FEED_PAGE: i64 = 1000;
const DEFAULT_OFFLINE_GRACE_MS: i64 = 60_000;
/// When releasing an offline operator's chats fails, try again this much later.
const RELEASE_RETRY_MS: i64 = 5_000;

/// The operator behind a console socket, as authenticated by the Worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleIdentity {
    pub operator_id: String,
    pub name: String,
    pub role: String,
    pub tenant_id: String,
}

/// A console socket's attachment.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ConsoleMeta {
    who: ConsoleIdentity,
    /// The feed position this socket has been sent up to; `None` until its join is done.
    cursor: Option<i64>,
}

/// Work that must not interleave with other such work: routing passes and assignments.
enum Routed {
    Drain,
    Assign { caller: Caller, command: RoomCommand, slot: Rc<RefCell<Option<std::result::Result<Value, RoomError>>>> },
}

#[durable_object]
pub struct TenantInbox {
    inbox: Rc<Inbox>,
}

pub struct Inbox {
    state: State,
    env: Env,
    db: InboxDb,
    sockets: SocketSet<ConsoleMeta>,
    pump: RefCell<Pump<Routed>>,
    /// Last queue position told to each waiting conversation.
    positions: RefCell<VecMap<String, i64>>,
    /// When this router last gave each operator a chat (D1's copy follows behind the rooms).
    assigned_at: RefCell<VecMap<String, i64>>,
}

fn json_response(status: u16, body: &Value) -> Result<Response> {
    let mut r = Response::ok(body.to_string())?.with_status(status);
    r.headers_mut().set("content-type", "application/json; charset=utf-8")?;
    Ok(r)
}

impl DurableObject for TenantInbox {
    fn new(state: State, env: Env) -> Self {
        let db = InboxDb::open(state.storage().sql());
        TenantInbox {
            inbox: Rc::new(Inbox {
                state,
                env,
                db,
                sockets: SocketSet::default(),
                pump: RefCell::new(Pump::default()),
                positions: RefCell::new(VecMap::new()),
                assigned_at: RefCell::new(VecMap::new()),
            }),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let target = crate::domain::target::Target::parse(&req.inner().url());
        match target.path.as_str() {
            "/connect" => {
                let who = req.headers().get(IDENTITY_HEADER)?.and_then(|h| serde_json::from_str::<ConsoleIdentity>(&h).ok());
                let Some(who) = who else { return Response::error("missing identity", 400) };
                let cursor = target.get("cursor").and_then(|v| v.parse::<i64>().ok()).filter(|n| *n >= 0);
                self.inbox.open_socket(who, cursor).await
            }
            "/run" => {
                let text = req.text().await.unwrap_or_default();
                let Ok((tenant_id, command)) = serde_json::from_str::<(String, InboxCommand)>(&text) else {
                    return json_response(400, &json!({ "error": { "code": "bad_request", "message": "malformed inbox command" } }));
                };
                if let Err(e) = self.inbox.db.remember_tenant(&tenant_id) {
                    worker::console_error!("inbox storage: {e:?}");
                }
                match self.inbox.clone().run(command).await {
                    Ok(body) => json_response(200, &body),
                    Err(e) => json_response(e.kind.status(), &json!({ "error": e })),
                }
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        self.inbox.frame(ws, message).await;
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, _code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.inbox.socket_gone(&ws);
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.inbox.socket_gone(&ws);
        Ok(())
    }

    /// Operators whose grace period ran out without a console socket go offline.
    async fn alarm(&self) -> Result<Response> {
        self.inbox.clone().offline_due().await;
        Response::empty()
    }
}

fn storage_error(e: worker::Error) -> RoomError {
    worker::console_error!("inbox storage: {e:?}");
    RoomError::unavailable("the inbox's storage is unavailable; please retry")
}

/// Whether a change may let the router assign something (or must move queue positions).
fn routing_relevant(before: Option<&(String, Option<String>, Option<String>)>, after: &RoomReport) -> bool {
    let c = &after.conversation;
    match before {
        None => c.status == "queued",
        Some((status, assignee, department)) => *status != c.status || *assignee != c.assignee_id || *department != c.department_id,
    }
}

impl Inbox {
    async fn run(self: Rc<Self>, command: InboxCommand) -> std::result::Result<Value, RoomError> {
        match command {
            InboxCommand::Report(report) => {
                let before = self.db.routing_state(&report.conversation.id).map_err(storage_error)?;
                let changed = self.db.apply_report(&report).map_err(storage_error)?;
                if changed {
                    self.push_changes().await;
                    if routing_relevant(before.as_ref(), &report) {
                        self.clone().route(Routed::Drain).await;
                    }
                }
                Ok(json!({ "changed": changed }))
            }
            InboxCommand::OperatorChanged { operator_id, drain } => {
                self.db.operator_changed(&operator_id).map_err(storage_error)?;
                self.push_changes().await;
                if drain {
                    self.clone().route(Routed::Drain).await;
                }
                Ok(json!({}))
            }
            InboxCommand::OperatorGone { operator_id } => {
                self.db.clear_pending_offline(&operator_id).map_err(storage_error)?;
                self.clone().release_all(&operator_id).await;
                self.db.operator_changed(&operator_id).map_err(storage_error)?;
                self.push_changes().await;
                self.clone().route(Routed::Drain).await;
                Ok(json!({}))
            }
            InboxCommand::Revoke { operator_id } => {
                for (ws, _) in self.sockets.all(&self.state).into_iter().filter(|p| p.1.who.operator_id == operator_id) {
                    let _ = ws.send_with_str(error_frame("session_revoked", "this session has ended; sign in again", None));
                    let _ = ws.close(Some(4001), Some("session revoked"));
                    self.sockets.remove(&self.state, &ws);
                }
                Ok(json!({}))
            }
            InboxCommand::Removed { conversation_id } => {
                self.db.remove(&conversation_id).map_err(storage_error)?;
                self.push_changes().await;
                Ok(json!({}))
            }
            InboxCommand::Delta { operator_id, cursor } => self.delta(&operator_id, cursor).await,
            InboxCommand::KeyRevoked { key_id } => self.end_visitor_sessions(Some(key_id)).await,
            InboxCommand::VerificationRequired => self.end_visitor_sessions(None).await,
            InboxCommand::Cursor => Ok(json!({ "cursor": self.db.cursor_d1_has().map_err(storage_error)? })),
            InboxCommand::Assign { caller, command } => {
                let slot = Rc::new(RefCell::new(None));
                self.clone().route(Routed::Assign { caller, command, slot: slot.clone() }).await;
                let answer = slot.borrow_mut().take();
                answer.unwrap_or_else(|| Err(RoomError::unavailable("the assignment did not run; please retry")))
            }
        }
    }

    /// Has every room that may hold visitor sockets end those of a revoked key (or of anonymous visitors).
    async fn end_visitor_sessions(&self, key_id: Option<String>) -> std::result::Result<Value, RoomError> {
        let tenant = self.db.tenant().map_err(storage_error)?.unwrap_or_default();
        let since = now_ms() - super::inbox_db::RECENT_MS;
        let mut ended = 0;
        for id in self.db.recently_active(since).map_err(storage_error)? {
            let command = RoomCommand::EndVisitorSessions { key_id: key_id.clone() };
            if RoomClient::new(&self.env, &tenant, &id, Party::Router).run(command).await.is_ok() {
                ended += 1;
            }
        }
        Ok(json!({ "rooms": ended }))
    }

    /// Runs routing work one piece at a time: the first caller runs the queue dry, the others only
    /// add to it (their answers are filled in by the runner before it returns).
    async fn route(self: Rc<Self>, work: Routed) {
        if !self.pump.borrow_mut().push(work) {
            return;
        }
        loop {
            let batch = self.pump.borrow_mut().take();
            if batch.is_empty() {
                break;
            }
            let mut drain = false;
            for work in batch {
                match work {
                    Routed::Drain => drain = true,
                    Routed::Assign { caller, command, slot } => {
                        let result = RoomClient::new(&self.env, &caller.tenant_id, &caller.conversation_id, caller.party.clone()).run(command).await;
                        if let Ok(outcome) = &result {
                            if let Some(c) = &outcome.conversation {
                                self.note_assignment(&c.id, &c.status, c.assignee_id.as_deref());
                            }
                        }
                        *slot.borrow_mut() = Some(result.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)));
                        // Whatever it freed or filled, the queue is looked at again.
                        drain = true;
                    }
                }
            }
            if drain {
                self.drain().await;
            }
        }
    }

    /// Records at once what an assignment did (the room's report follows with the same state).
    fn note_assignment(&self, conversation_id: &str, status: &str, assignee: Option<&str>) {
        let Ok(Some(mut summary)) = self.db.summary(conversation_id) else { return };
        summary.status = status.to_string();
        summary.assignee_id = assignee.map(str::to_string);
        if let Err(e) = self.db.set_assignment(conversation_id, status, assignee) {
            worker::console_error!("inbox storage: {e:?}");
        }
        if let (Some(op), "active") = (assignee, status) {
            self.assigned_at.borrow_mut().insert(op.to_string(), now_ms());
        }
    }

    /// One routing pass over the inbox's own queue and seat counts; operators' availability,
    /// capacity and teams come from D1 (written there before the inbox is told of a change).
    async fn drain(&self) {
        let Ok(Some(tenant)) = self.db.tenant() else { return };
        let (Ok(queued), Ok(loads)) = (self.db.queued(), self.db.loads()) else { return };
        if queued.is_empty() {
            self.positions.borrow_mut().retain(|_, _| false);
            return;
        }
        let Ok(store) = Store::open(&self.env) else { return };
        let Ok((candidates, memberships)) = store.tenant(&tenant).routing_snapshot().await else { return };
        let queue: Vec<Queued> = queued.iter().map(|q| Queued { id: q.id.clone(), department: q.department_id.clone().unwrap_or_default(), queued_at: q.queued_at.unwrap_or(0), preferred: q.preferred_id.clone() }).collect();
        let pool: Vec<Candidate> = candidates
            .iter()
            .filter_map(|c| {
                Some(Candidate {
                    id: c.id.clone(),
                    status: OperatorStatus::parse(&c.status).ok()?,
                    capacity: c.capacity,
                    active: loads.iter().find(|l| l.assignee_id == c.id).map(|l| l.n).unwrap_or(0),
                    departments: memberships.iter().filter(|m| m.operator_id == c.id).map(|m| m.department_id.clone()).collect(),
                    last_assigned_at: self.assigned_at.borrow().get(&c.id).copied().unwrap_or(0).max(c.last_assigned_at),
                })
            })
            .collect();
        let mut assigned: Vec<String> = Vec::new();
        for (conversation, operator) in plan(&queue, &pool) {
            let name = candidates.iter().find(|c| c.id == operator).map(|c| c.name.clone()).unwrap_or_default();
            let command = RoomCommand::AutoAssign { operator: OperatorRef { id: operator.clone(), name } };
            if let Ok(outcome) = RoomClient::new(&self.env, &tenant, &conversation, Party::Router).run(command).await {
                let status = outcome.conversation.as_ref().map(|c| c.status.clone()).unwrap_or_else(|| "active".into());
                self.note_assignment(&conversation, &status, Some(&operator));
                assigned.push(conversation);
            }
        }
        let still: Vec<Queued> = queue.into_iter().filter(|q| !assigned.contains(&q.id)).collect();
        let fresh = positions(&still);
        let told: Vec<(String, i64)> = {
            let known = self.positions.borrow();
            fresh.iter().filter(|(id, pos)| known.get(id) != Some(pos)).cloned().collect()
        };
        for (conversation, position) in told {
            if RoomClient::new(&self.env, &tenant, &conversation, Party::Router).run(RoomCommand::QueuePosition { position }).await.is_ok() {
                self.positions.borrow_mut().insert(conversation, position);
            }
        }
        self.positions.borrow_mut().retain(|id, _| fresh.iter().any(|(f, _)| f == id));
        self.push_changes().await;
    }

    /// The feed after `cursor` for one operator: every conversation and operator that changed, each
    /// once in its current state (with this operator's unread counts), the conversations that were
    /// deleted, and the cursor to continue from.
    async fn delta(&self, operator_id: &str, cursor: i64) -> std::result::Result<Value, RoomError> {
        let mut conversations: Vec<String> = Vec::new();
        let mut removed: Vec<String> = Vec::new();
        let mut operators: Vec<String> = Vec::new();
        let mut next = cursor;
        loop {
            let rows = self.db.feed_after(next, FEED_PAGE).map_err(storage_error)?;
            for r in &rows {
                match (&r.conversation_id, &r.operator_id) {
                    (Some(id), _) if r.removed == 1 => {
                        conversations.retain(|c| c != id);
                        if !removed.contains(id) {
                            removed.push(id.clone());
                        }
                    }
                    (Some(id), _) => {
                        removed.retain(|c| c != id);
                        if !conversations.contains(id) {
                            conversations.push(id.clone());
                        }
                    }
                    (None, Some(op)) if !operators.contains(op) => operators.push(op.clone()),
                    _ => {}
                }
            }
            next = rows.last().map(|r| r.cursor).unwrap_or(next);
            if (rows.len() as i64) < FEED_PAGE {
                break;
            }
        }
        let summaries: Vec<Value> = self.db.summaries(operator_id, &conversations).map_err(storage_error)?.iter().map(|s| s.to_json()).collect();
        let operator_views = if operators.is_empty() {
            Vec::new()
        } else {
            let tenant = self.db.tenant().map_err(storage_error)?.unwrap_or_default();
            let store = Store::open(&self.env).map_err(|e| RoomError::unavailable(e.to_string()))?;
            let rows = store.tenant(&tenant).operators().await.map_err(|_| RoomError::unavailable("operators are unavailable right now"))?;
            rows.iter()
                .filter(|o| operators.contains(&o.id))
                .map(|o| json!({ "id": o.id, "name": o.name, "status": o.status, "active": o.active == 1, "capacity": o.capacity }))
                .collect()
        };
        Ok(json!({ "cursor": next, "conversations": summaries, "removed": removed, "operators": operator_views }))
    }

    /// Sends each joined socket what changed after its own cursor.
    async fn push_changes(&self) {
        let Ok(latest) = self.db.latest_cursor() else { return };
        let mut cache: VecMap<(String, i64), Value> = VecMap::new();
        for (ws, meta) in self.sockets.all(&self.state) {
            let Some(cursor) = meta.cursor.filter(|c| *c < latest) else { continue };
            let key = (meta.who.operator_id.clone(), cursor);
            if cache.get(&key).is_none() {
                match self.delta(&meta.who.operator_id, cursor).await {
                    Ok(mut delta) => {
                        delta["type"] = json!("changes");
                        cache.insert(key.clone(), delta);
                    }
                    Err(_) => continue,
                }
            }
            if let Some(frame) = cache.get(&key) {
                // The socket may have moved on while the delta was read (another push, a resume).
                let current = self.sockets.meta(&self.state, &ws).and_then(|m| m.cursor);
                if current == Some(cursor) {
                    let _ = ws.send_with_str(&frame.to_string());
                    let to = frame["cursor"].as_i64();
                    self.sockets.update(&self.state, &ws, |m| m.cursor = to);
                }
            }
        }
    }

    async fn open_socket(self: &Rc<Self>, who: ConsoleIdentity, cursor: Option<i64>) -> Result<Response> {
        let _ = self.db.remember_tenant(&who.tenant_id);
        let pair = WebSocketPair::new()?;
        let server = pair.server;
        let tag = format!("op:{}", who.operator_id);
        self.state.accept_websocket_with_tags(&server, &[tag.as_str()]);
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            self.state.set_websocket_auto_response(&pair);
        }
        // Coming back within the grace period cancels going offline.
        let _ = self.db.clear_pending_offline(&who.operator_id);
        let first = !self.sockets.all(&self.state).iter().any(|p| p.1.who.operator_id == who.operator_id);
        self.sockets.add(&self.state, &server, ConsoleMeta { who: who.clone(), cursor: None })?;
        if first {
            self.broadcast(&json!({ "type": "presence", "operator_id": who.operator_id, "online": true }).to_string(), Some(&who.operator_id));
        }
        self.join(&server, &who, cursor).await;
        let mut response = ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty();
        response.headers_mut().set("sec-websocket-protocol", SUBPROTOCOL)?;
        Ok(response)
    }

    /// Every connection starts with `hello` (colleagues and their presence); one that resumes from a
    /// cursor then gets the `changes` it missed. Live changes flow once its cursor is set.
    async fn join(&self, ws: &WebSocket, who: &ConsoleIdentity, cursor: Option<i64>) {
        let operators = match Store::open(&self.env) {
            Ok(store) => store.tenant(&who.tenant_id).operators().await.unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let online: Vec<String> = self.sockets.all(&self.state).iter().map(|p| p.1.who.operator_id.clone()).collect();
        let views: Vec<Value> = operators
            .iter()
            .filter(|o| o.active == 1)
            .map(|o| json!({ "id": o.id, "name": o.name, "status": o.status, "capacity": o.capacity, "online": online.contains(&o.id) }))
            .collect();
        let Ok(latest) = self.db.latest_cursor() else {
            let _ = ws.close(Some(1011), Some("storage unavailable"));
            return;
        };
        let _ = ws.send_with_str(json!({ "type": "hello", "cursor": latest, "operators": views }).to_string());
        let mut sent = latest;
        if let Some(from) = cursor {
            match self.delta(&who.operator_id, from).await {
                Ok(mut frame) => {
                    sent = frame["cursor"].as_i64().unwrap_or(from);
                    frame["type"] = json!("changes");
                    let _ = ws.send_with_str(frame.to_string());
                }
                Err(_) => {
                    let _ = ws.close(Some(1011), Some("feed unavailable"));
                    return;
                }
            }
        }
        self.sockets.update(&self.state, ws, |m| m.cursor = Some(sent));
        // Changes that arrived while this socket joined.
        self.push_changes().await;
    }

    async fn frame(self: &Rc<Self>, ws: WebSocket, message: WebSocketIncomingMessage) {
        let WebSocketIncomingMessage::String(text) = message else {
            let _ = ws.send_with_str(error_frame("binary_not_supported", "frames are JSON text", None));
            return;
        };
        if text.len() > super::protocol::MAX_FRAME_BYTES {
            let _ = ws.send_with_str(error_frame("frame_too_large", "frames must be at most 16 KiB", None));
            return;
        }
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            let _ = ws.send_with_str(error_frame("malformed_frame", "not a JSON frame", None));
            return;
        };
        match frame.get("type").and_then(Value::as_str) {
            Some("ping") => {
                let _ = ws.send_with_str(PONG);
            }
            Some("resume") => match (frame.get("cursor").and_then(Value::as_i64).filter(|c| *c >= 0), self.sockets.meta(&self.state, &ws)) {
                (Some(cursor), Some(meta)) => {
                    self.sockets.update(&self.state, &ws, |m| m.cursor = None);
                    self.join(&ws, &meta.who, Some(cursor)).await;
                }
                _ => {
                    let _ = ws.send_with_str(error_frame("invalid_frame", "resume needs a cursor", None));
                }
            },
            Some(other) => {
                let _ = ws.send_with_str(error_frame("unknown_type", &format!("unknown frame type {other:?}"), None));
            }
            None => {
                let _ = ws.send_with_str(error_frame("malformed_frame", "a frame is a JSON object with a string \"type\"", None));
            }
        }
    }

    fn socket_gone(&self, ws: &WebSocket) {
        let Some(meta) = self.sockets.remove(&self.state, ws) else { return };
        if self.sockets.all(&self.state).iter().any(|p| p.1.who.operator_id == meta.who.operator_id) {
            return;
        }
        self.broadcast(&json!({ "type": "presence", "operator_id": meta.who.operator_id, "online": false }).to_string(), None);
        let grace = self.env.var("INBOX_OFFLINE_GRACE_MS").ok().and_then(|v| v.to_string().parse::<i64>().ok()).unwrap_or(DEFAULT_OFFLINE_GRACE_MS);
        let deadline = now_ms() + grace;
        if self.db.set_pending_offline(&meta.who.operator_id, deadline).is_ok() {
            self.alarm_by(deadline);
        }
    }

    /// Sets the alarm to `at` unless it is already due sooner (a synchronous call: it joins the commit).
    fn alarm_by(&self, at: i64) {
        let storage = self.state.storage();
        let date = worker::js_sys::Date::new(&(at as f64).into());
        let earliest = self.db.pending_offline().ok().and_then(|p| p.first().map(|p| p.deadline)).unwrap_or(at).min(at);
        let date = if earliest < at { worker::js_sys::Date::new(&(earliest as f64).into()) } else { date };
        if let Err(e) = storage.as_raw().set_alarm(date, worker::js_sys::Object::new()) {
            worker::console_error!("inbox alarm: {e:?}");
        }
    }

    /// Operators whose grace period ran out go offline, each on their own: one's failure neither
    /// loses nor delays another's (each row is cleared only once that operator is done).
    async fn offline_due(self: Rc<Self>) {
        let now = now_ms();
        let Ok(pending) = self.db.pending_offline() else { return };
        let online: Vec<String> = self.sockets.all(&self.state).iter().map(|p| p.1.who.operator_id.clone()).collect();
        let mut changed = false;
        for p in pending.iter().filter(|p| p.deadline <= now) {
            if online.contains(&p.operator_id) {
                let _ = self.db.clear_pending_offline(&p.operator_id);
                continue;
            }
            if self.clone().go_offline(&p.operator_id).await {
                let _ = self.db.clear_pending_offline(&p.operator_id);
                changed = true;
            } else {
                let _ = self.db.set_pending_offline(&p.operator_id, now + RELEASE_RETRY_MS);
            }
        }
        if let Ok(Some(next)) = self.db.pending_offline().map(|p| p.first().map(|p| p.deadline)) {
            self.alarm_by(next);
        }
        if changed {
            self.push_changes().await;
            self.clone().route(Routed::Drain).await;
        }
    }

    /// Marks an operator offline in D1 and releases their active chats; false when anything failed
    /// (the caller tries again later).
    async fn go_offline(self: Rc<Self>, operator_id: &str) -> bool {
        let Ok(Some(tenant)) = self.db.tenant() else { return false };
        let Ok(store) = Store::open(&self.env) else { return false };
        let marked = match store.tenant(&tenant).set_operator_status_statement(operator_id, OperatorStatus::Offline.as_str(), now_ms()) {
            Ok(statement) => store.batch(vec![statement]).await.is_ok(),
            Err(_) => false,
        };
        if marked {
            let _ = self.db.operator_changed(operator_id);
        }
        marked && self.release_all(operator_id).await
    }

    /// Sends an operator's active chats back to their departments' queues (keeping their place);
    /// true when every one was released.
    async fn release_all(self: Rc<Self>, operator_id: &str) -> bool {
        let Ok(Some(tenant)) = self.db.tenant() else { return false };
        let Ok(active) = self.db.active_of(operator_id) else { return false };
        let mut all = true;
        for conversation in active {
            match RoomClient::new(&self.env, &tenant, &conversation, Party::Router).run(RoomCommand::Release).await {
                Ok(outcome) => {
                    if let Some(c) = outcome.conversation {
                        self.note_assignment(&c.id, &c.status, c.assignee_id.as_deref());
                    }
                }
                // Already not active (closed or moved meanwhile): nothing to release.
                Err(e) if e.kind == super::wire::RoomErrorKind::InvalidTransition => {}
                Err(e) => {
                    worker::console_error!("release of {conversation} failed: {}", e.message);
                    all = false;
                }
            }
        }
        all
    }

    fn broadcast(&self, frame: &str, except_operator: Option<&str>) {
        for (ws, meta) in self.sockets.all(&self.state) {
            if meta.cursor.is_some() && Some(meta.who.operator_id.as_str()) != except_operator {
                let _ = ws.send_with_str(frame);
            }
        }
    }
}
