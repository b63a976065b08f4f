//! What crosses the boundary between the Worker and a `ConversationRoom`: who acts (`Caller`, `Party`),
//! what they ask (`RoomCommand`), and what comes back (`RoomOutcome` or one `RoomError`). Both sides
//! use these types; serde carries them as JSON. Pure: tested natively.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::conversation::{Actor, Command, Target};
use crate::domain::DomainError;

/// Who acts on a conversation, as the Worker authenticated them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Party {
    Visitor {
        id: String,
        name: Option<String>,
        #[serde(default)]
        email: Option<String>,
        #[serde(default)]
        verified: bool,
        /// The publishable key's id the visitor came through (its revocation ends their sockets).
        #[serde(default)]
        key_id: Option<String>,
    },
    /// An operator taking part. `ver` is their token version when they authenticated: a newer one
    /// (password changed, deactivated) ends their sockets at the next frame.
    Operator { id: String, name: String, manager: bool, ver: i64 },
    /// An owner or admin watching without taking part: no presence, no sends.
    Monitor { id: String, name: String, ver: i64 },
    /// The tenant's inbox: routing, queue positions, releases.
    Router,
}

impl Party {
    /// `(type, id, name)` as an event's author.
    pub fn author(&self) -> (&'static str, Option<&str>, Option<&str>) {
        match self {
            Party::Visitor { id, name, .. } => ("visitor", Some(id), name.as_deref()),
            Party::Operator { id, name, .. } | Party::Monitor { id, name, .. } => ("operator", Some(id), Some(name)),
            Party::Router => ("system", None, None),
        }
    }

    pub fn author_json(&self) -> Value {
        let (kind, id, name) = self.author();
        serde_json::json!({ "type": kind, "id": id, "name": name })
    }

    /// Operators and monitors see private notes; visitors never do.
    pub fn sees_private(&self) -> bool {
        !matches!(self, Party::Visitor { .. })
    }

    /// Monitors watch without taking part.
    pub fn participates(&self) -> bool {
        !matches!(self, Party::Monitor { .. })
    }

    pub fn token_version(&self) -> Option<i64> {
        match self {
            Party::Operator { ver, .. } | Party::Monitor { ver, .. } => Some(*ver),
            _ => None,
        }
    }

    /// A stable key for "the same person" (several tabs are one person).
    pub fn person(&self) -> String {
        let (kind, id, _) = self.author();
        format!("{kind}:{}", id.unwrap_or(""))
    }

    pub fn actor(&self) -> Actor<'_> {
        match self {
            Party::Visitor { .. } => Actor::Visitor,
            Party::Operator { id, manager: true, .. } => Actor::Manager(id),
            Party::Operator { id, manager: false, .. } => Actor::Agent(id),
            Party::Monitor { .. } => Actor::Monitor,
            Party::Router => Actor::Router,
        }
    }
}

/// A party acting in one tenant on one conversation. The room refuses (404) a caller whose tenant
/// or visitor is not the conversation's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Caller {
    pub tenant_id: String,
    pub conversation_id: String,
    pub party: Party,
}

/// A category named by a command, with the name events show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryRef {
    pub id: String,
    pub name: String,
}

/// An operator named by a command (assignee, transfer target), with the name events show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferTarget {
    Operator(OperatorRef),
    Department(DepartmentRef),
}

/// What the bot says when a handed-off conversation finds nobody: decided by the Worker from
/// operators' availability and business hours; worded by the room in the conversation's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    NoOperator,
    Offline { next_open_at: Option<i64> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handoff {
    pub department: DepartmentRef,
    pub notice: Option<Notice>,
}

/// A message or private note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessage {
    pub client_msg_id: String,
    pub text: String,
    #[serde(default)]
    pub private: bool,
}

/// The menu path the visitor took before writing: its labels as one line, and its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuTrail {
    pub text: String,
    pub steps: Value,
}

/// Everything a conversation starts with, applied as one commit: idempotent per conversation id
/// (which the Worker derives from the visitor and their `client_request_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub locale: String,
    pub menu: Option<MenuTrail>,
    pub message: Option<SendMessage>,
    pub handoff: Option<Handoff>,
    /// What a visitor message does once the conversation is closed (`reopen` or `new`: the tenant's
    /// choice when it started).
    #[serde(default)]
    pub after_close: Option<String>,
    /// The closed conversation of the same visitor this one continues (shown as its first event).
    #[serde(default)]
    pub previous_conversation_id: Option<String>,
}

/// Metadata of an uploaded file (already in R2 and described in D1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attach {
    pub client_msg_id: String,
    pub caption: Option<String>,
    pub attachment: Value,
}

/// One user action on a conversation: one command, one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RoomCommand {
    Start(Start),
    Send(SendMessage),
    Attach(Attach),
    Handoff(Handoff),
    /// The visitor left an email address for a reply.
    Contact { email: String },
    /// A quick reply chosen while the bot has the conversation: the visitor's choice (`question`) and
    /// the FAQ entry's answer, stored together; idempotent per `client_msg_id`.
    QuickReply { client_msg_id: String, faq_id: String, question: String, answer: String },
    /// The visitor's rating of a closed conversation (CSAT, 1–5, an optional comment): once per
    /// conversation, stored as a `rating` event and on the conversation.
    Rate(crate::domain::rating::Rating),
    /// An email about this conversation is going out: a private `mail` event for operators. A visitor
    /// has the transcript emailed at most `TRANSCRIPT_MAILS_MAX` times; the team's copy of a message
    /// left while nobody was available goes once (`duplicate` when it went before).
    /// `nonce`: a confirmation link's, which sends once.
    Mailed { kind: MailKind, to: Vec<String>, nonce: Option<String> },
    /// An operator puts the conversation in a category (or none): a private `category` event.
    SetCategory { category: Option<CategoryRef> },
    /// The room's own, after a handoff or a close (`at`): the tenant's category rules, then the
    /// conversation's summary.
    WrapUp { at: String },
    /// The page the visitor is on (operators only; the same page again is nothing new).
    Page { view: crate::domain::page::PageView, device: crate::domain::page::Device },
    Takeover,
    Assign { operator: OperatorRef },
    AutoAssign { operator: OperatorRef },
    Transfer { to: TransferTarget },
    Close,
    /// The room's own close of an idle conversation (the tenant's auto-close times passed).
    IdleClose,
    Reopen,
    Release,
    QueuePosition { position: i64 },
    /// Moves the caller's read marker (REST; sockets send `read` frames, which also store a receipt).
    MarkRead { seq: i64 },
    History { after_seq: i64, limit: i64 },
    Get,
    Delete,
    /// Ends visitor sockets: those opened through a revoked key (`key_id`), or (`None`) those of
    /// anonymous visitors once the tenant requires verified ones.
    EndVisitorSessions { key_id: Option<String> },
}

/// A state change asked by a room command, as the state machine takes it, with the names its event shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StateChange {
    pub command: Command,
    pub operator_name: Option<String>,
    pub department_name: Option<String>,
    /// Why, when the event says (`idle`: an auto-close).
    pub reason: Option<&'static str>,
}

impl RoomCommand {
    /// The state-machine command behind a room command, for the party asking; `None` for commands
    /// that change no state (sends, reads, history, …).
    pub fn state_change(&self, party: &Party) -> Option<Result<StateChange, RoomError>> {
        let named = |command: Command, operator: Option<&str>, department: Option<&str>| {
            Some(Ok(StateChange { command, operator_name: operator.map(str::to_string), department_name: department.map(str::to_string), reason: None }))
        };
        match self {
            RoomCommand::Handoff(h) => named(Command::Handoff { department: h.department.id.clone() }, None, Some(&h.department.name)),
            RoomCommand::Takeover => match party {
                Party::Operator { id, name, .. } => named(Command::Takeover { operator: id.clone() }, Some(name), None),
                _ => Some(Err(RoomError::new(RoomErrorKind::Forbidden, "only operators take over conversations"))),
            },
            RoomCommand::Assign { operator } => named(Command::Assign { operator: operator.id.clone() }, Some(&operator.name), None),
            RoomCommand::AutoAssign { operator } => named(Command::AutoAssign { operator: operator.id.clone() }, Some(&operator.name), None),
            RoomCommand::Transfer { to: TransferTarget::Operator(op) } => named(Command::Transfer { to: Target::Operator(op.id.clone()) }, Some(&op.name), None),
            RoomCommand::Transfer { to: TransferTarget::Department(d) } => named(Command::Transfer { to: Target::Department(d.id.clone()) }, None, Some(&d.name)),
            RoomCommand::Close => named(Command::Close, None, None),
            RoomCommand::IdleClose => match party {
                Party::Router => Some(Ok(StateChange { command: Command::Close, operator_name: None, department_name: None, reason: Some("idle") })),
                _ => Some(Err(RoomError::new(RoomErrorKind::Forbidden, "only the room closes idle conversations"))),
            },
            RoomCommand::Reopen => named(Command::Reopen, None, None),
            RoomCommand::Release => named(Command::Release, None, None),
            RoomCommand::Start(_)
            | RoomCommand::Send(_)
            | RoomCommand::Attach(_)
            | RoomCommand::Contact { .. }
            | RoomCommand::QuickReply { .. }
            | RoomCommand::Rate(_)
            | RoomCommand::Page { .. }
            | RoomCommand::Mailed { .. }
            | RoomCommand::SetCategory { .. }
            | RoomCommand::WrapUp { .. }
            | RoomCommand::QueuePosition { .. }
            | RoomCommand::MarkRead { .. }
            | RoomCommand::History { .. }
            | RoomCommand::Get
            | RoomCommand::Delete
            | RoomCommand::EndVisitorSessions { .. } => None,
        }
    }
}

/// The conversation as its room knows it right now (read-your-writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub tenant_id: String,
    pub visitor_id: String,
    pub status: String,
    pub department_id: Option<String>,
    pub assignee_id: Option<String>,
    pub last_seq: i64,
    pub last_message_preview: Option<String>,
    pub last_message_at: Option<i64>,
    pub queued_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub locale: Option<String>,
    pub menu_path: Option<Value>,
    /// The visitor's rating (1–5), its comment and when it was given.
    #[serde(default)]
    pub rating: Option<i64>,
    #[serde(default)]
    pub rating_comment: Option<String>,
    #[serde(default)]
    pub rated_at: Option<i64>,
    /// Operators only (not in the widget's shape).
    #[serde(default)]
    pub category_id: Option<String>,
}

impl Snapshot {
    /// The conversation as the widget API shows it.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "id": self.id, "status": self.status, "department_id": self.department_id, "assignee_id": self.assignee_id,
            "last_seq": self.last_seq, "last_message_preview": self.last_message_preview, "last_message_at": self.last_message_at,
            "created_at": self.created_at, "updated_at": self.updated_at, "locale": self.locale, "menu_path": self.menu_path,
            "closed_at": self.closed_at, "rating": self.rating, "rating_comment": self.rating_comment, "rated_at": self.rated_at,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RoomOutcome {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Snapshot>,
    /// The event the command stored (or, for a repeated send, stored before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Value>,
    #[serde(default)]
    pub duplicate: bool,
    /// For `Start`: whether this call created the conversation.
    #[serde(default)]
    pub created: bool,
    /// For `History`: the page, and the `after_seq` of the next one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after_seq: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomErrorKind {
    NotFound,
    Invalid,
    Forbidden,
    InvalidTransition,
    ClientMsgIdConflict,
    ReadOnly,
    Unavailable,
    /// The conversation is closed and its tenant has visitors start a new one.
    Closed,
    /// The conversation was rated already (once per conversation).
    AlreadyRated,
    /// Enough emails about this conversation went out.
    TooManyEmails,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// The visitor asked for the transcript by email (sent at once, or a confirmation link first).
    Transcript,
    /// The transcript went to an address whose confirmation link was opened.
    Confirmed,
    /// The team's copy of a message left while nobody was available.
    Offline,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Transcript => "transcript",
            MailKind::Confirmed => "confirmed",
            MailKind::Offline => "offline",
        }
    }
}

pub const TRANSCRIPT_MAILS_MAX: i64 = 3;

impl RoomErrorKind {
    pub fn status(self) -> u16 {
        match self {
            RoomErrorKind::NotFound => 404,
            RoomErrorKind::Invalid => 422,
            RoomErrorKind::Forbidden | RoomErrorKind::ReadOnly => 403,
            RoomErrorKind::InvalidTransition | RoomErrorKind::ClientMsgIdConflict | RoomErrorKind::Closed | RoomErrorKind::AlreadyRated => 409,
            RoomErrorKind::Unavailable => 503,
            RoomErrorKind::TooManyEmails => 429,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RoomErrorKind::NotFound => "not_found",
            RoomErrorKind::Invalid => "invalid_field",
            RoomErrorKind::Forbidden => "forbidden",
            RoomErrorKind::InvalidTransition => "invalid_transition",
            RoomErrorKind::ClientMsgIdConflict => "client_msg_id_conflict",
            RoomErrorKind::ReadOnly => "read_only",
            RoomErrorKind::Unavailable => "unavailable",
            RoomErrorKind::Closed => "conversation_closed",
            RoomErrorKind::AlreadyRated => "already_rated",
            RoomErrorKind::TooManyEmails => "too_many_emails",
        }
    }
}

/// The one error a room answers; mapped to HTTP once, in `http::error`, and to `error` frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomError {
    pub kind: RoomErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl RoomError {
    pub fn new(kind: RoomErrorKind, message: impl Into<String>) -> Self {
        RoomError { kind, message: message.into(), field: None }
    }
    pub fn not_found() -> Self {
        RoomError::new(RoomErrorKind::NotFound, "conversation not found")
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        RoomError::new(RoomErrorKind::Unavailable, message)
    }
}

impl From<DomainError> for RoomError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => RoomError { kind: RoomErrorKind::Invalid, message, field: Some(field) },
            DomainError::Forbidden(m) => RoomError::new(RoomErrorKind::Forbidden, m),
            DomainError::Conflict { message, .. } => RoomError::new(RoomErrorKind::InvalidTransition, message),
        }
    }
}

/// The visitor as the room last heard of them (shown in consoles' lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct VisitorInfo {
    pub name: Option<String>,
    pub email: Option<String>,
    pub verified: bool,
}

/// What a room tells its tenant's inbox after a change: the conversation's summary at `version`, how
/// far D1 has followed (`d1_version`), new visitor messages and operators' read markers (for unread
/// counts). Reports are idempotent: an older or repeated one changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomReport {
    pub conversation: Snapshot,
    pub visitor: VisitorInfo,
    pub version: i64,
    pub d1_version: i64,
    #[serde(default)]
    pub visitor_message_seqs: Vec<i64>,
    #[serde(default)]
    pub operator_reads: Vec<(String, i64)>,
    /// While a reopened conversation waits: who had it before (routing gives it back to them).
    #[serde(default)]
    pub preferred_id: Option<String>,
}

/// What the Worker and the rooms ask of a tenant's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InboxCommand {
    /// From a room: its conversation changed.
    Report(RoomReport),
    /// An operator's status, role or capacity changed (`drain`: the router should look again).
    OperatorChanged { operator_id: String, drain: bool },
    /// An operator went offline or was deactivated: their active chats go back to the queue now.
    OperatorGone { operator_id: String },
    /// Closes an operator's console sockets (password changed, deactivated).
    Revoke { operator_id: String },
    /// A conversation was deleted: it leaves every console's list.
    Removed { conversation_id: String },
    /// The feed after `cursor` for one operator (REST `changed_since`).
    Delta { operator_id: String, cursor: i64 },
    /// The cursor up to which D1 has every change (for lists read from D1).
    Cursor,
    /// A publishable key was revoked: visitor sockets opened through it end now.
    KeyRevoked { key_id: String },
    /// The tenant now requires verified visitors: anonymous visitors' sockets end now.
    VerificationRequired,
    /// A command that gives a conversation to an operator (assign, take over, transfer to an
    /// operator), run between routing passes so that no pass counts seats without it.
    Assign { caller: Caller, command: RoomCommand },
}

/// What travels from the Worker to the room in one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomRequest {
    pub caller: Caller,
    pub command: RoomCommand,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(value: T) {
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(serde_json::from_str::<T>(&text).unwrap(), value, "{text}");
    }

    #[test]
    fn every_command_round_trips() {
        let op = OperatorRef { id: "o1".into(), name: "Ann".into() };
        let dep = DepartmentRef { id: "d1".into(), name: "Care".into() };
        let handoff = Handoff { department: dep.clone(), notice: Some(Notice::Offline { next_open_at: Some(5) }) };
        for cmd in [
            RoomCommand::Start(Start {
                locale: "ja".into(),
                menu: Some(MenuTrail { text: "A › B".into(), steps: json!([{"node": "root"}]) }),
                message: Some(SendMessage { client_msg_id: "m1".into(), text: "hi".into(), private: false }),
                handoff: Some(handoff.clone()),
                after_close: Some("new".into()),
                previous_conversation_id: Some("c0".into()),
            }),
            RoomCommand::Send(SendMessage { client_msg_id: "m2".into(), text: "note".into(), private: true }),
            RoomCommand::Attach(Attach { client_msg_id: "f".into(), caption: None, attachment: json!({"key": "k"}) }),
            RoomCommand::Handoff(handoff),
            RoomCommand::Contact { email: "a@b.c".into() },
            RoomCommand::Takeover,
            RoomCommand::Assign { operator: op.clone() },
            RoomCommand::AutoAssign { operator: op.clone() },
            RoomCommand::Transfer { to: TransferTarget::Operator(op) },
            RoomCommand::Transfer { to: TransferTarget::Department(dep) },
            RoomCommand::Close,
            RoomCommand::Reopen,
            RoomCommand::Release,
            RoomCommand::Rate(crate::domain::rating::Rating { score: 4, comment: Some("kind".into()) }),
            RoomCommand::Page {
                view: crate::domain::page::PageView { url: "https://a.example/".into(), title: Some("A".into()), referrer: None, tz: Some("Asia/Tokyo".into()), language: None },
                device: crate::domain::page::describe_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1"),
            },
            RoomCommand::QueuePosition { position: 3 },
            RoomCommand::MarkRead { seq: 9 },
            RoomCommand::History { after_seq: 0, limit: 100 },
            RoomCommand::Get,
            RoomCommand::Delete,
            RoomCommand::EndVisitorSessions { key_id: Some("k".into()) },
            RoomCommand::EndVisitorSessions { key_id: None },
        ] {
            round_trip(cmd);
        }
    }

    #[test]
    fn callers_and_errors_round_trip() {
        for party in [
            Party::Visitor { id: "v".into(), name: None, email: Some("v@x.y".into()), verified: true, key_id: Some("k".into()) },
            Party::Operator { id: "o".into(), name: "Ann".into(), manager: true, ver: 2 },
            Party::Monitor { id: "o".into(), name: "Ann".into(), ver: 0 },
            Party::Router,
        ] {
            round_trip(RoomRequest { caller: Caller { tenant_id: "t".into(), conversation_id: "c".into(), party }, command: RoomCommand::Get });
        }
        round_trip(RoomError { kind: RoomErrorKind::Invalid, message: "bad".into(), field: Some("text".into()) });
        round_trip(RoomOutcome { created: true, next_after_seq: Some(4), events: vec![json!({"seq": 1})], ..Default::default() });
    }

    #[test]
    fn inbox_commands_round_trip() {
        let snapshot = Snapshot {
            id: "c".into(), tenant_id: "t".into(), visitor_id: "v".into(), status: "queued".into(), department_id: Some("d".into()),
            assignee_id: None, last_seq: 3, last_message_preview: Some("hi".into()), last_message_at: Some(2), queued_at: Some(2),
            closed_at: None, created_at: 1, updated_at: 2, locale: Some("ja".into()), menu_path: None,
            rating: Some(4), rating_comment: Some("quick".into()), rated_at: Some(3), category_id: Some("k1".into()),
        };
        let report = RoomReport { conversation: snapshot, visitor: VisitorInfo { name: Some("Vi".into()), email: None, verified: false }, version: 4, d1_version: 3, visitor_message_seqs: vec![1, 3], operator_reads: vec![("o".into(), 2)], preferred_id: Some("o".into()) };
        let caller = Caller { tenant_id: "t".into(), conversation_id: "c".into(), party: Party::Operator { id: "o".into(), name: "Ann".into(), manager: false, ver: 0 } };
        for cmd in [
            InboxCommand::Report(report),
            InboxCommand::OperatorChanged { operator_id: "o".into(), drain: true },
            InboxCommand::OperatorGone { operator_id: "o".into() },
            InboxCommand::Revoke { operator_id: "o".into() },
            InboxCommand::Removed { conversation_id: "c".into() },
            InboxCommand::Delta { operator_id: "o".into(), cursor: 7 },
            InboxCommand::Cursor,
            InboxCommand::KeyRevoked { key_id: "k".into() },
            InboxCommand::VerificationRequired,
            InboxCommand::Assign { caller, command: RoomCommand::Takeover },
        ] {
            round_trip(cmd);
        }
    }

    #[test]
    fn room_commands_map_to_state_machine_commands() {
        let ann = Party::Operator { id: "o1".into(), name: "Ann".into(), manager: false, ver: 0 };
        let visitor = Party::Visitor { id: "v".into(), name: None, email: None, verified: false, key_id: None };
        let op = OperatorRef { id: "o2".into(), name: "Bo".into() };
        let dep = DepartmentRef { id: "d1".into(), name: "Care".into() };
        let change = |cmd: RoomCommand, party: &Party| cmd.state_change(party).map(|r| r.map(|c| (c.command, c.operator_name, c.department_name)));
        let bo = Some("Bo".to_string());
        assert_eq!(change(RoomCommand::Takeover, &ann), Some(Ok((Command::Takeover { operator: "o1".into() }, Some("Ann".into()), None))));
        assert_eq!(change(RoomCommand::Assign { operator: op.clone() }, &ann), Some(Ok((Command::Assign { operator: "o2".into() }, bo.clone(), None))));
        assert_eq!(change(RoomCommand::AutoAssign { operator: op.clone() }, &Party::Router), Some(Ok((Command::AutoAssign { operator: "o2".into() }, bo.clone(), None))));
        assert_eq!(
            change(RoomCommand::Transfer { to: TransferTarget::Operator(op) }, &ann),
            Some(Ok((Command::Transfer { to: Target::Operator("o2".into()) }, bo, None)))
        );
        assert_eq!(
            change(RoomCommand::Transfer { to: TransferTarget::Department(dep.clone()) }, &ann),
            Some(Ok((Command::Transfer { to: Target::Department("d1".into()) }, None, Some("Care".into()))))
        );
        assert_eq!(
            change(RoomCommand::Handoff(Handoff { department: dep, notice: None }), &visitor),
            Some(Ok((Command::Handoff { department: "d1".into() }, None, Some("Care".into()))))
        );
        for (cmd, want) in [(RoomCommand::Close, Command::Close), (RoomCommand::Reopen, Command::Reopen), (RoomCommand::Release, Command::Release)] {
            assert_eq!(change(cmd, &ann), Some(Ok((want, None, None))));
        }
        assert!(matches!(change(RoomCommand::Takeover, &visitor), Some(Err(e)) if e.kind == RoomErrorKind::Forbidden), "a visitor cannot take over");
        for cmd in [RoomCommand::Get, RoomCommand::MarkRead { seq: 1 }, RoomCommand::QueuePosition { position: 1 }, RoomCommand::Contact { email: "a@b.c".into() }] {
            assert_eq!(change(cmd, &ann), None, "no state change");
        }
    }

    #[test]
    fn a_command_of_unknown_type_is_refused() {
        assert!(serde_json::from_str::<RoomCommand>(r#"{"type":"launch_missiles"}"#).is_err());
    }

    #[test]
    fn error_kinds_map_to_statuses_and_codes() {
        assert_eq!((RoomErrorKind::NotFound.status(), RoomErrorKind::NotFound.code()), (404, "not_found"));
        assert_eq!(RoomErrorKind::InvalidTransition.status(), 409);
        assert_eq!(RoomErrorKind::ClientMsgIdConflict.code(), "client_msg_id_conflict");
        let e: RoomError = DomainError::invalid("text", "must not be empty").into();
        assert_eq!((e.kind, e.field.as_deref()), (RoomErrorKind::Invalid, Some("text")));
        let e: RoomError = DomainError::forbidden("no").into();
        assert_eq!(e.kind.status(), 403);
    }

    #[test]
    fn parties_know_what_they_may_see_and_do() {
        let v = Party::Visitor { id: "v".into(), name: Some("Vi".into()), email: None, verified: false, key_id: None };
        let m = Party::Monitor { id: "o".into(), name: "Ann".into(), ver: 1 };
        assert!(!v.sees_private() && v.participates());
        assert!(m.sees_private() && !m.participates());
        assert_eq!(v.author(), ("visitor", Some("v"), Some("Vi")));
        assert_eq!(Party::Router.author().0, "system");
        assert_eq!(m.person(), "operator:o");
    }
}
