//! `ConversationRoom`: one Durable Object per conversation (`id_from_name(conversation_id)`), the
//! conversation's owner. It runs every command on it (`wire::RoomCommand`) against its own storage
//! (`room_db`), acknowledges and broadcasts only what is committed there, and lets D1 follow behind
//! (`follower`). It holds the conversation's hibernating sockets, typing and presence.

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, Storage, WebSocket, WebSocketIncomingMessage,
    WebSocketPair, WebSocketRequestResponsePair,
};

use super::follower::{Follower, BACKSTOP_MS};
use super::protocol::{ack_frame, error_frame, event_frame, parse_client_frame, sign_attachment, ClientFrame, PING, PONG, SUBPROTOCOL, TYPING_TTL_MS};
use super::room_db::{Conversation, NewConversation, NewEvent, NewState, RoomDb};
use super::sockets::SocketSet;
use super::wire::{
    Attach, Caller, Handoff, InboxCommand, MailKind, Notice, Party, RoomCommand, RoomError, RoomErrorKind, RoomOutcome, RoomReport, RoomRequest, SendMessage, Start,
    StateChange, VisitorInfo, TRANSCRIPT_MAILS_MAX,
};
use super::{minute_ms, now_ms, RateLimiter};
use crate::domain::bot::bot_texts;
use crate::domain::conversation::{authorize, transition, Command, ConversationState, Status};
use crate::domain::message::{content_hash, ClientMsgId, MessageText, SendOutcome};
use crate::domain::pace::Pacer;
use crate::domain::category::{classify, CategoryRule};
use crate::domain::summary::{Said, Summary};
use crate::domain::widget::{AutoClose, WidgetSettings};
use crate::store::events::EventRow;
use crate::store::Store;

/// Header through which the Worker tells the room who a socket is from (it already authenticated them).
pub const IDENTITY_HEADER: &str = "x-edgechat-identity";
const HISTORY_MAX: i64 = 500;
/// At most one report to the inbox per this interval under load (none waits when quiet).
const INBOX_PACE_MS: i64 = 50;
/// At most one D1 batch per this interval under load.
const D1_PACE_MS: i64 = 100;
/// Close code for sockets of a conversation that was deleted.
const CLOSE_DELETED: u16 = 4404;

/// What each socket carries in its attachment, so it survives hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SocketMeta {
    sid: String,
    caller: Caller,
    /// False while the socket's replay is not done; live events are not sent before that.
    ready: bool,
}

#[durable_object]
pub struct ConversationRoom {
    room: Rc<Room>,
}

pub struct Room {
    state: State,
    env: Env,
    storage: Storage,
    db: RoomDb,
    sockets: SocketSet<SocketMeta>,
    follower: Follower,
    limiter: RateLimiter,
    /// Paces reports to the inbox and batches to D1 (see `domain::pace`).
    inbox_pace: RefCell<Pacer>,
    d1_pace: RefCell<Pacer>,
    files_secret: Option<Vec<u8>>,
    /// While the bot types its reply: a socket joining then (the visitor's first message starts the
    /// conversation before their socket exists) is told so after its replay.
    bot_typing: std::cell::Cell<bool>,
    /// The tenant's auto-close times, and when they were read (re-read after `SETTINGS_TTL_MS`).
    auto_close: RefCell<Option<(AutoClose, i64)>>,
    /// The tenant's category rules, and when they were read (likewise).
    categories: RefCell<Option<(Vec<CategoryRule>, i64)>>,
}

const SETTINGS_TTL_MS: i64 = 60_000;
/// How many of the visitor's first messages a wrap-up reads (category keywords, summary).
const VISITOR_MESSAGES_READ: i64 = 200;

fn json_response(status: u16, body: &Value) -> Result<Response> {
    let mut r = Response::ok(body.to_string())?.with_status(status);
    r.headers_mut().set("content-type", "application/json; charset=utf-8")?;
    Ok(r)
}

fn error_response(e: &RoomError) -> Result<Response> {
    json_response(e.kind.status(), &json!({ "error": e }))
}

fn storage_error(e: worker::Error) -> RoomError {
    worker::console_error!("room storage: {e:?}");
    RoomError::unavailable("the conversation's storage is unavailable; please retry")
}

impl DurableObject for ConversationRoom {
    fn new(state: State, env: Env) -> Self {
        let storage = state.storage();
        let db = RoomDb::open(storage.sql());
        let limiter = RateLimiter::from_env(&env);
        let files_secret = env.secret("FILES_SECRET").map(|s| s.to_string()).or_else(|_| env.var("FILES_SECRET").map(|v| v.to_string())).ok().filter(|s| s.len() >= 32).map(String::into_bytes);
        ConversationRoom {
            room: Rc::new(Room {
                storage,
                db,
                state,
                env,
                sockets: SocketSet::default(),
                follower: Follower::default(),
                limiter,
                inbox_pace: RefCell::new(Pacer::new(INBOX_PACE_MS)),
                d1_pace: RefCell::new(Pacer::new(D1_PACE_MS)),
                files_secret,
                bot_typing: std::cell::Cell::new(false),
                auto_close: RefCell::new(None),
                categories: RefCell::new(None),
            }),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let target = crate::domain::target::Target::parse(&req.inner().url());
        match target.path.as_str() {
            "/run" => {
                let text = req.text().await.unwrap_or_default();
                let request: RoomRequest = match serde_json::from_str(&text) {
                    Ok(r) => r,
                    Err(e) => return error_response(&RoomError::new(RoomErrorKind::Invalid, format!("malformed room request: {e}"))),
                };
                match self.room.run(request.caller, request.command).await {
                    Ok(outcome) => json_response(200, &serde_json::to_value(outcome).unwrap_or(Value::Null)),
                    Err(e) => error_response(&e),
                }
            }
            "/connect" => {
                let caller = req.headers().get(IDENTITY_HEADER)?.and_then(|h| serde_json::from_str::<Caller>(&h).ok());
                let Some(caller) = caller else {
                    return error_response(&RoomError::new(RoomErrorKind::Invalid, "missing identity"));
                };
                let after_seq = target.get("after_seq").and_then(|v| v.parse::<i64>().ok()).filter(|n| *n >= 0);
                self.room.connect(caller, after_seq).await
            }
            "/follow" => json_response(200, &self.room.follower.status(&self.room.db)),
            _ => error_response(&RoomError::new(RoomErrorKind::NotFound, "no such room endpoint")),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        self.room.frame(ws, message).await;
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, _code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.room.drop_socket(&ws);
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.room.drop_socket(&ws);
        Ok(())
    }

    /// Retries D1 and the inbox (and is the backstop when the room died before doing either); closes
    /// the conversation when it has been idle as long as its tenant allows.
    async fn alarm(&self) -> Result<Response> {
        self.room.follower.alarm_fired();
        self.room.clone().tell_inbox().await;
        self.room.clone().flush().await;
        if let Ok(Some(c)) = self.room.db.conversation() {
            if c.dirty() || c.untold() {
                self.room.follower.ensure_alarm(&self.room.storage, now_ms() + BACKSTOP_MS);
            }
        }
        self.room.clone().close_if_idle().await;
        Response::empty()
    }
}

/// The two followers of a room's commits.
#[derive(Clone, Copy)]
enum Follow {
    Inbox,
    D1,
}

/// What a committed command leaves to do: who to tell, and whether the bot answers.
#[derive(Default)]
struct Committed {
    events: Vec<EventRow>,
    /// Something D1 must follow changed, even without a new event (a new conversation, a read marker).
    changed: bool,
    /// A visitor message for the bot to answer: its seq and text.
    bot_question: Option<(i64, String)>,
    /// A handoff or a close (`handoff`, `close`): the category rules and the summary follow, after
    /// the answer.
    wrap_up: Option<&'static str>,
}

impl Room {
    /// Runs one command for an authenticated caller.
    async fn run(self: &Rc<Self>, caller: Caller, command: RoomCommand) -> std::result::Result<RoomOutcome, RoomError> {
        if let RoomCommand::Start(start) = command {
            return self.start(&caller, start);
        }
        let conversation = self.load(&caller).await?;
        match command {
            RoomCommand::Get => Ok(RoomOutcome { conversation: Some(conversation.snapshot()), ..Default::default() }),
            RoomCommand::History { after_seq, limit } => {
                let limit = limit.clamp(1, HISTORY_MAX);
                let rows = self.db.events_after(after_seq.max(0), limit, caller.party.sees_private()).map_err(storage_error)?;
                let next_after_seq = if rows.len() as i64 == limit { rows.last().map(|r| r.seq) } else { None };
                Ok(RoomOutcome { events: rows.iter().map(EventRow::to_json).collect(), next_after_seq, conversation: Some(conversation.snapshot()), ..Default::default() })
            }
            RoomCommand::Delete => self.delete(&caller).await,
            RoomCommand::EndVisitorSessions { key_id } => {
                if !matches!(caller.party, Party::Router) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the inbox ends visitor sessions"));
                }
                for (ws, meta) in self.sockets.all(&self.state) {
                    let Party::Visitor { key_id: through, verified, .. } = &meta.caller.party else { continue };
                    let (code, message) = match &key_id {
                        Some(revoked) if through.as_ref() == Some(revoked) => ("key_revoked", "this site's chat key was revoked"),
                        None if !verified => ("verification_required", "this site now only talks to signed-in users"),
                        _ => continue,
                    };
                    let _ = ws.send_with_str(error_frame(code, message, None));
                    let _ = ws.close(Some(4003), Some(code));
                    self.drop_socket(&ws);
                }
                Ok(RoomOutcome::default())
            }
            other => {
                let mut done = Committed::default();
                if let Party::Visitor { name, email, verified, .. } = &caller.party {
                    let seen = VisitorInfo { name: name.clone(), email: email.clone(), verified: *verified };
                    done.changed |= self.db.note_visitor(&seen, now_ms()).unwrap_or(false);
                }
                let outcome = self.apply(&caller, &conversation, other, &mut done)?;
                self.publish(done, None);
                Ok(outcome)
            }
        }
    }

    /// The room's conversation, checked against the caller: another tenant's or another visitor's
    /// conversation does not exist for them. One that so far lived only in D1 is adopted.
    async fn load(&self, caller: &Caller) -> std::result::Result<Conversation, RoomError> {
        let conversation = match self.db.conversation().map_err(storage_error)? {
            Some(c) => c,
            None => self.adopt(caller).await?,
        };
        let visitor_ok = match &caller.party {
            Party::Visitor { id, .. } => *id == conversation.visitor_id,
            _ => true,
        };
        if conversation.tenant_id != caller.tenant_id || conversation.id != caller.conversation_id || !visitor_ok {
            return Err(RoomError::not_found());
        }
        Ok(conversation)
    }

    async fn adopt(&self, caller: &Caller) -> std::result::Result<Conversation, RoomError> {
        let store = Store::open(&self.env).map_err(storage_error)?;
        let unavailable = |_| RoomError::unavailable("the conversation could not be loaded; please retry");
        let row = store.tenant(&caller.tenant_id).conversation(&caller.conversation_id).await.map_err(unavailable)?.ok_or_else(RoomError::not_found)?;
        let mut events = Vec::new();
        loop {
            let after = events.last().map(|e: &EventRow| e.seq).unwrap_or(0);
            let page = store.tenant(&row.tenant_id).events_after(&row.id, after, HISTORY_MAX, true).await.map_err(unavailable)?;
            let full = page.len() as i64 == HISTORY_MAX;
            events.extend(page);
            if !full {
                break;
            }
        }
        // Another request may have adopted it while this one read D1.
        if let Some(c) = self.db.conversation().map_err(storage_error)? {
            return Ok(c);
        }
        self.db.adopt(&row, &events).map_err(storage_error)?;
        self.db.conversation().map_err(storage_error)?.ok_or_else(RoomError::not_found)
    }

    /// Starts the conversation with everything it begins with, in one commit. Called again (a retry
    /// of the same `client_request_id`), it changes nothing and answers the same conversation.
    fn start(self: &Rc<Self>, caller: &Caller, start: Start) -> std::result::Result<RoomOutcome, RoomError> {
        let Party::Visitor { id: visitor_id, name, email, verified, .. } = &caller.party else {
            return Err(RoomError::new(RoomErrorKind::Forbidden, "only visitors start conversations"));
        };
        let visitor = VisitorInfo { name: name.clone(), email: email.clone(), verified: *verified };
        let mut done = Committed::default();
        let existing = self.db.conversation().map_err(storage_error)?;
        let created = existing.is_none();
        let conversation = match existing {
            Some(c) if c.tenant_id == caller.tenant_id && c.visitor_id == *visitor_id => c,
            Some(_) => return Err(RoomError::not_found()),
            None => {
                let now = now_ms();
                let menu_path = start.menu.as_ref().map(|m| m.steps.to_string());
                self.db
                    .create(&NewConversation {
                        id: &caller.conversation_id,
                        tenant_id: &caller.tenant_id,
                        visitor_id,
                        visitor: &visitor,
                        status: Status::Bot.as_str(),
                        locale: Some(&start.locale),
                        menu_path: menu_path.as_deref(),
                        after_close: start.after_close.as_deref(),
                        now,
                    })
                    .map_err(storage_error)?;
                done.changed = true;
                let conversation = self.db.conversation().map_err(storage_error)?.ok_or_else(RoomError::not_found)?;
                if let Some(previous) = &start.previous_conversation_id {
                    // A visitor coming back after a close: the operator sees where they left off.
                    let data = json!({ "previous_conversation_id": previous }).to_string();
                    self.system_event("continued", "Continues an earlier conversation", &data, &caller.party, now, &mut done)?;
                }
                if let Some(menu) = &start.menu {
                    // The path the visitor took is the conversation's first event, so the operator sees it.
                    let data = json!({ "steps": menu.steps }).to_string();
                    let (kind, id, name) = caller.party.author();
                    let event = NewEvent {
                        kind: "menu",
                        author: (kind, id, name),
                        client_msg_id: "start:menu",
                        text: Some(&menu.text),
                        data: Some(&data),
                        content_hash: &content_hash("menu", kind, id.unwrap_or(""), &data),
                        private: false,
                        preview: None,
                    };
                    let row = self.db.append(&event, now).map_err(storage_error)?.row;
                    done.events.push(row);
                }
                conversation
            }
        };
        let mut outcome = RoomOutcome { created, ..Default::default() };
        if let Some(message) = start.message {
            let current = self.db.conversation().map_err(storage_error)?.unwrap_or(conversation.clone());
            let sent = self.apply(caller, &current, RoomCommand::Send(message), &mut done)?;
            outcome.event = sent.event;
            outcome.duplicate = sent.duplicate;
        }
        if let (true, Some(handoff)) = (created, start.handoff) {
            let current = self.db.conversation().map_err(storage_error)?.unwrap_or(conversation);
            self.apply(caller, &current, RoomCommand::Handoff(handoff), &mut done)?;
        }
        outcome.conversation = self.db.conversation().map_err(storage_error)?.map(|c| c.snapshot());
        self.publish(done, None);
        Ok(outcome)
    }

    /// Decides and commits one command (synchronously: one implicit transaction), collecting the new
    /// events in `done`. Publishing them is the caller's next step.
    fn apply(&self, caller: &Caller, c: &Conversation, command: RoomCommand, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        let party = &caller.party;
        let now = now_ms();
        let snapshot_after = |db: &RoomDb| db.conversation().ok().flatten().map(|c| c.snapshot());
        if let Some(change) = command.state_change(party) {
            let mut outcome = self.change(caller, c, change?, done)?;
            if let RoomCommand::Handoff(Handoff { notice: Some(notice), .. }) = command {
                // Nobody can take it now: the bot says so, in the conversation's language.
                let texts = bot_texts(c.locale.as_deref().unwrap_or("en"));
                let (kind, text, next_open_at) = match notice {
                    Notice::NoOperator => ("no_operator", texts.no_operator, None),
                    Notice::Offline { next_open_at } => ("offline", texts.offline, next_open_at),
                };
                let data = json!({ "notice": kind, "next_open_at": next_open_at, "ask_email": true });
                self.bot_says(text, &data, now, done)?;
                outcome.conversation = snapshot_after(&self.db);
            }
            return Ok(outcome);
        }
        match command {
            RoomCommand::Send(send) => self.send(caller, send, done),
            RoomCommand::Attach(Attach { client_msg_id, caption, attachment }) => {
                if !party.participates() || matches!(party, Party::Router) {
                    return Err(RoomError::new(RoomErrorKind::ReadOnly, "monitoring sockets only watch"));
                }
                let client_msg_id = ClientMsgId::parse(&client_msg_id)?;
                if let Some(caption) = &caption {
                    MessageText::parse(caption).map_err(|e| RoomError::from(e.at("caption")))?;
                }
                self.before_post(caller, client_msg_id.as_str(), false, done)?;
                // Same id, same file (name, size, type) and caption: the same event.
                let fingerprint = format!("{}|{}|{}|{}", attachment["name"], attachment["size"], attachment["kind"], caption.as_deref().unwrap_or(""));
                let (author_kind, author_id, author_name) = party.author();
                let preview = caption.clone().unwrap_or_else(|| format!("📎 {}", attachment["name"].as_str().unwrap_or("file")));
                let data = attachment.to_string();
                let event = NewEvent {
                    kind: "attachment",
                    author: (author_kind, author_id, author_name),
                    client_msg_id: client_msg_id.as_str(),
                    text: caption.as_deref(),
                    data: Some(&data),
                    content_hash: &content_hash("attachment", author_kind, author_id.unwrap_or(""), &fingerprint),
                    private: false,
                    preview: Some(&preview),
                };
                self.append(event, now, done)
            }
            RoomCommand::Contact { email } => {
                if !matches!(party, Party::Visitor { .. }) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only visitors leave a contact address"));
                }
                let texts = bot_texts(c.locale.as_deref().unwrap_or("en"));
                let known = VisitorInfo { name: c.visitor_name.clone(), email: Some(email.clone()), verified: c.visitor_verified == 1 };
                self.db.note_visitor(&known, now).map_err(storage_error)?;
                self.bot_says(&texts.email_thanks.replace("{email}", &email), &json!({ "contact": email }), now, done)
            }
            RoomCommand::QuickReply { client_msg_id, faq_id, question, answer } => {
                if !matches!(party, Party::Visitor { .. }) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only visitors choose quick replies"));
                }
                let client_msg_id = ClientMsgId::parse(&client_msg_id)?;
                if let Some(row) = self.db.event_by_client_msg_id(client_msg_id.as_str()).map_err(storage_error)? {
                    // A retry: the choice and its answer were stored together the first time.
                    return Ok(RoomOutcome { event: Some(row.to_json()), duplicate: true, ..Default::default() });
                }
                if c.status != Status::Bot.as_str() {
                    return Err(RoomError::new(RoomErrorKind::InvalidTransition, "quick replies are answered while the bot has the conversation"));
                }
                let data = json!({ "quick_reply": faq_id }).to_string();
                let (kind, id, name) = party.author();
                let preview = MessageText::parse(&question).ok().map(|t| t.preview());
                let chosen = NewEvent {
                    kind: "message",
                    author: (kind, id, name),
                    client_msg_id: client_msg_id.as_str(),
                    text: Some(&question),
                    data: Some(&data),
                    content_hash: &content_hash("message", kind, id.unwrap_or(""), &question),
                    private: false,
                    preview: preview.as_deref(),
                };
                let outcome = self.append(chosen, now, done)?;
                // Like a typed question's answer: a person asked for right after it records a miss.
                let seq = outcome.event.as_ref().and_then(|e| e["seq"].as_i64());
                let data = json!({ "faq_id": faq_id, "quick_reply": true, "question_seq": seq, "asked": question, "locale": c.locale });
                self.bot_says(&answer, &data, now, done)?;
                Ok(outcome)
            }
            RoomCommand::Rate(rating) => {
                if !matches!(party, Party::Visitor { .. }) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the visitor rates a conversation"));
                }
                if c.rating.is_some() {
                    return Err(RoomError::new(RoomErrorKind::AlreadyRated, "this conversation was rated already"));
                }
                if c.status != Status::Closed.as_str() {
                    return Err(RoomError::new(RoomErrorKind::InvalidTransition, "a conversation is rated once it is closed"));
                }
                self.db.rate(rating.score, rating.comment.as_deref(), now).map_err(storage_error)?;
                // Who and what the rating is about, as it was when the conversation closed (reports
                // count it per operator and department).
                let data = json!({ "score": rating.score, "comment": rating.comment, "assignee_id": c.assignee_id, "department_id": c.department_id }).to_string();
                let (kind, id, name) = party.author();
                let event = NewEvent {
                    kind: "rating",
                    author: (kind, id, name),
                    client_msg_id: "rating",
                    text: rating.comment.as_deref(),
                    data: Some(&data),
                    content_hash: &content_hash("rating", kind, id.unwrap_or(""), &data),
                    private: false,
                    preview: None,
                };
                let mut outcome = self.append(event, now, done)?;
                outcome.conversation = snapshot_after(&self.db);
                Ok(outcome)
            }
            RoomCommand::Page { view, device } => {
                if !matches!(party, Party::Visitor { .. }) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the visitor's widget reports pages"));
                }
                if let Some(last) = self.db.last_event_of("page").map_err(storage_error)? {
                    let same = last.data.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()).is_some_and(|d| d["url"] == view.url.as_str());
                    if same {
                        return Ok(RoomOutcome { event: Some(last.to_json()), duplicate: true, ..Default::default() });
                    }
                }
                let mut data = json!(view);
                data["browser"] = json!(device.browser);
                data["os"] = json!(device.os);
                data["device"] = json!(device.kind);
                self.append_private(party, c, "page", Some(view.title.as_deref().unwrap_or(&view.url)), &data.to_string(), now, done)
            }
            RoomCommand::WrapUp { at } => {
                if !matches!(party, Party::Router) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the room wraps up a handoff or a close"));
                }
                let at = if at == "handoff" { "handoff" } else { "close" };
                // The visitor's messages (which both read) and the last ones, once.
                let (visitor, recent) = self.db.messages_for_summary(VISITOR_MESSAGES_READ, crate::domain::summary::LAST_MESSAGES as i64).map_err(storage_error)?;
                let texts: Vec<&str> = visitor.iter().filter_map(|e| e.text.as_deref()).collect();
                self.classify(&texts, now, done)?;
                self.summarize(at, &texts, &recent, now, done)?;
                Ok(RoomOutcome { conversation: self.db.conversation().ok().flatten().map(|c| c.snapshot()), ..Default::default() })
            }
            RoomCommand::SetCategory { category } => {
                // Like a transfer or a close: an admin, or an agent whose conversation it is (or nobody's).
                let allowed = match party {
                    Party::Operator { manager: true, .. } => true,
                    Party::Operator { id, .. } => c.status != "active" || c.assignee_id.as_deref().is_none_or(|a| a == id),
                    _ => false,
                };
                if !allowed {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the assigned operator or an admin may change the category"));
                }
                if c.category_id.as_deref() == category.as_ref().map(|k| k.id.as_str()) {
                    return Ok(RoomOutcome { duplicate: true, conversation: Some(c.snapshot()), ..Default::default() });
                }
                self.categorize(party, c, category.as_ref().map(|k| (k.id.as_str(), k.name.as_str())), "operator", now, done)
            }
            RoomCommand::Mailed { kind, to, nonce } => {
                if !matches!(party, Party::Visitor { .. }) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the visitor's requests send mail"));
                }
                let nothing = || Ok(RoomOutcome { duplicate: true, ..Default::default() });
                match kind {
                    // The team's copy goes once, and only while the conversation waits for somebody.
                    MailKind::Offline if c.status != "queued" || self.db.count_mail(kind.as_str(), None).map_err(storage_error)? > 0 => return nothing(),
                    MailKind::Transcript if self.db.count_mail(kind.as_str(), None).map_err(storage_error)? >= TRANSCRIPT_MAILS_MAX => {
                        return Err(RoomError::new(RoomErrorKind::TooManyEmails, format!("the transcript was asked for by email {TRANSCRIPT_MAILS_MAX} times already")));
                    }
                    // A confirmation link sends once.
                    MailKind::Confirmed if self.db.count_mail(kind.as_str(), nonce.as_deref()).map_err(storage_error)? > 0 => return nothing(),
                    _ => {}
                }
                let data = json!({ "kind": kind.as_str(), "to": to, "nonce": nonce }).to_string();
                self.append_private(party, c, "mail", None, &data, now, done)
            }
            RoomCommand::QueuePosition { position } => {
                if !matches!(party, Party::Router) {
                    return Err(RoomError::new(RoomErrorKind::Forbidden, "only the router tells queue positions"));
                }
                if c.status != Status::Queued.as_str() || position < 1 {
                    return Err(RoomError::new(RoomErrorKind::InvalidTransition, "only queued conversations have a position"));
                }
                let data = json!({ "position": position, "department_id": c.department_id }).to_string();
                self.system_event("queue", &format!("You are number {position} in the queue"), &data, party, now, done)
            }
            RoomCommand::MarkRead { seq } => {
                if !party.participates() || matches!(party, Party::Router) {
                    return Err(RoomError::new(RoomErrorKind::ReadOnly, "monitoring sockets only watch"));
                }
                if seq < 0 || seq > c.last_seq {
                    return Err(RoomError { kind: RoomErrorKind::Invalid, message: "must be a seq of this conversation".into(), field: Some("seq".into()) });
                }
                done.changed |= self.db.advance_read_marker(&party.person(), seq, now).map_err(storage_error)?;
                Ok(RoomOutcome { conversation: snapshot_after(&self.db), ..Default::default() })
            }
            RoomCommand::Start(_)
            | RoomCommand::History { .. }
            | RoomCommand::Get
            | RoomCommand::Delete
            | RoomCommand::EndVisitorSessions { .. }
            | RoomCommand::Handoff(_)
            | RoomCommand::Takeover
            | RoomCommand::Assign { .. }
            | RoomCommand::AutoAssign { .. }
            | RoomCommand::Transfer { .. }
            | RoomCommand::Close
            | RoomCommand::IdleClose
            | RoomCommand::Reopen
            | RoomCommand::Release => {
                Err(RoomError::new(RoomErrorKind::Invalid, "this command is not applied here"))
            }
        }
    }

    /// What posting does to the conversation first: a visitor writing into a closed conversation
    /// reopens it (or, when its tenant chose so, is told to start a new one: `conversation_closed`);
    /// an operator's public message while the bot has it or it waits in the queue takes it over. A
    /// retry of a message already stored changes nothing (the append answers it as a duplicate).
    /// Costs no query unless the status calls for a change.
    fn before_post(&self, caller: &Caller, client_msg_id: &str, private: bool, done: &mut Committed) -> std::result::Result<(), RoomError> {
        let Some(status) = self.db.status().map_err(storage_error)? else { return Ok(()) };
        let status = Status::parse(&status).map_err(|_| RoomError::unavailable("unknown stored status"))?;
        let command = match (&caller.party, status) {
            (Party::Visitor { .. }, Status::Closed) => RoomCommand::Reopen,
            (Party::Operator { .. }, Status::Bot | Status::Queued) if !private => RoomCommand::Takeover,
            _ => return Ok(()),
        };
        if self.db.event_by_client_msg_id(client_msg_id).map_err(storage_error)?.is_some() {
            return Ok(());
        }
        let c = self.db.conversation().map_err(storage_error)?.ok_or_else(RoomError::not_found)?;
        if command == RoomCommand::Reopen && c.after_close.as_deref() == Some(crate::domain::widget::AFTER_CLOSE_NEW) {
            return Err(RoomError::new(RoomErrorKind::Closed, "this conversation is closed; start a new one"));
        }
        let Some(change) = command.state_change(&caller.party) else { return Ok(()) };
        self.change(caller, &c, change?, done)?;
        Ok(())
    }

    /// A message or private note. Needs nothing of the conversation but what the append answers.
    fn send(&self, caller: &Caller, send: SendMessage, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        let party = &caller.party;
        if !party.participates() || matches!(party, Party::Router) {
            return Err(RoomError::new(RoomErrorKind::ReadOnly, "monitoring sockets only watch"));
        }
        if send.private && !party.sees_private() {
            return Err(RoomError { kind: RoomErrorKind::Invalid, message: "notes are for operators only".into(), field: Some("private".into()) });
        }
        let client_msg_id = ClientMsgId::parse(&send.client_msg_id)?;
        let text = MessageText::parse(&send.text)?;
        self.before_post(caller, client_msg_id.as_str(), send.private, done)?;
        let kind = if send.private { "note" } else { "message" };
        let (author_kind, author_id, author_name) = party.author();
        let preview = (!send.private).then(|| text.preview());
        let event = NewEvent {
            kind,
            author: (author_kind, author_id, author_name),
            client_msg_id: client_msg_id.as_str(),
            text: Some(text.as_str()),
            data: None,
            content_hash: &content_hash(kind, author_kind, author_id.unwrap_or(""), text.as_str()),
            private: send.private,
            preview: preview.as_deref(),
        };
        let (outcome, status) = self.append_with_status(event, now_ms(), done)?;
        if !outcome.duplicate && author_kind == "visitor" && Status::parse(&status).is_ok_and(Status::bot_may_reply) {
            if let Some(seq) = done.events.last().map(|e| e.seq) {
                done.bot_question = Some((seq, text.as_str().to_string()));
            }
        }
        Ok(outcome)
    }

    /// Appends an event, refusing a reused `client_msg_id` with other content.
    /// Puts the conversation in a category (`None`: in none) with a private `category` event saying
    /// who (`by`: `operator` or `rules`).
    fn categorize(&self, party: &Party, c: &Conversation, category: Option<(&str, &str)>, by: &str, now: i64, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        self.db.set_category(category.map(|k| k.0), by, now).map_err(storage_error)?;
        done.changed = true;
        let data = json!({ "category_id": category.map(|k| k.0), "name": category.map(|k| k.1), "by": by }).to_string();
        let mut outcome = self.append_private(party, c, "category", category.map(|k| k.1), &data, now, done)?;
        outcome.conversation = self.db.conversation().ok().flatten().map(|c| c.snapshot());
        Ok(outcome)
    }

    /// At a handoff or a close, a conversation no one has put in a category gets the first one its
    /// tenant's rules give (keywords the visitor wrote, FAQ answers the bot gave).
    /// `texts`: what the visitor wrote.
    fn classify(&self, texts: &[&str], now: i64, done: &mut Committed) -> std::result::Result<(), RoomError> {
        let Some(c) = self.db.conversation().map_err(storage_error)? else { return Ok(()) };
        let rules = match &*self.categories.borrow() {
            Some((rules, _)) if !rules.is_empty() => rules.clone(),
            _ => return Ok(()),
        };
        // An operator's choice (none included) stays; one the rules made stays while it exists.
        let current = c.category_id.as_deref().filter(|id| rules.iter().any(|r| r.id == *id));
        if c.category_by.as_deref() == Some("operator") || current.is_some() {
            return Ok(());
        }
        let answered = self.db.answered_faq_ids().map_err(storage_error)?;
        if let Some(rule) = classify(&rules, texts, &answered) {
            self.categorize(&Party::Router, &c, Some((&rule.id, &rule.name)), "rules", now, done)?;
        }
        Ok(())
    }

    /// The tenant's category rules, read from D1 at most once a minute, before a command that may
    /// classify the conversation (a failed read leaves it unclassified for now).
    async fn load_categories(&self, tenant_id: &str) {
        if self.categories.borrow().as_ref().is_some_and(|(_, at)| now_ms() - at < SETTINGS_TTL_MS) {
            return;
        }
        let Ok(store) = Store::open(&self.env) else { return };
        if let Ok(rows) = store.tenant(tenant_id).categories().await {
            *self.categories.borrow_mut() = Some((rows.iter().map(|r| r.rule()).collect(), now_ms()));
        }
    }

    /// A private event by `party` for operators only (a page view, an email going out), numbered
    /// after the conversation's last event.
    #[allow(clippy::too_many_arguments)]
    fn append_private(&self, party: &Party, c: &Conversation, kind: &'static str, text: Option<&str>, data: &str, now: i64, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        let (author_kind, id, name) = party.author();
        let client_msg_id = format!("{kind}:{}", c.last_seq + 1);
        let event = NewEvent {
            kind,
            author: (author_kind, id, name),
            client_msg_id: &client_msg_id,
            text,
            data: Some(data),
            content_hash: &content_hash(kind, author_kind, id.unwrap_or(""), data),
            private: true,
            preview: None,
        };
        self.append(event, now, done)
    }

    fn append(&self, event: NewEvent<'_>, now: i64, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        self.append_with_status(event, now, done).map(|(outcome, _)| outcome)
    }

    /// `append`, also answering the conversation's status.
    fn append_with_status(&self, event: NewEvent<'_>, now: i64, done: &mut Committed) -> std::result::Result<(RoomOutcome, String), RoomError> {
        let appended = self.db.append(&event, now).map_err(storage_error)?;
        let row = appended.row;
        let outcome = match appended.outcome {
            SendOutcome::Conflict => {
                return Err(RoomError {
                    kind: RoomErrorKind::ClientMsgIdConflict,
                    message: "this client_msg_id was already used for a different message".into(),
                    field: Some("client_msg_id".into()),
                })
            }
            SendOutcome::Duplicate => RoomOutcome { event: Some(row.to_json()), duplicate: true, ..Default::default() },
            SendOutcome::Created => {
                let json = row.to_json();
                done.events.push(row);
                RoomOutcome { event: Some(json), ..Default::default() }
            }
        };
        Ok((outcome, appended.status))
    }

    fn bot_says(&self, text: &str, data: &Value, now: i64, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        let data = data.to_string();
        let id = unique_id("bot");
        let preview = MessageText::parse(text).ok().map(|t| t.preview());
        let event = NewEvent {
            kind: "message",
            author: ("bot", None, Some("Bot")),
            client_msg_id: &id,
            text: Some(text),
            data: Some(&data),
            content_hash: &content_hash("message", "bot", "", text),
            private: false,
            preview: preview.as_deref(),
        };
        self.append(event, now, done)
    }

    /// A state-change event: authored by `system`, with who did it in `data.by`.
    fn system_event(&self, kind: &str, text: &str, data: &str, _by: &Party, now: i64, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        let id = unique_id("sys");
        let event = NewEvent {
            kind,
            author: ("system", None, None),
            client_msg_id: &id,
            text: Some(text),
            data: Some(data),
            content_hash: &content_hash(kind, "system", "", data),
            private: false,
            preview: None,
        };
        self.append(event, now, done)
    }

    /// A state change: authorised for the caller, decided by the state machine, committed with its event.
    fn change(&self, caller: &Caller, c: &Conversation, change: StateChange, done: &mut Committed) -> std::result::Result<RoomOutcome, RoomError> {
        let StateChange { command, operator_name, department_name, reason } = change;
        let status = Status::parse(&c.status).map_err(|_| RoomError::unavailable("unknown stored status"))?;
        let state = ConversationState { status, assignee: c.assignee_id.clone(), department: c.department_id.clone() };
        authorize(caller.party.actor(), &state, &command)?;
        let t = transition(&state, &command)?;
        let now = now_ms();
        self.db
            .set_state(
                &NewState {
                    status: t.state.status.as_str(),
                    assignee_id: t.state.assignee.as_deref(),
                    department_id: t.state.department.as_deref(),
                    keep_place: matches!(command, Command::Release),
                    preferred_id: if command == Command::Reopen { c.assignee_id.as_deref() } else { None },
                },
                now,
            )
            .map_err(storage_error)?;
        let mut data = json!({
            "status": t.state.status.as_str(),
            "from": t.from.as_str(),
            "assignee_id": t.state.assignee,
            "assignee_name": if t.state.assignee.is_some() { operator_name.clone() } else { None },
            "department_id": t.state.department,
            "department_name": department_name,
            "previous_assignee_id": c.assignee_id,
            "by": caller.party.author_json(),
        });
        if let Some(reason) = reason {
            data["reason"] = json!(reason);
        }
        if matches!(command, Command::Handoff { .. }) && matches!(caller.party, Party::Visitor { .. }) {
            if let Some(miss) = self.answer_not_enough().map_err(storage_error)? {
                data["miss"] = miss;
            }
        }
        let data = data.to_string();
        let text = command_text(t.kind, operator_name.as_deref(), department_name.as_deref(), t.state.status);
        let mut outcome = self.system_event(t.kind, &text, &data, &caller.party, now, done)?;
        // For the operator taking over, and what the conversation is remembered by.
        // The category rules (which read D1) and the summary follow the answer (`WrapUp`): neither
        // delays nor can fail the handoff or the close.
        let at = match command {
            Command::Handoff { .. } => Some("handoff"),
            Command::Close => Some("close"),
            _ => None,
        };
        done.wrap_up = at;
        outcome.conversation = self.db.conversation().ok().flatten().map(|c| c.snapshot());
        Ok(outcome)
    }

    /// Appends a private `summary` event (extracted: menu path, first question, order references, last
    /// exchanges), unless the conversation has no message yet.
    /// `texts`: what the visitor wrote; `recent`: the last messages of anyone, in order.
    fn summarize(&self, at: &'static str, texts: &[&str], recent: &[EventRow], now: i64, done: &mut Committed) -> std::result::Result<(), RoomError> {
        if recent.is_empty() {
            return Ok(());
        }
        let menu = self.db.last_event_of("menu").map_err(storage_error)?.and_then(|m| m.text);
        // A file without a caption is its name.
        let files: Vec<Option<String>> = recent.iter().map(|e| e.data.as_deref().and_then(|d| serde_json::from_str::<Value>(d).ok()).and_then(|d| d["name"].as_str().map(|n| format!("📎 {n}")))).collect();
        let said: Vec<Said<'_>> = recent
            .iter()
            .zip(&files)
            .map(|(e, file)| Said { who: e.author_type.as_str(), name: e.author_name.as_deref(), text: e.text.as_deref().filter(|t| !t.is_empty()).or(file.as_deref()).unwrap_or_default() })
            .collect();
        let summary = Summary::extract(at, menu.as_deref(), texts, &said);
        let data = serde_json::to_string(&summary).map_err(|e| RoomError::unavailable(e.to_string()))?;
        let Some(c) = self.db.conversation().map_err(storage_error)? else { return Ok(()) };
        self.append_private(&Party::Router, &c, "summary", Some(&summary.text()), &data, now, done)?;
        Ok(())
    }

    /// After a commit: the backstop alarm (in the same commit), fan-out, D1 behind, the bot's turn.
    /// `acked`: the socket that was just acked an event, and that event's seq (it is not sent there twice).
    fn publish(self: &Rc<Self>, done: Committed, acked: Option<(&str, i64)>) {
        if done.events.is_empty() && !done.changed {
            return;
        }
        self.follower.ensure_alarm(&self.storage, now_ms() + BACKSTOP_MS);
        let peers = self.sockets.all(&self.state);
        let secret = self.files_secret();
        for row in &done.events {
            let mut event = row.to_json();
            if let Some(secret) = &secret {
                sign_attachment(&mut event, secret, now_ms() / 1000);
            }
            let frame = event_frame(&event);
            let acked_here = |sid: &str| acked.is_some_and(|(a, seq)| a == sid && seq == row.seq);
            for (ws, _) in peers.iter().filter(|p| p.1.ready && !acked_here(&p.1.sid) && (row.private == 0 || p.1.caller.party.sees_private())) {
                let _ = ws.send_with_str(&frame);
            }
        }
        self.pace_report();
        self.pace_flush();
        if let Some(question) = done.bot_question {
            let room = self.clone();
            self.state.wait_until(async move { room.bot_turn(question).await });
        }
        let room = self.clone();
        self.state.wait_until(async move { room.schedule_idle_close().await });
        if let Some(at) = done.wrap_up {
            let room = self.clone();
            self.state.wait_until(async move { room.wrap_up(at).await });
        }
    }

    /// After a handoff or a close: the tenant's category rules (read from D1, cached), then a
    /// `WrapUp` command of its own, decided on the conversation as it is then.
    async fn wrap_up(self: Rc<Self>, at: &'static str) {
        let Ok(Some(c)) = self.db.conversation() else { return };
        self.load_categories(&c.tenant_id).await;
        let caller = Caller { tenant_id: c.tenant_id.clone(), conversation_id: c.id.clone(), party: Party::Router };
        if let Err(e) = self.run(caller, RoomCommand::WrapUp { at: at.to_string() }).await {
            worker::console_error!("room {}: no wrap-up after the {at}: {}", c.id, e.message);
        }
    }

    /// The tenant's auto-close times (read from D1 at most once a minute per room); `None` when they
    /// could not be read.
    async fn auto_close(&self, tenant_id: &str) -> Option<AutoClose> {
        if let Some((settings, at)) = *self.auto_close.borrow() {
            if now_ms() - at < SETTINGS_TTL_MS {
                return Some(settings);
            }
        }
        let store = Store::open(&self.env).ok()?;
        let stored = store.tenant(tenant_id).bot_settings().await.ok()?;
        let settings = stored.map(|s| WidgetSettings::from_stored(s.widget_settings.as_deref().unwrap_or("")).auto_close).unwrap_or_default();
        *self.auto_close.borrow_mut() = Some((settings, now_ms()));
        Some(settings)
    }

    /// When this conversation closes if nothing happens first (by the tenant's auto-close times):
    /// `Ok(None)` never, `Err(())` when the times could not be read (try again later).
    async fn idle_close_at(&self) -> std::result::Result<Option<i64>, ()> {
        let Ok(Some(c)) = self.db.conversation() else { return Ok(None) };
        if c.status != "bot" && c.status != "active" {
            return Ok(None);
        }
        let settings = self.auto_close(&c.tenant_id).await.ok_or(())?;
        // Off for this status (the default): no queries on the hot path of every commit.
        let minutes = if c.status == "bot" { settings.bot_minutes } else { settings.visitor_minutes };
        if minutes == 0 {
            return Ok(None);
        }
        let last_event_at = self.db.last_public_event().ok().flatten().map(|e| e.created_at);
        let last_message = self.db.last_message().ok().flatten();
        Ok(settings.due_at(&c.status, last_event_at, last_message.as_ref().map(|e| (e.author_type.as_str(), e.created_at)), minute_ms(&self.env)))
    }

    /// Sets the alarm for the idle close (a minute from now when the tenant's times could not be
    /// read); `Some(at)` when it is due already.
    async fn arm_idle_close(&self) -> Option<i64> {
        match self.idle_close_at().await {
            Ok(Some(at)) if at <= now_ms() => Some(at),
            Ok(Some(at)) => {
                self.follower.ensure_alarm(&self.storage, at);
                None
            }
            Ok(None) => None,
            Err(()) => {
                self.follower.ensure_alarm(&self.storage, now_ms() + SETTINGS_TTL_MS);
                None
            }
        }
    }

    /// After a commit: the alarm that closes the conversation once it has been idle long enough.
    async fn schedule_idle_close(self: Rc<Self>) {
        if let Some(at) = self.arm_idle_close().await {
            self.follower.ensure_alarm(&self.storage, at);
        }
    }

    /// From the alarm: closes the conversation if it is idle now (a `closed` event with `reason:
    /// "idle"`, the visitor then asked for a rating), else sets the alarm for when it will be.
    async fn close_if_idle(self: Rc<Self>) {
        if self.arm_idle_close().await.is_none() {
            return;
        }
        let Ok(Some(c)) = self.db.conversation() else { return };
        let caller = Caller { tenant_id: c.tenant_id.clone(), conversation_id: c.id.clone(), party: Party::Router };
        if let Err(e) = self.run(caller, RoomCommand::IdleClose).await {
            worker::console_error!("room {}: auto-close failed: {}", c.id, e.message);
        }
    }

    /// Schedules a report to the inbox: at once after a quiet spell, else with the changes gathered
    /// until `INBOX_PACE_MS` after the previous one.
    fn pace_report(self: &Rc<Self>) {
        self.pace(Follow::Inbox);
    }

    /// Schedules a D1 batch, paced like the reports (`D1_PACE_MS`).
    fn pace_flush(self: &Rc<Self>) {
        self.pace(Follow::D1);
    }

    fn pace(self: &Rc<Self>, which: Follow) {
        let pacer = match which {
            Follow::Inbox => &self.inbox_pace,
            Follow::D1 => &self.d1_pace,
        };
        let Some(delay) = pacer.borrow_mut().request(now_ms()) else { return };
        let room = self.clone();
        self.state.wait_until(async move {
            if delay > 0 {
                worker::Delay::from(std::time::Duration::from_millis(delay as u64)).await;
            }
            match which {
                Follow::Inbox => {
                    room.inbox_pace.borrow_mut().start(now_ms());
                    room.tell_inbox().await;
                }
                Follow::D1 => {
                    room.d1_pace.borrow_mut().start(now_ms());
                    room.flush().await;
                }
            }
        });
    }

    /// Lets D1 catch up, then has the inbox told how far D1 has come (its lists' cursor depends on it).
    async fn flush(self: Rc<Self>) {
        let Some(flushed) = self.follower.flush(&self.db, &self.env, &self.storage).await else { return };
        if flushed.batches > 0 {
            self.pace_report();
        }
    }

    /// Reports the conversation to its tenant's inbox: its summary, new visitor messages and
    /// operators' read markers. What was told is kept in the room's storage, so a report lost to a
    /// crash or a failure is sent again (by the alarm, at the latest); what changed meanwhile goes in
    /// the next paced report.
    async fn tell_inbox(self: Rc<Self>) {
        const SEQS: i64 = 1000;
        let Ok(Some(c)) = self.db.conversation() else { return };
        if !c.untold() {
            return;
        }
        let seqs = self.db.visitor_message_seqs_after(c.told_seq, SEQS).unwrap_or_default();
        let told_seq = if (seqs.len() as i64) < SEQS { c.last_seq } else { seqs.last().copied().unwrap_or(c.told_seq) };
        let reads = self.db.untold_operator_reads().unwrap_or_default();
        let report = RoomReport {
            conversation: c.snapshot(),
            visitor: c.visitor(),
            version: c.version,
            d1_version: c.flushed_version,
            visitor_message_seqs: seqs,
            operator_reads: reads.iter().filter_map(|r| Some((r.reader.strip_prefix("operator:")?.to_string(), r.seq))).collect(),
            preferred_id: c.preferred_id.clone(),
        };
        match super::client::InboxClient::new(&self.env, &c.tenant_id).run(InboxCommand::Report(report)).await {
            Ok(_) => {
                let _ = self.db.mark_told(c.version, c.flushed_version, told_seq, &reads);
                if self.db.conversation().ok().flatten().is_some_and(|now| now.untold()) {
                    self.pace_report();
                }
            }
            Err(e) => {
                worker::console_error!("room {}: inbox report failed, retrying from the alarm: {}", c.id, e.message);
                self.follower.ensure_alarm(&self.storage, now_ms() + super::follower::backoff_ms(1));
            }
        }
    }

    /// Answers a visitor message with the bot, if the conversation is still the bot's when the answer
    /// is ready (a handoff or takeover in between silences it). The bot "types" for the flow's
    /// `typing_ms` first (the visitor's own message was acked before this runs).
    async fn bot_turn(self: Rc<Self>, (seq, question): (i64, String)) {
        let Ok(Some(c)) = self.db.conversation() else { return };
        let Ok(store) = Store::open(&self.env) else { return };
        let started = now_ms();
        let locale = c.locale.clone().unwrap_or_else(|| "en".into());
        let reply = match crate::service::bot::reply(&store, &self.env, &c.tenant_id, &locale, &question, seq).await {
            Ok(Some(reply)) => reply,
            Ok(None) => return,
            Err(e) => {
                worker::console_error!("bot reply failed: {e:?}");
                return;
            }
        };
        // Typing only once there is an answer to give (a quiet bot never "types").
        self.broadcast_bot_typing(true);
        let waited = now_ms() - started;
        if (reply.typing_ms as i64) > waited {
            worker::Delay::from(std::time::Duration::from_millis((reply.typing_ms as i64 - waited) as u64)).await;
        }
        let still_bot = self.db.conversation().ok().flatten().is_some_and(|now| Status::parse(&now.status).is_ok_and(Status::bot_may_reply));
        if !still_bot {
            self.broadcast_bot_typing(false);
            return;
        }
        self.bot_typing.set(false);
        let mut done = Committed::default();
        if self.bot_says(&reply.text, &reply.data, now_ms(), &mut done).is_ok() {
            self.publish(done, None);
        }
    }

    /// When a visitor asks for a person right after the bot answered from the FAQ, that answer was not
    /// enough: the question is recorded as a miss (`asked_for_person`) on the handoff event.
    fn answer_not_enough(&self) -> crate::realtime::room_db::DbResult<Option<Value>> {
        let Some(last) = self.db.last_public_event()? else { return Ok(None) };
        if last.author_type != "bot" {
            return Ok(None);
        }
        let data: Value = last.data.as_deref().and_then(|d| serde_json::from_str(d).ok()).unwrap_or(Value::Null);
        let (Some(faq_id), Some(seq), Some(question)) = (data["faq_id"].as_str(), data["question_seq"].as_i64(), data["asked"].as_str()) else { return Ok(None) };
        Ok(Some(json!({ "seq": seq, "question": question, "locale": data["locale"], "reason": "asked_for_person", "faq_id": faq_id })))
    }

    /// The bot's typing state, to everyone in the room (a bot message ends it).
    fn broadcast_bot_typing(&self, on: bool) {
        self.bot_typing.set(on);
        for (ws, _) in self.sockets.all(&self.state).iter().filter(|p| p.1.ready) {
            let _ = ws.send_with_str(bot_typing_frame(on));
        }
    }

    async fn delete(&self, caller: &Caller) -> std::result::Result<RoomOutcome, RoomError> {
        if !matches!(caller.party, Party::Operator { manager: true, .. }) {
            return Err(RoomError::new(RoomErrorKind::Forbidden, "only owners and admins delete conversations"));
        }
        self.db.wipe().map_err(storage_error)?;
        for (ws, _) in self.sockets.all(&self.state) {
            let _ = ws.close(Some(CLOSE_DELETED), Some("conversation deleted"));
            self.sockets.remove(&self.state, &ws);
        }
        let _ = self.storage.delete_alarm().await;
        Ok(RoomOutcome::default())
    }

    async fn connect(self: &Rc<Self>, caller: Caller, after_seq: Option<i64>) -> Result<Response> {
        let conversation = match self.load(&caller).await {
            Ok(c) => c,
            Err(e) => return error_response(&e),
        };
        let pair = WebSocketPair::new()?;
        let server = pair.server;
        let tag = caller.party.person();
        self.state.accept_websocket_with_tags(&server, &[tag.as_str()]);
        // Keep-alives are answered by the runtime, so an idle room can hibernate.
        if let Ok(pair) = WebSocketRequestResponsePair::new(PING, PONG) {
            self.state.set_websocket_auto_response(&pair);
        }
        let sid = unique_id("s");
        let first_of_person = !self.sockets.all(&self.state).iter().any(|p| p.1.caller.party.person() == tag);
        self.sockets.add(&self.state, &server, SocketMeta { sid, caller: caller.clone(), ready: false })?;
        self.hello(&server, &caller, &conversation);
        self.replay(&server, &caller, after_seq);
        if self.bot_typing.get() {
            let _ = server.send_with_str(bot_typing_frame(true));
        }
        if first_of_person && caller.party.participates() {
            self.broadcast_presence(&caller.party, true, Some(&server));
        }
        let mut response = ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty();
        response.headers_mut().set("sec-websocket-protocol", SUBPROTOCOL)?;
        Ok(response)
    }

    fn hello(&self, ws: &WebSocket, caller: &Caller, c: &Conversation) {
        let peers = self.sockets.all(&self.state);
        let visitor_online = peers.iter().any(|p| matches!(p.1.caller.party, Party::Visitor { .. }));
        // Monitors are not participants: they do not appear in presence.
        let mut operators: Vec<Value> = peers.iter().filter(|p| matches!(p.1.caller.party, Party::Operator { .. })).map(|p| p.1.caller.party.author_json()).collect();
        operators.dedup();
        let frame = json!({
            "type": "hello",
            "conversation": { "id": c.id, "status": c.status },
            "last_seq": c.last_seq,
            "you": caller.party.author_json(),
            "presence": { "visitor_online": visitor_online, "operators": operators },
            "limits": { "frame_bytes": super::protocol::MAX_FRAME_BYTES, "text_chars": crate::domain::message::TEXT_MAX_CHARS },
        });
        let _ = ws.send_with_str(frame.to_string());
    }

    /// Sends a socket exactly the events after `after_seq` from the room's storage, then lets live
    /// events through. Synchronous, so no live event can slip in between.
    fn replay(&self, ws: &WebSocket, caller: &Caller, after_seq: Option<i64>) {
        if let Some(mut after) = after_seq {
            let secret = self.files_secret();
            loop {
                let rows = match self.db.events_after(after, HISTORY_MAX, caller.party.sees_private()) {
                    Ok(rows) => rows,
                    Err(_) => {
                        let _ = ws.send_with_str(error_frame("unavailable", "history is unavailable; reconnect", None));
                        let _ = ws.close(Some(1011), Some("storage unavailable"));
                        return;
                    }
                };
                let Some(last) = rows.last().map(|r| r.seq) else { break };
                for row in &rows {
                    let mut event = row.to_json();
                    if let Some(secret) = &secret {
                        sign_attachment(&mut event, secret, now_ms() / 1000);
                    }
                    let _ = ws.send_with_str(event_frame(&event));
                }
                after = last;
            }
        }
        self.sockets.update(&self.state, ws, |m| m.ready = true);
    }

    async fn frame(self: &Rc<Self>, ws: WebSocket, message: WebSocketIncomingMessage) {
        let text = match message {
            WebSocketIncomingMessage::String(t) => t,
            WebSocketIncomingMessage::Binary(_) => {
                let _ = ws.send_with_str(error_frame("binary_not_supported", "frames are JSON text", None));
                return;
            }
        };
        let Some(meta) = self.sockets.meta(&self.state, &ws) else {
            let _ = ws.close(Some(1011), Some("unknown socket"));
            return;
        };
        if !self.limiter.take(&meta.sid) {
            let _ = ws.send_with_str(error_frame("rate_limited", "too many frames; slow down", None));
            return;
        }
        let frame = match parse_client_frame(&text) {
            Ok(f) => f,
            Err(e) => {
                let _ = ws.send_with_str(error_frame(e.code, &e.message, None));
                return;
            }
        };
        if !matches!(frame, ClientFrame::Ping) && !self.operator_still_valid(&meta.caller).await {
            let _ = ws.send_with_str(error_frame("session_revoked", "this session has ended; sign in again", None));
            let _ = ws.close(Some(4001), Some("session revoked"));
            self.drop_socket(&ws);
            return;
        }
        let party = &meta.caller.party;
        match frame {
            ClientFrame::Send { .. } | ClientFrame::Typing { .. } | ClientFrame::Read { .. } if !party.participates() => {
                let _ = ws.send_with_str(error_frame("read_only", "monitoring sockets only watch", None));
            }
            ClientFrame::Send { client_msg_id, text, private } => {
                let send = SendMessage { client_msg_id: client_msg_id.as_str().into(), text: text.as_str().into(), private };
                let mut done = Committed::default();
                let result = self.send(&meta.caller, send, &mut done);
                // What the send caused (a reopen, a takeover) comes before its ack, in seq order.
                let acked = result.as_ref().ok().and_then(|o| o.event.as_ref()).and_then(|e| e["seq"].as_i64());
                self.publish(done, acked.map(|seq| (meta.sid.as_str(), seq)));
                match result {
                    Ok(outcome) => {
                        let event = outcome.event.unwrap_or(Value::Null);
                        let _ = ws.send_with_str(ack_frame(client_msg_id.as_str(), &event, outcome.duplicate));
                    }
                    Err(e) => {
                        let _ = ws.send_with_str(error_frame(e.kind.code(), &e.message, Some(client_msg_id.as_str())));
                    }
                }
            }
            ClientFrame::Typing { on } => self.broadcast_typing(party, on),
            ClientFrame::Read { seq } => self.read_receipt(&ws, &meta, seq),
            ClientFrame::Resume { after_seq } => {
                self.sockets.update(&self.state, &ws, |m| m.ready = false);
                self.replay(&ws, &meta.caller, Some(after_seq));
            }
            ClientFrame::Ping => {
                let _ = ws.send_with_str(PONG);
            }
        }
    }

    /// A read receipt from a socket: when it is news (a seq beyond the reader's last receipt), it is
    /// stored as a `read` event the other side sees. It also moves the reader's unread marker. Both
    /// only ever move forward; they are kept apart because the console also marks reads over REST.
    fn read_receipt(self: &Rc<Self>, ws: &WebSocket, meta: &SocketMeta, seq: i64) {
        let Ok(Some(c)) = self.db.conversation() else { return };
        if seq > c.last_seq {
            let _ = ws.send_with_str(error_frame("invalid_frame", "read: seq is beyond the last event", None));
            return;
        }
        let reader = meta.caller.party.person();
        let now = now_ms();
        let mut done = Committed { changed: self.db.advance_read_marker(&reader, seq, now).unwrap_or(false), ..Default::default() };
        match self.db.advance_read_marker(&format!("receipt:{reader}"), seq, now) {
            Ok(true) => {}
            _ => return self.publish(done, None),
        }
        let data = json!({ "seq": seq }).to_string();
        let (kind, id, name) = meta.caller.party.author();
        // One read event per reader and seq, however often it is sent.
        let client_msg_id = format!("read:{reader}:{seq}");
        let event = NewEvent {
            kind: "read",
            author: (kind, id, name),
            client_msg_id: &client_msg_id,
            text: None,
            data: Some(&data),
            content_hash: &content_hash("read", kind, id.unwrap_or(""), &data),
            private: false,
            preview: None,
        };
        let mut acked = None;
        match self.append(event, now, &mut done) {
            Ok(outcome) => {
                let event = outcome.event.unwrap_or(Value::Null);
                acked = event["seq"].as_i64();
                let _ = ws.send_with_str(ack_frame(&client_msg_id, &event, outcome.duplicate));
            }
            Err(e) => {
                let _ = ws.send_with_str(error_frame(e.kind.code(), &e.message, None));
            }
        }
        self.publish(done, acked.map(|seq| (meta.sid.as_str(), seq)));
    }

    fn broadcast_typing(&self, party: &Party, on: bool) {
        let frame = json!({ "type": "typing", "author": party.author_json(), "on": on, "expires_in_ms": TYPING_TTL_MS }).to_string();
        let person = party.person();
        for (ws, _) in self.sockets.all(&self.state).iter().filter(|p| p.1.ready && p.1.caller.party.person() != person) {
            let _ = ws.send_with_str(&frame);
        }
    }

    fn broadcast_presence(&self, party: &Party, online: bool, except: Option<&WebSocket>) {
        let frame = json!({ "type": "presence", "author": party.author_json(), "online": online }).to_string();
        let person = party.person();
        for (ws, _) in self.sockets.all(&self.state).iter().filter(|p| p.1.ready && p.1.caller.party.person() != person && Some(&p.0) != except) {
            let _ = ws.send_with_str(&frame);
        }
    }

    fn drop_socket(&self, ws: &WebSocket) {
        let Some(meta) = self.sockets.remove(&self.state, ws) else { return };
        self.limiter.forget(&meta.sid);
        let person = meta.caller.party.person();
        let still_here = self.sockets.all(&self.state).iter().any(|p| p.1.caller.party.person() == person);
        if !still_here && meta.caller.party.participates() {
            self.broadcast_typing(&meta.caller.party, false);
            self.broadcast_presence(&meta.caller.party, false, None);
        }
    }

    /// Whether an operator's socket still speaks for them: the account is active and its token
    /// version is the one the socket opened with (a password change or deactivation bumps it).
    async fn operator_still_valid(&self, caller: &Caller) -> bool {
        let (Party::Operator { id, ver, .. } | Party::Monitor { id, ver, .. }) = &caller.party else { return true };
        let Ok(store) = Store::open(&self.env) else { return false };
        match store.tenant(&caller.tenant_id).operator(id).await {
            Ok(Some(op)) => op.active == 1 && op.token_version == *ver,
            Ok(None) => false,
            // D1 unreachable: the socket was valid when it opened; do not cut a live chat for that.
            Err(_) => true,
        }
    }

    /// The key that signs attachment URLs (none configured: events go out without URLs).
    fn files_secret(&self) -> Option<Vec<u8>> {
        self.files_secret.clone()
    }
}

fn unique_id(prefix: &str) -> String {
    crate::crypto::new_uuid().map(|u| format!("{prefix}:{u}")).unwrap_or_else(|_| format!("{prefix}:{}", now_ms()))
}

/// The line a state change shows in the timeline (clients may localise by `type` and `data`).
fn command_text(kind: &str, operator: Option<&str>, department: Option<&str>, status: Status) -> String {
    let operator = operator.unwrap_or("An operator");
    match kind {
        "handoff" => "Waiting for an operator…".into(),
        "assigned" => format!("{operator} joined the conversation"),
        "transferred" if status == Status::Queued => format!("Transferred to {}", department.unwrap_or("another team")),
        "transferred" => format!("Transferred to {operator}"),
        "closed" => "The conversation was closed".into(),
        "reopened" => "The conversation was reopened".into(),
        "continued" => "Continues an earlier conversation".into(),
        "released" => "Your operator went offline; waiting for the next one".into(),
        _ => kind.into(),
    }
}

/// The bot's typing state as a socket frame (a bot message ends it).
fn bot_typing_frame(on: bool) -> String {
    json!({ "type": "typing", "author": { "type": "bot", "id": null, "name": "Bot" }, "on": on, "expires_in_ms": TYPING_TTL_MS }).to_string()
}
