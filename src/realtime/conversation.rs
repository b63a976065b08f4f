//! `ConversationRoom`: one Durable Object per conversation (`id_from_name(conversation_id)`). It holds
//! the conversation's hibernating sockets, is the single writer of its event stream, and never acks or
//! broadcasts an event before D1 has it. Sends that arrive while a write is in flight are committed
//! together in the next batch (group commit), in arrival order, so seq order is arrival order.
//! Everything it needs after hibernation or eviction comes back from socket attachments and D1.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair, WebSocketRequestResponsePair,
};

use super::protocol::{ack_frame, error_frame, event_frame, parse_client_frame, sign_attachment, ClientFrame, FrameError, PING, PONG, SUBPROTOCOL, TYPING_TTL_MS};
use crate::domain::conversation::{transition, Command, ConversationState, Status, Target};
use crate::domain::vecmap::VecMap;
use crate::domain::message::{classify_send, content_hash, ClientMsgId, MessageText, SendOutcome};
use crate::store::events::{EventRow, NewEvent};
use crate::store::Store;

/// Header through which the Worker tells the room who a request is from (it already authenticated them).
pub const IDENTITY_HEADER: &str = "x-edgechat-identity";
/// Most events written in one D1 batch.
const MAX_BATCH: usize = 64;
const REPLAY_PAGE: i64 = 500;

/// Who is on the other end of a socket or a REST send, as established by the Worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// `visitor` or `operator`.
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    pub tenant_id: String,
    pub conversation_id: String,
    /// For operators: their token version when the socket opened; a newer one (password changed,
    /// deactivated) ends the socket at its next frame.
    pub ver: Option<i64>,
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

impl Identity {
    // Encoded by hand (not derived): these few fields do not justify serde code in the wasm.
    pub fn to_json(&self) -> Value {
        json!({ "kind": self.kind, "id": self.id, "name": self.name, "tenant_id": self.tenant_id, "conversation_id": self.conversation_id, "ver": self.ver })
    }

    pub fn from_json(v: &Value) -> Option<Identity> {
        Some(Identity {
            kind: string(v, "kind")?,
            id: string(v, "id")?,
            name: string(v, "name"),
            tenant_id: string(v, "tenant_id")?,
            conversation_id: string(v, "conversation_id")?,
            ver: v.get("ver").and_then(Value::as_i64),
        })
    }

    fn author(&self) -> Value {
        json!({ "type": self.kind, "id": self.id, "name": self.name })
    }
    fn same_person(&self, other: &Identity) -> bool {
        self.kind == other.kind && self.id == other.id
    }
    /// Operators and monitors see private notes; visitors never do.
    fn sees_private(&self) -> bool {
        self.kind != "visitor"
    }
    /// Monitors watch without taking part: no presence, no sends.
    fn participates(&self) -> bool {
        self.kind != "monitor"
    }
}

/// A state change asked of the room (by the Worker for a person, or by the inbox's router).
#[derive(Debug, Clone, Default)]
pub struct RoomCommand {
    /// handoff, auto_assign, takeover, assign, transfer, close, reopen, release, queue_position
    pub command: String,
    pub operator_id: Option<String>,
    pub operator_name: Option<String>,
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    /// Refuse unless the conversation is assigned to this operator right now (ownership rules).
    pub require_assignee: Option<String>,
    pub position: Option<i64>,
    /// For `bot_say` (a bot message) and `menu` (the visitor's menu path): the event's text and data.
    pub text: Option<String>,
    pub payload: Option<Value>,
}

impl RoomCommand {
    pub fn to_json(&self) -> Value {
        json!({
            "command": self.command, "operator_id": self.operator_id, "operator_name": self.operator_name,
            "department_id": self.department_id, "department_name": self.department_name,
            "require_assignee": self.require_assignee, "position": self.position, "text": self.text, "payload": self.payload,
        })
    }

    pub fn from_json(v: &Value) -> Option<RoomCommand> {
        Some(RoomCommand {
            command: string(v, "command")?,
            operator_id: string(v, "operator_id"),
            operator_name: string(v, "operator_name"),
            department_id: string(v, "department_id"),
            department_name: string(v, "department_name"),
            require_assignee: string(v, "require_assignee"),
            position: v.get("position").and_then(Value::as_i64),
            text: string(v, "text"),
            payload: v.get("payload").filter(|p| !p.is_null()).cloned(),
        })
    }
}

/// What each socket carries in its attachment (as JSON text), so it survives hibernation.
#[derive(Debug, Clone)]
struct SocketMeta {
    sid: String,
    who: Identity,
    /// False until the socket's replay is done; live events are not sent before that.
    ready: bool,
}

impl SocketMeta {
    fn encode(&self) -> String {
        json!({ "sid": self.sid, "who": self.who.to_json(), "ready": self.ready }).to_string()
    }
    fn decode(text: &str) -> Option<SocketMeta> {
        let v: Value = serde_json::from_str(text).ok()?;
        Some(SocketMeta { sid: string(&v, "sid")?, who: Identity::from_json(v.get("who")?)?, ready: v.get("ready")?.as_bool()? })
    }
}

struct Peer {
    ws: WebSocket,
    meta: SocketMeta,
}

/// A one-shot cell a REST caller awaits while the pump commits its send.
#[derive(Default)]
struct Slot {
    value: RefCell<Option<std::result::Result<(Value, bool), FrameError>>>,
    waker: RefCell<Option<Waker>>,
}

impl Slot {
    fn fill(&self, value: std::result::Result<(Value, bool), FrameError>) {
        *self.value.borrow_mut() = Some(value);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

struct SlotFuture(Rc<Slot>);

impl Future for SlotFuture {
    type Output = std::result::Result<(Value, bool), FrameError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.0.value.borrow_mut().take() {
            Some(v) => Poll::Ready(v),
            None => {
                *self.0.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

enum Reply {
    Socket { ws: WebSocket, sid: String },
    Rest(Rc<Slot>),
    /// Events the room writes on its own (bot replies).
    Nobody,
}

struct Draft {
    who: Identity,
    /// Author as stored: the sender for messages, `system` for state changes.
    author: (String, Option<String>, Option<String>),
    private: bool,
    kind: &'static str,
    client_msg_id: String,
    text: Option<String>,
    data: Option<String>,
    hash: String,
    preview: Option<String>,
    reply: Reply,
}

enum Op {
    Send(Draft),
    Command { who: Identity, command: RoomCommand, slot: Rc<Slot> },
    /// The bot's turn after a visitor message (skipped unless the conversation is still with the bot).
    Bot { who: Identity, question: String },
    Join { ws: WebSocket, after_seq: Option<i64>, hello: bool },
}

struct Bucket {
    tokens: f64,
    at_ms: f64,
}

#[derive(Default)]
struct Inner {
    pump: super::Pump<Op>,
    /// Built from the runtime's socket list on first use after a wake-up.
    peers: Option<Vec<Peer>>,
    buckets: VecMap<String, Bucket>,
    /// Highest read receipt stored per reader (kind:id), to skip repeats.
    last_read: VecMap<String, i64>,
    last_seq: Option<i64>,
}

#[durable_object]
pub struct ConversationRoom {
    state: State,
    env: Env,
    inner: RefCell<Inner>,
}

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

fn json_response(status: u16, body: &Value) -> Result<Response> {
    let mut r = Response::ok(body.to_string())?.with_status(status);
    r.headers_mut().set("content-type", "application/json; charset=utf-8")?;
    Ok(r)
}

impl DurableObject for ConversationRoom {
    fn new(state: State, env: Env) -> Self {
        ConversationRoom { state, env, inner: RefCell::new(Inner::default()) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let who = match req.headers().get(IDENTITY_HEADER)?.and_then(|h| serde_json::from_str::<Value>(&h).ok()).and_then(|v| Identity::from_json(&v)) {
            Some(who) => who,
            None => return json_response(400, &json!({"error": {"code": "bad_request", "message": "missing identity"}})),
        };
        let target = crate::domain::target::Target::parse(&req.inner().url());
        match target.path.as_str() {
            "/connect" => {
                let after_seq = target.get("after_seq").and_then(|v| v.parse::<i64>().ok()).filter(|n| *n >= 0);
                self.open_socket(who, after_seq).await
            }
            "/send" => {
                let body: Value = req.json().await.unwrap_or(Value::Null);
                self.rest_send(who, &body).await
            }
            "/command" => {
                let body: Value = req.json().await.unwrap_or(Value::Null);
                let Some(command) = RoomCommand::from_json(&body) else {
                    return json_response(400, &json!({"error": {"code": "bad_request", "message": "malformed command"}}));
                };
                let slot = Rc::new(Slot::default());
                self.enqueue(Op::Command { who, command, slot: slot.clone() }).await;
                match SlotFuture(slot).await {
                    Ok((event, _)) => json_response(200, &json!({ "event": event })),
                    Err(e) => {
                        let status = match e.code {
                            "invalid_transition" => 409,
                            "not_assignee" => 403,
                            "not_found" => 404,
                            "bad_request" => 400,
                            _ => 503,
                        };
                        json_response(status, &json!({"error": {"code": e.code, "message": e.message}}))
                    }
                }
            }
            _ => json_response(404, &json!({"error": {"code": "not_found", "message": "no such room endpoint"}})),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let text = match message {
            WebSocketIncomingMessage::String(t) => t,
            WebSocketIncomingMessage::Binary(_) => {
                let _ = ws.send_with_str(error_frame("binary_not_supported", "frames are JSON text", None));
                return Ok(());
            }
        };
        let Some(meta) = self.meta_of(&ws) else {
            let _ = ws.close(Some(1011), Some("unknown socket"));
            return Ok(());
        };
        if !self.take_token(&meta.sid) {
            let _ = ws.send_with_str(error_frame("rate_limited", "too many frames; slow down", None));
            return Ok(());
        }
        let frame = match parse_client_frame(&text) {
            Ok(f) => f,
            Err(e) => {
                let _ = ws.send_with_str(error_frame(e.code, &e.message, None));
                return Ok(());
            }
        };
        if meta.who.ver.is_some() && !matches!(frame, ClientFrame::Ping) && !self.operator_still_valid(&meta.who).await {
            let _ = ws.send_with_str(error_frame("session_revoked", "this session has ended; sign in again", None));
            let _ = ws.close(Some(4001), Some("session revoked"));
            self.drop_peer(&ws);
            return Ok(());
        }
        match frame {
            ClientFrame::Send { .. } | ClientFrame::Typing { .. } | ClientFrame::Read { .. } if !meta.who.participates() => {
                let _ = ws.send_with_str(error_frame("read_only", "monitoring sockets only watch", None));
            }
            ClientFrame::Send { private: true, .. } if meta.who.kind == "visitor" => {
                let _ = ws.send_with_str(error_frame("invalid_frame", "only operators write private notes", None));
            }
            ClientFrame::Send { client_msg_id, text, private } => {
                let draft = message_draft(&meta.who, &client_msg_id, &text, private, Reply::Socket { ws: ws.clone(), sid: meta.sid.clone() });
                self.enqueue(Op::Send(draft)).await;
            }
            ClientFrame::Typing { on } => self.broadcast_typing(&meta, on),
            ClientFrame::Read { seq } => self.read(ws, meta, seq).await,
            ClientFrame::Resume { after_seq } => {
                self.set_ready(&ws, false);
                self.enqueue(Op::Join { ws, after_seq: Some(after_seq), hello: false }).await;
            }
            ClientFrame::Ping => {
                let _ = ws.send_with_str(PONG);
            }
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, _code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.drop_peer(&ws);
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.drop_peer(&ws);
        Ok(())
    }
}

fn message_draft(who: &Identity, client_msg_id: &ClientMsgId, text: &MessageText, private: bool, reply: Reply) -> Draft {
    let kind = if private { "note" } else { "message" };
    Draft {
        who: who.clone(),
        author: (who.kind.clone(), Some(who.id.clone()), who.name.clone()),
        private,
        kind,
        client_msg_id: client_msg_id.as_str().to_string(),
        text: Some(text.as_str().to_string()),
        data: None,
        hash: content_hash(kind, &who.kind, &who.id, text.as_str()),
        preview: if private { None } else { Some(text.preview()) },
        reply,
    }
}

/// The line a state change shows in the timeline (clients may localise by `type` and `data`).
fn command_text(kind: &str, cmd: &RoomCommand, status: Status) -> String {
    let operator = cmd.operator_name.clone().unwrap_or_else(|| "An operator".into());
    match kind {
        "handoff" => "Waiting for an operator…".into(),
        "assigned" => format!("{operator} joined the conversation"),
        "transferred" if status == Status::Queued => format!("Transferred to {}", cmd.department_name.clone().unwrap_or_else(|| "another team".into())),
        "transferred" => format!("Transferred to {operator}"),
        "closed" => "The conversation was closed".into(),
        "reopened" => "The conversation was reopened".into(),
        "released" => "Your operator went offline; waiting for the next one".into(),
        _ => kind.into(),
    }
}

impl ConversationRoom {
    async fn open_socket(&self, who: Identity, after_seq: Option<i64>) -> Result<Response> {
        let pair = WebSocketPair::new()?;
        let server = pair.server;
        let tag = format!("{}:{}", who.kind, who.id);
        self.state.accept_websocket_with_tags(&server, &[who.kind.as_str(), tag.as_str()]);
        // Keep-alives are answered by the runtime, so an idle room can hibernate.
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            self.state.set_websocket_auto_response(&pair);
        }
        let sid = crate::crypto::new_uuid().map_err(|e| worker::Error::RustError(e.0))?.to_string();
        let meta = SocketMeta { sid, who, ready: false };
        server.serialize_attachment(meta.encode())?;
        self.peers_mut(|peers| peers.push(Peer { ws: server.clone(), meta }));
        self.enqueue(Op::Join { ws: server, after_seq, hello: true }).await;
        let mut response = ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty();
        response.headers_mut().set("sec-websocket-protocol", SUBPROTOCOL)?;
        Ok(response)
    }

    async fn rest_send(&self, who: Identity, body: &Value) -> Result<Response> {
        if let Some(attachment) = body.get("attachment").filter(|a| a.is_object()) {
            let Ok(client_msg_id) = ClientMsgId::parse(body.get("client_msg_id").and_then(Value::as_str).unwrap_or("")) else {
                return json_response(422, &json!({"error": {"code": "invalid_field", "field": "client_msg_id", "message": "client_msg_id is required"}}));
            };
            let caption = body.get("text").and_then(Value::as_str).filter(|t| !t.trim().is_empty()).map(str::to_string);
            // Same id, same file (name, size, type) and caption: the same event.
            let fingerprint = format!("{}|{}|{}|{}", attachment["name"], attachment["size"], attachment["kind"], caption.as_deref().unwrap_or(""));
            let slot = Rc::new(Slot::default());
            let draft = Draft {
                who: who.clone(),
                author: (who.kind.clone(), Some(who.id.clone()), who.name.clone()),
                private: false,
                kind: "attachment",
                client_msg_id: client_msg_id.as_str().to_string(),
                preview: Some(caption.clone().unwrap_or_else(|| format!("📎 {}", attachment["name"].as_str().unwrap_or("file")))),
                text: caption,
                data: Some(attachment.to_string()),
                hash: content_hash("attachment", &who.kind, &who.id, &fingerprint),
                reply: Reply::Rest(slot.clone()),
            };
            self.enqueue(Op::Send(draft)).await;
            return sent_response(SlotFuture(slot).await);
        }
        let parsed = (|| {
            let id = ClientMsgId::parse(body.get("client_msg_id")?.as_str()?).ok()?;
            Some(id)
        })();
        let text = body.get("text").and_then(Value::as_str).map(MessageText::parse);
        let (client_msg_id, text) = match (parsed, text) {
            (Some(id), Some(Ok(text))) => (id, text),
            (None, _) => return json_response(422, &json!({"error": {"code": "invalid_field", "field": "client_msg_id", "message": "client_msg_id must be 1 to 64 letters, digits, '-', '_', '.' or ':'"}})),
            (_, Some(Err(e))) => return json_response(422, &json!({"error": {"code": "invalid_field", "field": "text", "message": e.to_string()}})),
            (_, None) => return json_response(422, &json!({"error": {"code": "invalid_field", "field": "text", "message": "text is required"}})),
        };
        let private = body.get("private").and_then(Value::as_bool).unwrap_or(false);
        if private && who.kind == "visitor" {
            return json_response(422, &json!({"error": {"code": "invalid_field", "field": "private", "message": "only operators write private notes"}}));
        }
        let slot = Rc::new(Slot::default());
        self.enqueue(Op::Send(message_draft(&who, &client_msg_id, &text, private, Reply::Rest(slot.clone())))).await;
        sent_response(SlotFuture(slot).await)
    }

    /// Queues an operation and, unless another handler is already doing so, runs the queue dry.
    async fn enqueue(&self, op: Op) {
        if !self.inner.borrow_mut().pump.push(op) {
            return;
        }
        loop {
            let ops = self.inner.borrow_mut().pump.take();
            if ops.is_empty() {
                break;
            }
            let mut sends: Vec<Draft> = Vec::new();
            for op in ops {
                match op {
                    Op::Send(d) => {
                        sends.push(d);
                        if sends.len() >= MAX_BATCH {
                            self.commit(std::mem::take(&mut sends), Vec::new()).await;
                        }
                    }
                    Op::Join { ws, after_seq, hello } => {
                        if !sends.is_empty() {
                            self.commit(std::mem::take(&mut sends), Vec::new()).await;
                        }
                        self.join(ws, after_seq, hello).await;
                    }
                    Op::Command { who, command, slot } => {
                        if !sends.is_empty() {
                            self.commit(std::mem::take(&mut sends), Vec::new()).await;
                        }
                        self.run_command(who, command, slot).await;
                    }
                    Op::Bot { who, question } => {
                        if !sends.is_empty() {
                            self.commit(std::mem::take(&mut sends), Vec::new()).await;
                        }
                        self.bot_turn(who, question).await;
                    }
                }
            }
            if !sends.is_empty() {
                self.commit(sends, Vec::new()).await;
            }
        }
    }

    /// Writes a batch in one D1 transaction (with `extra` statements of a state change), then acks each
    /// sender and broadcasts each new event. Returns whether the batch was stored.
    async fn commit(&self, drafts: Vec<Draft>, extra: Vec<worker::D1PreparedStatement>) -> bool {
        let Some(first) = drafts.first() else { return false };
        let (conversation_id, tenant_id) = (first.who.conversation_id.clone(), first.who.tenant_id.clone());
        let now = now_ms();
        let store = match Store::open(&self.env) {
            Ok(s) => s,
            Err(_) => return fail_all(drafts, "store_unavailable"),
        };
        let change = store.inbox_change_statement(&tenant_id, Some(&conversation_id), None, now);
        let mut statements = Vec::with_capacity(drafts.len() * 2 + 1);
        for d in &drafts {
            let event = NewEvent {
                kind: d.kind,
                author_type: &d.author.0,
                author_id: d.author.1.as_deref(),
                author_name: d.author.2.as_deref(),
                client_msg_id: &d.client_msg_id,
                text: d.text.as_deref(),
                data: d.data.as_deref(),
                content_hash: &d.hash,
                private: d.private,
                created_at: now,
            };
            match (store.insert_event_statement(&conversation_id, &tenant_id, &event), store.event_by_client_msg_id_statement(&conversation_id, &d.client_msg_id)) {
                (Ok(a), Ok(b)) => statements.extend([a, b]),
                _ => return fail_all(drafts, "store_unavailable"),
            }
        }
        let preview = drafts.iter().rev().find_map(|d| d.preview.clone());
        match (store.summarize_conversation_statement(&conversation_id, preview.as_deref(), now), change) {
            (Ok(s), Ok(c)) => statements.extend([s, c]),
            _ => return fail_all(drafts, "store_unavailable"),
        }
        statements.extend(extra);
        let results = match store.batch_results(statements).await {
            Ok(r) => r,
            Err(e) => {
                worker::console_error!("room commit failed: {e:?}");
                return fail_all(drafts, "store_unavailable");
            }
        };
        self.notify_inbox(&tenant_id, false);
        // Only a conversation still with the bot gets bot turns (no extra read for live chats).
        let with_bot = results.get(2 * drafts.len()).and_then(|r| r.rows::<crate::store::events::StatusRow>().pop()).is_some_and(|s| s.0 == "bot");
        let peers = self.snapshot_peers();
        let files_secret = self.files_secret();
        for (i, d) in drafts.into_iter().enumerate() {
            let inserted = results.get(2 * i).map(|r| r.changes()).unwrap_or(0) == 1;
            let row = results.get(2 * i + 1).and_then(|r| r.rows::<EventRow>().pop());
            let Some(row) = row else {
                reply_error(d.reply, "store_unavailable", "the event could not be read back", Some(&d.client_msg_id));
                continue;
            };
            {
                let mut inner = self.inner.borrow_mut();
                inner.last_seq = Some(inner.last_seq.unwrap_or(0).max(row.seq));
            }
            let mut event = row.to_json();
            if let Some(secret) = &files_secret {
                sign_attachment(&mut event, secret, now / 1000);
            }
            match classify_send(inserted, &row.content_hash, &d.hash) {
                SendOutcome::Created => {
                    let sender_sid = match &d.reply {
                        Reply::Socket { sid, .. } => Some(sid.clone()),
                        Reply::Rest(_) | Reply::Nobody => None,
                    };
                    if with_bot && d.author.0 == "visitor" && d.kind == "message" {
                        let question = d.text.clone().unwrap_or_default();
                        self.inner.borrow_mut().pump.push_back(Op::Bot { who: d.who.clone(), question });
                    }
                    reply_ok(d.reply, &d.client_msg_id, &event, false);
                    let frame = event_frame(&event);
                    for p in peers.iter().filter(|p| p.1.ready && Some(&p.1.sid) != sender_sid.as_ref() && (!d.private || p.1.who.sees_private())) {
                        let _ = p.0.send_with_str(&frame);
                    }
                }
                SendOutcome::Duplicate => reply_ok(d.reply, &d.client_msg_id, &event, true),
                SendOutcome::Conflict => reply_error(
                    d.reply,
                    "client_msg_id_conflict",
                    "this client_msg_id was already used for a different message",
                    Some(&d.client_msg_id),
                ),
            }
        }
        true
    }

    /// Runs a state change: load the conversation, ask the state machine, store the event together
    /// with the new state (and the feed entry) in one batch, broadcast, then wake the inbox.
    async fn run_command(&self, who: Identity, cmd: RoomCommand, slot: Rc<Slot>) {
        let fail = |code: &'static str, message: &str| slot.fill(Err(FrameError { code, message: message.to_string() }));
        let Ok(store) = Store::open(&self.env) else { return fail("store_unavailable", "the database is unavailable") };
        let row = match store.conversation_in_tenant(&who.tenant_id, &who.conversation_id).await {
            Ok(Some(r)) => r,
            Ok(None) => return fail("not_found", "conversation not found"),
            Err(_) => return fail("store_unavailable", "the database is unavailable"),
        };
        let Ok(status) = Status::parse(&row.status) else { return fail("store_unavailable", "unknown stored status") };
        let state = ConversationState { status, assignee: row.assignee_id.clone(), department: row.department_id.clone() };
        if let Some(required) = &cmd.require_assignee {
            if row.assignee_id.as_ref() != Some(required) {
                return fail("not_assignee", "only the assigned operator (or an admin) may do this");
            }
        }
        let now = now_ms();
        let by = who.author();
        if cmd.command == "bot_say" || cmd.command == "menu" {
            let text = cmd.text.clone().unwrap_or_default();
            let data = cmd.payload.clone().unwrap_or(Value::Null).to_string();
            let mut draft = system_draft(&who, if cmd.command == "menu" { "menu" } else { "message" }, text, data, Reply::Rest(slot));
            draft.author = if cmd.command == "menu" { (who.kind.clone(), Some(who.id.clone()), who.name.clone()) } else { ("bot".into(), None, Some("Bot".into())) };
            self.commit(vec![draft], Vec::new()).await;
            return;
        }
        if cmd.command == "queue_position" {
            let position = cmd.position.unwrap_or(0);
            if status != Status::Queued || position < 1 {
                return fail("invalid_transition", "only queued conversations have a position");
            }
            let data = json!({ "position": position, "department_id": row.department_id }).to_string();
            let draft = system_draft(&who, "queue", format!("You are number {position} in the queue"), data, Reply::Rest(slot));
            self.commit(vec![draft], Vec::new()).await;
            return;
        }
        let operator = || cmd.operator_id.clone().unwrap_or_default();
        let command = match cmd.command.as_str() {
            "handoff" => Command::Handoff { department: cmd.department_id.clone().or(row.department_id.clone()).unwrap_or_default() },
            "auto_assign" => Command::AutoAssign { operator: operator() },
            "takeover" => Command::Takeover { operator: operator() },
            "assign" => Command::Assign { operator: operator() },
            "transfer" => match (&cmd.operator_id, &cmd.department_id) {
                (Some(op), _) => Command::Transfer { to: Target::Operator(op.clone()) },
                (None, Some(d)) => Command::Transfer { to: Target::Department(d.clone()) },
                (None, None) => return fail("bad_request", "transfer needs an operator or a department"),
            },
            "close" => Command::Close,
            "reopen" => Command::Reopen,
            "release" => Command::Release,
            _ => return fail("bad_request", "unknown command"),
        };
        let t = match transition(&state, &command) {
            Ok(t) => t,
            Err(e) => return fail("invalid_transition", &e.to_string()),
        };
        let data = json!({
            "status": t.state.status.as_str(),
            "from": t.from.as_str(),
            "assignee_id": t.state.assignee,
            "assignee_name": if t.state.assignee.is_some() { cmd.operator_name.clone() } else { None },
            "department_id": t.state.department,
            "department_name": cmd.department_name,
            "previous_assignee_id": row.assignee_id,
            "by": by,
        })
        .to_string();
        let text = command_text(t.kind, &cmd, t.state.status);
        let keep_place = matches!(command, Command::Release);
        let mut extra = Vec::new();
        match store.apply_transition_statement(&row.id, t.state.status.as_str(), t.state.assignee.as_deref(), t.state.department.as_deref(), keep_place, now) {
            Ok(s) => extra.push(s),
            Err(_) => return fail("store_unavailable", "the database is unavailable"),
        }
        if let (Some(op), Status::Active) = (&t.state.assignee, t.state.status) {
            if let Ok(s) = store.mark_assigned_statement(op, now) {
                extra.push(s);
            }
        }
        let draft = system_draft(&who, t.kind, text, data, Reply::Rest(slot));
        let stored = self.commit(vec![draft], extra).await;
        // Anything that frees a seat or fills the queue makes the router look again.
        if stored && matches!(t.state.status, Status::Queued | Status::Closed) || stored && matches!(command, Command::Transfer { .. }) {
            self.notify_inbox(&who.tenant_id, true);
        }
    }

    /// Answers a visitor message with the bot, if the conversation is still the bot's (the state machine
    /// decides: once queued or active, the bot is silent).
    async fn bot_turn(&self, who: Identity, question: String) {
        let Ok(store) = Store::open(&self.env) else { return };
        let Ok(Some(row)) = store.conversation_in_tenant(&who.tenant_id, &who.conversation_id).await else { return };
        if !Status::parse(&row.status).is_ok_and(Status::bot_may_reply) {
            return;
        }
        let locale = row.locale.unwrap_or_else(|| "en".into());
        let Ok(Some((text, data))) = super::bot::reply(&store, &who.tenant_id, &locale, &question).await else { return };
        let mut draft = system_draft(&who, "message", text, data.to_string(), Reply::Nobody);
        draft.author = ("bot".into(), None, Some("Bot".into()));
        draft.preview = draft.text.as_deref().and_then(|t| MessageText::parse(t).ok()).map(|t| t.preview());
        self.commit(vec![draft], Vec::new()).await;
    }

    /// Tells the tenant's inbox that its feed moved (and whether to run the router), without waiting.
    fn notify_inbox(&self, tenant_id: &str, drain: bool) {
        let Ok(namespace) = self.env.durable_object("INBOX") else { return };
        let Ok(stub) = namespace.id_from_name(tenant_id).and_then(|id| id.get_stub()) else { return };
        let body = json!({ "tenant_id": tenant_id, "drain": drain }).to_string();
        let mut init = worker::RequestInit::new();
        init.with_method(worker::Method::Post).with_body(Some(body.into()));
        let Ok(req) = Request::new_with_init("https://inbox/changed", &init) else { return };
        self.state.wait_until(async move {
            let _ = stub.fetch_with_request(req).await;
        });
    }

    /// Sends `hello` (on connect), replays what the socket missed, then lets live events through.
    async fn join(&self, ws: WebSocket, after_seq: Option<i64>, hello: bool) {
        let Some(meta) = self.meta_of(&ws) else { return };
        let store = match Store::open(&self.env) {
            Ok(s) => s,
            Err(_) => return,
        };
        let conversation_id = meta.who.conversation_id.clone();
        let last_seq = match store.last_seq(&conversation_id).await {
            Ok(n) => n,
            Err(e) => {
                worker::console_error!("room join failed: {e:?}");
                let _ = ws.send_with_str(error_frame("store_unavailable", "history is unavailable; reconnect", None));
                let _ = ws.close(Some(1011), Some("store unavailable"));
                return;
            }
        };
        self.inner.borrow_mut().last_seq = Some(last_seq);
        if hello {
            let peers = self.snapshot_peers();
            let visitor_online = peers.iter().any(|p| p.1.who.kind == "visitor");
            // Monitors are not participants: they do not appear in presence.
            let mut operators: Vec<Value> = peers.iter().filter(|p| p.1.who.kind == "operator").map(|p| p.1.who.author()).collect();
            operators.dedup();
            let frame = json!({
                "type": "hello",
                "conversation": { "id": conversation_id },
                "last_seq": last_seq,
                "you": meta.who.author(),
                "presence": { "visitor_online": visitor_online, "operators": operators },
                "limits": { "frame_bytes": super::protocol::MAX_FRAME_BYTES, "text_chars": crate::domain::message::TEXT_MAX_CHARS },
            });
            let _ = ws.send_with_str(frame.to_string());
        }
        if let Some(mut after) = after_seq {
            let include_private = meta.who.sees_private();
            while after < last_seq {
                let rows = match store.events_after(&conversation_id, after, REPLAY_PAGE, include_private).await {
                    Ok(r) => r,
                    Err(_) => {
                        let _ = ws.send_with_str(error_frame("store_unavailable", "history is unavailable; reconnect", None));
                        let _ = ws.close(Some(1011), Some("store unavailable"));
                        return;
                    }
                };
                let Some(last) = rows.last().map(|r| r.seq) else { break };
                let secret = self.files_secret();
                for row in rows.iter().filter(|r| r.seq <= last_seq) {
                    let mut event = row.to_json();
                    if let Some(secret) = &secret {
                        sign_attachment(&mut event, secret, now_ms() / 1000);
                    }
                    let _ = ws.send_with_str(event_frame(&event));
                }
                after = last;
            }
        }
        let first_of_person = !self.snapshot_peers().iter().any(|p| p.1.sid != meta.sid && p.1.who.same_person(&meta.who));
        self.set_ready(&ws, true);
        if hello && first_of_person && meta.who.participates() {
            self.broadcast_presence(&meta, true);
        }
    }

    async fn read(&self, ws: WebSocket, meta: SocketMeta, seq: i64) {
        let reader = format!("{}:{}", meta.who.kind, meta.who.id);
        let (last_read, last_seq) = {
            let inner = self.inner.borrow();
            (inner.last_read.get(&reader).copied().unwrap_or(0), inner.last_seq)
        };
        let last_seq = match last_seq {
            Some(n) => n,
            None => match Store::open(&self.env) {
                Ok(store) => store.last_seq(&meta.who.conversation_id).await.unwrap_or(0),
                Err(_) => 0,
            },
        };
        if seq > last_seq {
            let _ = ws.send_with_str(error_frame("invalid_frame", "read: seq is beyond the last event", None));
            return;
        }
        if seq <= last_read {
            return;
        }
        self.inner.borrow_mut().last_read.insert(reader.clone(), seq);
        let data = json!({ "seq": seq }).to_string();
        let draft = Draft {
            hash: content_hash("read", &meta.who.kind, &meta.who.id, &data),
            // One read event per reader and seq, however often it is sent.
            client_msg_id: format!("read:{reader}:{seq}"),
            author: (meta.who.kind.clone(), Some(meta.who.id.clone()), meta.who.name.clone()),
            private: false,
            who: meta.who,
            kind: "read",
            text: None,
            data: Some(data),
            preview: None,
            reply: Reply::Socket { ws, sid: meta.sid },
        };
        self.enqueue(Op::Send(draft)).await;
    }

    fn broadcast_typing(&self, meta: &SocketMeta, on: bool) {
        let frame = json!({ "type": "typing", "author": meta.who.author(), "on": on, "expires_in_ms": TYPING_TTL_MS }).to_string();
        for p in self.snapshot_peers().iter().filter(|p| p.1.ready && !p.1.who.same_person(&meta.who)) {
            let _ = p.0.send_with_str(&frame);
        }
    }

    fn broadcast_presence(&self, meta: &SocketMeta, online: bool) {
        let frame = json!({ "type": "presence", "author": meta.who.author(), "online": online }).to_string();
        for p in self.snapshot_peers().iter().filter(|p| p.1.ready && !p.1.who.same_person(&meta.who)) {
            let _ = p.0.send_with_str(&frame);
        }
    }

    fn drop_peer(&self, ws: &WebSocket) {
        let Some(meta) = self.meta_of(ws) else { return };
        self.peers_mut(|peers| peers.retain(|p| p.ws != *ws));
        self.inner.borrow_mut().buckets.remove(&meta.sid);
        let still_here = self.snapshot_peers().iter().any(|p| p.1.who.same_person(&meta.who));
        if !still_here && meta.who.participates() {
            self.broadcast_typing(&meta, false);
            self.broadcast_presence(&meta, false);
        }
    }

    /// Runs `f` on the peer list, first rebuilding it from the runtime after a wake-up.
    fn peers_mut<T>(&self, f: impl FnOnce(&mut Vec<Peer>) -> T) -> T {
        let needs_load = self.inner.borrow().peers.is_none();
        if needs_load {
            let peers: Vec<Peer> = self
                .state
                .get_websockets()
                .into_iter()
                .filter_map(|ws| ws.deserialize_attachment::<String>().ok().flatten().and_then(|t| SocketMeta::decode(&t)).map(|meta| Peer { ws, meta }))
                .collect();
            self.inner.borrow_mut().peers = Some(peers);
        }
        let mut inner = self.inner.borrow_mut();
        f(inner.peers.get_or_insert_with(Vec::new))
    }

    fn snapshot_peers(&self) -> Vec<(WebSocket, SocketMeta)> {
        self.peers_mut(|peers| peers.iter().map(|p| (p.ws.clone(), p.meta.clone())).collect())
    }

    fn meta_of(&self, ws: &WebSocket) -> Option<SocketMeta> {
        self.peers_mut(|peers| peers.iter().find(|p| p.ws == *ws).map(|p| p.meta.clone()))
    }

    fn set_ready(&self, ws: &WebSocket, ready: bool) {
        let meta = self.peers_mut(|peers| {
            peers.iter_mut().find(|p| p.ws == *ws).map(|p| {
                p.meta.ready = ready;
                p.meta.clone()
            })
        });
        if let Some(meta) = meta {
            let _ = ws.serialize_attachment(meta.encode());
        }
    }

    /// Whether an operator's socket still speaks for them: the account is active and its token
    /// version is the one the socket opened with (a password change or deactivation bumps it).
    async fn operator_still_valid(&self, who: &Identity) -> bool {
        let Ok(store) = Store::open(&self.env) else { return false };
        match store.operator_in_tenant(&who.tenant_id, &who.id).await {
            Ok(Some(op)) => op.active == 1 && Some(op.token_version) == who.ver,
            Ok(None) => false,
            Err(_) => true,
        }
    }

    /// The key that signs attachment URLs (none configured: events go out without URLs).
    fn files_secret(&self) -> Option<Vec<u8>> {
        let s = self.env.secret("FILES_SECRET").map(|s| s.to_string()).or_else(|_| self.env.var("FILES_SECRET").map(|v| v.to_string())).ok()?;
        (s.len() >= 32).then(|| s.into_bytes())
    }

    /// Per-socket token bucket; rates come from ROOM_RATE_PER_SEC and ROOM_RATE_BURST.
    fn take_token(&self, sid: &str) -> bool {
        let setting = |name: &str, default: u32| self.env.var(name).ok().and_then(|v| v.to_string().parse::<u32>().ok()).unwrap_or(default) as f64;
        let (rate, burst) = (setting("ROOM_RATE_PER_SEC", 10), setting("ROOM_RATE_BURST", 30));
        let now = worker::Date::now().as_millis() as f64;
        let mut inner = self.inner.borrow_mut();
        let bucket = inner.buckets.slot(sid.to_string(), || Bucket { tokens: burst, at_ms: now });
        bucket.tokens = (bucket.tokens + (now - bucket.at_ms) / 1000.0 * rate).min(burst);
        bucket.at_ms = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The REST answer to a send: 201 stored now, 200 stored before (same id and content), 409 conflict.
fn sent_response(result: std::result::Result<(Value, bool), FrameError>) -> Result<Response> {
    match result {
        Ok((event, duplicate)) => json_response(if duplicate { 200 } else { 201 }, &json!({ "event": event, "duplicate": duplicate })),
        Err(e) => json_response(if e.code == "client_msg_id_conflict" { 409 } else { 503 }, &json!({"error": {"code": e.code, "message": e.message}})),
    }
}

fn reply_ok(reply: Reply, client_msg_id: &str, event: &Value, duplicate: bool) {
    match reply {
        Reply::Nobody => {}
        Reply::Socket { ws, .. } => {
            let _ = ws.send_with_str(ack_frame(client_msg_id, event, duplicate));
        }
        Reply::Rest(slot) => slot.fill(Ok((event.clone(), duplicate))),
    }
}

fn reply_error(reply: Reply, code: &'static str, message: &str, client_msg_id: Option<&str>) {
    match reply {
        Reply::Nobody => worker::console_error!("room: {code}: {message}"),
        Reply::Socket { ws, .. } => {
            let _ = ws.send_with_str(error_frame(code, message, client_msg_id));
        }
        Reply::Rest(slot) => slot.fill(Err(FrameError { code, message: message.to_string() })),
    }
}

fn fail_all(drafts: Vec<Draft>, code: &'static str) -> bool {
    for d in drafts {
        reply_error(d.reply, code, "the message could not be stored; it was not delivered, please retry", Some(&d.client_msg_id));
    }
    false
}

/// A state-change event: authored by `system`, with who did it in `data.by`.
fn system_draft(who: &Identity, kind: &'static str, text: String, data: String, reply: Reply) -> Draft {
    let client_msg_id = crate::crypto::new_uuid().map(|u| format!("sys:{u}")).unwrap_or_else(|_| format!("sys:{kind}:{}", now_ms()));
    Draft {
        who: who.clone(),
        author: ("system".into(), None, None),
        private: false,
        kind,
        hash: content_hash(kind, "system", "", &data),
        client_msg_id,
        text: Some(text),
        data: Some(data),
        preview: None,
        reply,
    }
}
