//! `TenantInbox`: one Durable Object per tenant (`id_from_name(tenant_id)`). It is the single writer of
//! assignment (the router runs here, one drain at a time, so no conversation is assigned twice), holds
//! the operators' console sockets, and feeds them the tenant's change feed from each socket's own cursor.
//! Operators whose last console socket closes go offline after a grace period (an alarm); their active
//! chats go back to the front of their department's queue.

use std::cell::RefCell;

use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair, WebSocketRequestResponsePair,
};

use super::client::RoomClient;
use super::conversation::IDENTITY_HEADER;
use super::wire::{OperatorRef, Party, RoomCommand};
use super::protocol::{error_frame, PING, PONG, SUBPROTOCOL};
use crate::domain::role::OperatorStatus;
use crate::domain::routing::{plan, positions, Candidate, Queued};
use crate::domain::vecmap::VecMap;
use crate::store::Store;

const CHANGE_PAGE: i64 = 1000;
const SUMMARY_CHUNK: usize = 90;
const DEFAULT_OFFLINE_GRACE_MS: i64 = 60_000;

/// The operator behind a console socket, as authenticated by the Worker.
#[derive(Debug, Clone)]
pub struct ConsoleIdentity {
    pub operator_id: String,
    pub name: String,
    pub role: String,
    pub tenant_id: String,
}

impl ConsoleIdentity {
    pub fn to_json(&self) -> Value {
        json!({ "operator_id": self.operator_id, "name": self.name, "role": self.role, "tenant_id": self.tenant_id })
    }
    pub fn from_json(v: &Value) -> Option<ConsoleIdentity> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(ConsoleIdentity { operator_id: s("operator_id")?, name: s("name")?, role: s("role")?, tenant_id: s("tenant_id")? })
    }
}

/// A console socket's attachment (as JSON text).
#[derive(Debug, Clone)]
struct ConsoleMeta {
    sid: String,
    who: ConsoleIdentity,
    /// The feed position this socket has been sent up to; `None` until its join is done.
    cursor: Option<i64>,
}

impl ConsoleMeta {
    fn encode(&self) -> String {
        json!({ "sid": self.sid, "who": self.who.to_json(), "cursor": self.cursor }).to_string()
    }
    fn decode(text: &str) -> Option<ConsoleMeta> {
        let v: Value = serde_json::from_str(text).ok()?;
        Some(ConsoleMeta { sid: v.get("sid")?.as_str()?.to_string(), who: ConsoleIdentity::from_json(v.get("who")?)?, cursor: v.get("cursor").and_then(Value::as_i64) })
    }
}

enum InboxOp {
    Changed { drain: bool },
    Join { ws: WebSocket, cursor: Option<i64> },
}

#[derive(Default)]
struct Inner {
    pump: super::Pump<InboxOp>,
    peers: Option<Vec<(WebSocket, ConsoleMeta)>>,
    tenant_id: Option<String>,
    /// Last queue position told to each waiting conversation.
    positions: VecMap<String, i64>,
    /// Assignments made here that D1 (which rooms feed behind them) may not show yet:
    /// `(conversation, operator)`, kept while D1 still lists the conversation as queued.
    assigned_ahead: Vec<(String, String)>,
}

#[durable_object]
pub struct TenantInbox {
    state: State,
    env: Env,
    inner: RefCell<Inner>,
}

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// The feed after `cursor` for one operator: every conversation and operator that changed, each once
/// in its current state (with this operator's unread counts), and the cursor to continue from.
pub async fn inbox_delta(store: &Store, tenant_id: &str, operator_id: &str, cursor: i64) -> std::result::Result<Value, crate::store::StoreError> {
    let mut conversations: Vec<String> = Vec::new();
    let mut operators: Vec<String> = Vec::new();
    let mut next = cursor;
    loop {
        let changes = store.changes_after(tenant_id, next, CHANGE_PAGE).await?;
        for c in &changes {
            if let Some(id) = &c.conversation_id {
                if !conversations.contains(id) {
                    conversations.push(id.clone());
                }
            }
            if let Some(id) = &c.operator_id {
                if !operators.contains(id) {
                    operators.push(id.clone());
                }
            }
        }
        next = changes.last().map(|c| c.id).unwrap_or(next);
        if (changes.len() as i64) < CHANGE_PAGE {
            break;
        }
    }
    let mut summaries = Vec::new();
    for chunk in conversations.chunks(SUMMARY_CHUNK) {
        summaries.extend(store.conversation_summaries(tenant_id, operator_id, chunk).await?.iter().map(|r| r.to_json()));
    }
    let all_operators = if operators.is_empty() { Vec::new() } else { store.operators_for_tenant(tenant_id).await? };
    let operator_views: Vec<Value> = all_operators
        .iter()
        .filter(|o| operators.contains(&o.id))
        .map(|o| json!({ "id": o.id, "name": o.name, "status": o.status, "active": o.active == 1, "capacity": o.capacity }))
        .collect();
    Ok(json!({ "cursor": next, "conversations": summaries, "operators": operator_views }))
}

/// Asks a conversation's room to run a command as the router; true when it was applied.
async fn room_command(env: &Env, tenant_id: &str, conversation_id: &str, command: RoomCommand) -> bool {
    RoomClient::new(env, tenant_id, conversation_id, Party::Router).run(command).await.is_ok()
}

impl DurableObject for TenantInbox {
    fn new(state: State, env: Env) -> Self {
        TenantInbox { state, env, inner: RefCell::new(Inner::default()) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let target = crate::domain::target::Target::parse(&req.inner().url());
        match target.path.as_str() {
            "/connect" => {
                let Some(who) = req.headers().get(IDENTITY_HEADER)?.and_then(|h| serde_json::from_str::<Value>(&h).ok()).and_then(|v| ConsoleIdentity::from_json(&v)) else {
                    return Response::error("missing identity", 400);
                };
                let cursor = target.get("cursor").and_then(|v| v.parse::<i64>().ok()).filter(|n| *n >= 0);
                self.remember_tenant(&who.tenant_id).await?;
                self.open_socket(who, cursor).await
            }
            "/revoke" => {
                // A password change or deactivation ends the operator's console sockets at once.
                let body: Value = req.json().await.unwrap_or(Value::Null);
                let operator = body.get("operator_id").and_then(Value::as_str).unwrap_or_default().to_string();
                for (ws, meta) in self.peers().into_iter().filter(|p| p.1.who.operator_id == operator) {
                    let _ = ws.send_with_str(error_frame("session_revoked", "this session has ended; sign in again", None));
                    let _ = ws.close(Some(4001), Some("session revoked"));
                    self.with_peers(|peers| peers.retain(|p| p.1.sid != meta.sid));
                }
                Ok(Response::empty()?.with_status(204))
            }
            "/changed" => {
                let body: Value = req.json().await.unwrap_or(Value::Null);
                if let Some(t) = body.get("tenant_id").and_then(Value::as_str) {
                    self.remember_tenant(t).await?;
                }
                let drain = body.get("drain").and_then(Value::as_bool).unwrap_or(false);
                self.enqueue(InboxOp::Changed { drain }).await;
                Ok(Response::empty()?.with_status(204))
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            let _ = ws.send_with_str(error_frame("binary_not_supported", "frames are JSON text", None));
            return Ok(());
        };
        if text.len() > super::protocol::MAX_FRAME_BYTES {
            let _ = ws.send_with_str(error_frame("frame_too_large", "frames must be at most 16 KiB", None));
            return Ok(());
        }
        let frame: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => {
                let _ = ws.send_with_str(error_frame("malformed_frame", "not a JSON frame", None));
                return Ok(());
            }
        };
        match frame.get("type").and_then(Value::as_str) {
            Some("ping") => {
                let _ = ws.send_with_str(PONG);
            }
            Some("resume") => match frame.get("cursor").and_then(Value::as_i64).filter(|c| *c >= 0) {
                Some(cursor) => {
                    self.set_cursor(&ws, None);
                    self.enqueue(InboxOp::Join { ws, cursor: Some(cursor) }).await;
                }
                None => {
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
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, _code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.socket_gone(&ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.socket_gone(&ws).await
    }

    /// Operators whose grace period ran out without a console socket go offline.
    async fn alarm(&self) -> Result<Response> {
        let Some(tenant_id) = self.tenant().await else { return Response::empty() };
        let store = Store::open(&self.env)?;
        let now = now_ms();
        let pending: Vec<(String, i64)> = self.state.storage().get("offline_pending").await.ok().flatten().unwrap_or_default();
        let mut remaining: Vec<(String, i64)> = Vec::new();
        let mut changed = false;
        for (operator_id, deadline) in pending {
            let online = self.peers().iter().any(|p| p.1.who.operator_id == operator_id);
            if online {
                continue;
            }
            if deadline > now {
                remaining.push((operator_id, deadline));
                continue;
            }
            if go_offline(&self.env, &store, &tenant_id, &operator_id, now).await.is_ok() {
                changed = true;
            }
        }
        if let Some(next) = remaining.iter().map(|(_, d)| d).min() {
            self.state.storage().set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&(*next as f64).into()))).await?;
        }
        self.state.storage().put("offline_pending", &remaining).await?;
        if changed {
            self.enqueue(InboxOp::Changed { drain: true }).await;
        }
        Response::empty()
    }
}

/// Marks an operator offline and sends their active chats back to their departments' queues (keeping
/// their place), so the router gives them to someone available.
pub async fn go_offline(env: &Env, store: &Store, tenant_id: &str, operator_id: &str, now: i64) -> std::result::Result<(), crate::store::StoreError> {
    store
        .batch(vec![
            store.set_operator_status_statement(tenant_id, operator_id, OperatorStatus::Offline.as_str(), now)?,
            store.inbox_change_statement(tenant_id, None, Some(operator_id), now)?,
        ])
        .await?;
    for conv in store.active_conversations_of(tenant_id, operator_id).await? {
        room_command(env, tenant_id, &conv.id, RoomCommand::Release).await;
    }
    Ok(())
}

impl TenantInbox {
    async fn remember_tenant(&self, tenant_id: &str) -> Result<()> {
        if self.inner.borrow().tenant_id.is_none() {
            self.inner.borrow_mut().tenant_id = Some(tenant_id.to_string());
            self.state.storage().put("tenant_id", tenant_id).await?;
        }
        Ok(())
    }

    async fn tenant(&self) -> Option<String> {
        if let Some(t) = self.inner.borrow().tenant_id.clone() {
            return Some(t);
        }
        let stored: Option<String> = self.state.storage().get("tenant_id").await.ok().flatten();
        if let Some(t) = &stored {
            self.inner.borrow_mut().tenant_id = Some(t.clone());
        }
        stored
    }

    async fn open_socket(&self, who: ConsoleIdentity, cursor: Option<i64>) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        let server = pair.server;
        let tag = format!("op:{}", who.operator_id);
        self.state.accept_websocket_with_tags(&server, &[tag.as_str()]);
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            self.state.set_websocket_auto_response(&pair);
        }
        // Coming back within the grace period cancels going offline.
        let mut pending: Vec<(String, i64)> = self.state.storage().get("offline_pending").await.ok().flatten().unwrap_or_default();
        if pending.iter().any(|(id, _)| *id == who.operator_id) {
            pending.retain(|(id, _)| *id != who.operator_id);
            self.state.storage().put("offline_pending", &pending).await?;
        }
        let sid = crate::crypto::new_uuid().map_err(|e| worker::Error::RustError(e.0))?.to_string();
        let first = !self.peers().iter().any(|p| p.1.who.operator_id == who.operator_id);
        let meta = ConsoleMeta { sid, who: who.clone(), cursor: None };
        server.serialize_attachment(meta.encode())?;
        self.with_peers(|peers| peers.push((server.clone(), meta)));
        if first {
            self.broadcast(&json!({ "type": "presence", "operator_id": who.operator_id, "online": true }).to_string(), Some(&who.operator_id));
        }
        self.enqueue(InboxOp::Join { ws: server, cursor }).await;
        let mut response = ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty();
        response.headers_mut().set("sec-websocket-protocol", SUBPROTOCOL)?;
        Ok(response)
    }

    async fn socket_gone(&self, ws: &WebSocket) -> Result<()> {
        let Some(meta) = self.peers().into_iter().find(|p| p.0 == *ws).map(|p| p.1) else { return Ok(()) };
        self.with_peers(|peers| peers.retain(|p| p.0 != *ws));
        let _ = ws.close(Some(1000), Some("closed"));
        if self.peers().iter().any(|p| p.1.who.operator_id == meta.who.operator_id) {
            return Ok(());
        }
        self.broadcast(&json!({ "type": "presence", "operator_id": meta.who.operator_id, "online": false }).to_string(), None);
        let grace = self.env.var("INBOX_OFFLINE_GRACE_MS").ok().and_then(|v| v.to_string().parse::<i64>().ok()).unwrap_or(DEFAULT_OFFLINE_GRACE_MS);
        let deadline = now_ms() + grace;
        let mut pending: Vec<(String, i64)> = self.state.storage().get("offline_pending").await.ok().flatten().unwrap_or_default();
        pending.retain(|(id, _)| *id != meta.who.operator_id);
        pending.push((meta.who.operator_id.clone(), deadline));
        self.state.storage().put("offline_pending", &pending).await?;
        let current = self.state.storage().get_alarm().await?;
        if current.is_none_or(|at| at > deadline) {
            self.state.storage().set_alarm(worker::ScheduledTime::new(worker::js_sys::Date::new(&(deadline as f64).into()))).await?;
        }
        Ok(())
    }

    async fn enqueue(&self, op: InboxOp) {
        if !self.inner.borrow_mut().pump.push(op) {
            return;
        }
        loop {
            let ops = self.inner.borrow_mut().pump.take();
            if ops.is_empty() {
                break;
            }
            let mut changed = false;
            let mut drain = false;
            for op in ops {
                match op {
                    InboxOp::Join { ws, cursor } => self.join(ws, cursor).await,
                    InboxOp::Changed { drain: d } => {
                        changed = true;
                        drain |= d;
                    }
                }
            }
            if drain {
                self.drain().await;
            }
            if changed {
                self.push_changes().await;
            }
        }
    }

    async fn join(&self, ws: WebSocket, cursor: Option<i64>) {
        let Some(meta) = self.peers().into_iter().find(|p| p.0 == ws).map(|p| p.1) else { return };
        let Ok(store) = Store::open(&self.env) else { return };
        let tenant = meta.who.tenant_id.clone();
        let latest = match store.latest_cursor(&tenant).await {
            Ok(n) => n,
            Err(_) => {
                let _ = ws.close(Some(1011), Some("store unavailable"));
                return;
            }
        };
        // Every connection starts with `hello` (colleagues and their presence); one that resumes from a
        // cursor then gets the `changes` it missed.
        let operators = store.operators_for_tenant(&tenant).await.unwrap_or_default();
        let online: Vec<String> = self.peers().iter().map(|p| p.1.who.operator_id.clone()).collect();
        let views: Vec<Value> = operators
            .iter()
            .filter(|o| o.active == 1)
            .map(|o| json!({ "id": o.id, "name": o.name, "status": o.status, "capacity": o.capacity, "online": online.contains(&o.id) }))
            .collect();
        let _ = ws.send_with_str(json!({ "type": "hello", "cursor": latest, "operators": views }).to_string());
        let mut sent = latest;
        if let Some(from) = cursor {
            match inbox_delta(&store, &tenant, &meta.who.operator_id, from).await {
                Ok(delta) => {
                    sent = delta["cursor"].as_i64().unwrap_or(from);
                    let mut frame = delta;
                    frame["type"] = json!("changes");
                    let _ = ws.send_with_str(frame.to_string());
                }
                Err(_) => {
                    let _ = ws.close(Some(1011), Some("store unavailable"));
                    return;
                }
            }
        }
        self.set_cursor(&ws, Some(sent));
    }

    /// Sends each ready socket what changed after its own cursor.
    async fn push_changes(&self) {
        let Some(tenant) = self.tenant().await else { return };
        let Ok(store) = Store::open(&self.env) else { return };
        let Ok(latest) = store.latest_cursor(&tenant).await else { return };
        let mut cache: VecMap<(String, i64), Value> = VecMap::new();
        for (ws, meta) in self.peers() {
            let Some(cursor) = meta.cursor.filter(|c| *c < latest) else { continue };
            let key = (meta.who.operator_id.clone(), cursor);
            if cache.get(&key).is_none() {
                match inbox_delta(&store, &tenant, &meta.who.operator_id, cursor).await {
                    Ok(mut delta) => {
                        delta["type"] = json!("changes");
                        cache.insert(key.clone(), delta);
                    }
                    Err(_) => continue,
                }
            }
            if let Some(frame) = cache.get(&key) {
                let _ = ws.send_with_str(frame.to_string());
                self.set_cursor(&ws, frame["cursor"].as_i64());
            }
        }
    }

    /// One routing pass: assign what can be assigned, then tell waiting visitors their new positions.
    async fn drain(&self) {
        let Some(tenant) = self.tenant().await else { return };
        let Ok(store) = Store::open(&self.env) else { return };
        let (Ok(queued), Ok(candidates), Ok(memberships)) =
            (store.queued_conversations(&tenant).await, store.routing_candidates(&tenant).await, store.memberships_for_tenant(&tenant).await)
        else {
            return;
        };
        // D1 follows the rooms: what this router assigned a moment ago may still show as queued there.
        // Count it as assigned (so no operator goes over capacity) until D1 catches up.
        let ahead: Vec<(String, String)> = {
            let mut inner = self.inner.borrow_mut();
            inner.assigned_ahead.retain(|(c, _)| queued.iter().any(|q| q.id == *c));
            inner.assigned_ahead.clone()
        };
        let queue: Vec<Queued> = queued
            .iter()
            .filter(|q| !ahead.iter().any(|(c, _)| *c == q.id))
            .map(|q| Queued { id: q.id.clone(), department: q.department_id.clone().unwrap_or_default(), queued_at: q.queued_at.unwrap_or(0) })
            .collect();
        let pool: Vec<Candidate> = candidates
            .iter()
            .filter_map(|c| {
                Some(Candidate {
                    id: c.id.clone(),
                    status: OperatorStatus::parse(&c.status).ok()?,
                    capacity: c.capacity,
                    active: c.active_count + ahead.iter().filter(|(_, op)| *op == c.id).count() as i64,
                    departments: memberships.iter().filter(|m| m.operator_id == c.id).map(|m| m.department_id.clone()).collect(),
                    last_assigned_at: c.last_assigned_at,
                })
            })
            .collect();
        let mut assigned: Vec<String> = Vec::new();
        for (conversation, operator) in plan(&queue, &pool) {
            let name = candidates.iter().find(|c| c.id == operator).map(|c| c.name.clone()).unwrap_or_default();
            let command = RoomCommand::AutoAssign { operator: OperatorRef { id: operator.clone(), name } };
            if room_command(&self.env, &tenant, &conversation, command).await {
                self.inner.borrow_mut().assigned_ahead.push((conversation.clone(), operator));
                assigned.push(conversation);
            }
        }
        let still: Vec<Queued> = queue.into_iter().filter(|q| !assigned.contains(&q.id)).collect();
        let fresh = positions(&still);
        let told: Vec<(String, i64)> = {
            let inner = self.inner.borrow();
            fresh.iter().filter(|(id, pos)| inner.positions.get(id) != Some(pos)).cloned().collect()
        };
        for (conversation, position) in told {
            if room_command(&self.env, &tenant, &conversation, RoomCommand::QueuePosition { position }).await {
                self.inner.borrow_mut().positions.insert(conversation, position);
            }
        }
        self.inner.borrow_mut().positions.retain(|id, _| fresh.iter().any(|(f, _)| f == id));
    }

    fn with_peers<T>(&self, f: impl FnOnce(&mut Vec<(WebSocket, ConsoleMeta)>) -> T) -> T {
        if self.inner.borrow().peers.is_none() {
            let peers: Vec<(WebSocket, ConsoleMeta)> = self
                .state
                .get_websockets()
                .into_iter()
                .filter_map(|ws| ws.deserialize_attachment::<String>().ok().flatten().and_then(|t| ConsoleMeta::decode(&t)).map(|m| (ws, m)))
                .collect();
            self.inner.borrow_mut().peers = Some(peers);
        }
        let mut inner = self.inner.borrow_mut();
        f(inner.peers.get_or_insert_with(Vec::new))
    }

    fn peers(&self) -> Vec<(WebSocket, ConsoleMeta)> {
        self.with_peers(|p| p.clone())
    }

    fn set_cursor(&self, ws: &WebSocket, cursor: Option<i64>) {
        let meta = self.with_peers(|peers| {
            peers.iter_mut().find(|p| p.0 == *ws).map(|p| {
                p.1.cursor = cursor;
                p.1.clone()
            })
        });
        if let Some(meta) = meta {
            let _ = ws.serialize_attachment(meta.encode());
        }
    }

    fn broadcast(&self, frame: &str, except_operator: Option<&str>) {
        for (ws, meta) in self.peers() {
            if meta.cursor.is_some() && Some(meta.who.operator_id.as_str()) != except_operator {
                let _ = ws.send_with_str(frame);
            }
        }
    }
}
