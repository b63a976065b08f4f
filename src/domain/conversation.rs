//! The conversation state machine: `bot → queued → active → closed`, and `closed → queued` on reopen.
//! One pure function decides every change; each accepted command yields exactly one event for the
//! conversation's stream, so visitors and operators see it and resume covers it.

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Bot,
    Queued,
    Active,
    Closed,
}

impl Status {
    pub fn parse(raw: &str) -> Result<Status, DomainError> {
        match raw {
            "bot" => Ok(Status::Bot),
            "queued" => Ok(Status::Queued),
            "active" => Ok(Status::Active),
            "closed" => Ok(Status::Closed),
            _ => Err(DomainError::invalid("status", "must be one of bot, queued, active, closed")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Bot => "bot",
            Status::Queued => "queued",
            Status::Active => "active",
            Status::Closed => "closed",
        }
    }

    /// The bot answers only while no person owns the conversation.
    pub fn bot_may_reply(self) -> bool {
        self == Status::Bot
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationState {
    pub status: Status,
    pub assignee: Option<String>,
    pub department: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Operator(String),
    Department(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The visitor asks for a person (optionally in a department; else the current or default one).
    Handoff { department: String },
    /// The router gives a queued conversation to an operator.
    AutoAssign { operator: String },
    /// An operator takes the conversation themselves.
    Takeover { operator: String },
    /// A manager gives the conversation to an operator.
    Assign { operator: String },
    Transfer { to: Target },
    Close,
    Reopen,
    /// The assignee went offline: back to the front of their department's queue.
    Release,
}

/// The event a transition writes: its type and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub kind: &'static str,
    pub from: Status,
    pub state: ConversationState,
}

fn conflict(message: &str) -> DomainError {
    DomainError::conflict("invalid_transition", message)
}

pub fn transition(state: &ConversationState, command: &Command) -> Result<Transition, DomainError> {
    use Status::*;
    let s = state.status;
    let to = |kind: &'static str, status: Status, assignee: Option<String>, department: Option<String>| {
        Ok(Transition { kind, from: s, state: ConversationState { status, assignee, department } })
    };
    match (command, s) {
        (Command::Handoff { department }, Bot | Closed) => to("handoff", Queued, None, Some(department.clone())),
        (Command::Handoff { .. }, Queued) => Err(conflict("the conversation is already waiting for an operator")),
        (Command::Handoff { .. }, Active) => Err(conflict("an operator already owns the conversation")),

        (Command::AutoAssign { operator }, Queued) => to("assigned", Active, Some(operator.clone()), state.department.clone()),
        (Command::AutoAssign { .. }, _) => Err(conflict("only queued conversations are routed")),

        (Command::Takeover { operator }, Bot | Queued) => to("assigned", Active, Some(operator.clone()), state.department.clone()),
        (Command::Takeover { operator }, Active) if state.assignee.as_deref() == Some(operator) => Err(conflict("you already own the conversation")),
        (Command::Takeover { operator }, Active) => to("assigned", Active, Some(operator.clone()), state.department.clone()),
        (Command::Assign { operator }, Bot | Queued | Active) if state.assignee.as_deref() != Some(operator) => {
            to("assigned", Active, Some(operator.clone()), state.department.clone())
        }
        (Command::Assign { .. }, Active) => Err(conflict("the conversation is already assigned to this operator")),
        (Command::Takeover { .. } | Command::Assign { .. }, Closed) => Err(conflict("reopen the conversation first")),
        (Command::Assign { .. }, Bot | Queued) => Err(conflict("the conversation is already assigned to this operator")),

        (Command::Transfer { to: Target::Operator(op) }, Queued | Active) if state.assignee.as_deref() != Some(op) => {
            to("transferred", Active, Some(op.clone()), state.department.clone())
        }
        (Command::Transfer { to: Target::Operator(_) }, Queued | Active) => Err(conflict("the conversation is already with this operator")),
        (Command::Transfer { to: Target::Department(d) }, Queued | Active) => to("transferred", Queued, None, Some(d.clone())),
        (Command::Transfer { .. }, Bot | Closed) => Err(conflict("only queued or active conversations are transferred")),

        (Command::Close, Bot | Queued | Active) => to("closed", Closed, state.assignee.clone(), state.department.clone()),
        (Command::Close, Closed) => Err(conflict("the conversation is already closed")),

        (Command::Reopen, Closed) => to("reopened", Queued, None, state.department.clone()),
        (Command::Reopen, _) => Err(conflict("only closed conversations are reopened")),

        (Command::Release, Active) => to("released", Queued, None, state.department.clone()),
        (Command::Release, _) => Err(conflict("only active conversations are released")),
    }
}

/// Who acts, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    Visitor,
    /// An operator without the admin role.
    Agent(&'a str),
    /// An owner or admin.
    Manager(&'a str),
    /// Watches only.
    Monitor,
    /// The tenant's inbox (routing and releases).
    Router,
}

fn forbidden(message: &str) -> DomainError {
    DomainError::forbidden(message)
}

/// Whether `actor` may ask `command` of a conversation in `state` (the transition itself is
/// `transition`'s to decide). Agents act on a chat someone else owns only through an admin.
pub fn authorize(actor: Actor<'_>, state: &ConversationState, command: &Command) -> Result<(), DomainError> {
    let owns_or_free = |me: &str| match &state.assignee {
        Some(a) => a == me || state.status != Status::Active,
        None => true,
    };
    match (actor, command) {
        // The router assigns and releases; the room itself closes idle conversations (as the router).
        (Actor::Router, Command::AutoAssign { .. } | Command::Release | Command::Close) => Ok(()),
        (_, Command::AutoAssign { .. } | Command::Release) => Err(forbidden("only the router does this")),
        (Actor::Visitor, Command::Handoff { .. }) => Ok(()),
        // Writing into a closed conversation reopens it (when the tenant keeps conversations going).
        (Actor::Visitor, Command::Reopen) => Ok(()),
        // The visitor ends the chat ("End conversation" in the widget).
        (Actor::Visitor, Command::Close) => Ok(()),
        (Actor::Visitor | Actor::Monitor | Actor::Router, _) => Err(forbidden("only operators do this")),
        (Actor::Manager(_), _) => Ok(()),
        (Actor::Agent(_), Command::Handoff { .. }) => Err(forbidden("only visitors ask for a person")),
        (Actor::Agent(_), Command::Assign { .. }) => Err(forbidden("only owners and admins assign conversations")),
        (Actor::Agent(me), Command::Takeover { .. }) if state.status == Status::Active && state.assignee.as_deref() != Some(me) => {
            Err(forbidden("only admins take over a chat another operator owns"))
        }
        (Actor::Agent(_), Command::Takeover { .. }) => Ok(()),
        (Actor::Agent(me), Command::Transfer { .. } | Command::Close | Command::Reopen) if owns_or_free(me) => Ok(()),
        (Actor::Agent(_), _) => Err(forbidden("only the assigned operator or an admin may do this")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn st(status: Status, assignee: Option<&str>) -> ConversationState {
        ConversationState { status, assignee: assignee.map(Into::into), department: Some("d1".into()) }
    }

    fn commands() -> Vec<Command> {
        vec![
            Command::Handoff { department: "d2".into() },
            Command::AutoAssign { operator: "a".into() },
            Command::Takeover { operator: "a".into() },
            Command::Assign { operator: "a".into() },
            Command::Transfer { to: Target::Operator("a".into()) },
            Command::Transfer { to: Target::Department("d2".into()) },
            Command::Close,
            Command::Reopen,
            Command::Release,
        ]
    }

    /// Every state × command, with the expected resulting status (None = refused).
    #[test]
    fn exhaustive_table() {
        let table: [(Status, Option<&str>, [Option<Status>; 9]); 5] = [
            (Bot, None, [Some(Queued), None, Some(Active), Some(Active), None, None, Some(Closed), None, None]),
            (Queued, None, [None, Some(Active), Some(Active), Some(Active), Some(Active), Some(Queued), Some(Closed), None, None]),
            (Active, Some("b"), [None, None, Some(Active), Some(Active), Some(Active), Some(Queued), Some(Closed), None, Some(Queued)]),
            (Active, Some("a"), [None, None, None, None, None, Some(Queued), Some(Closed), None, Some(Queued)]),
            (Closed, Some("b"), [Some(Queued), None, None, None, None, None, None, Some(Queued), None]),
        ];
        for (status, assignee, expected) in table {
            for (command, want) in commands().iter().zip(expected) {
                let got = transition(&st(status, assignee), command).ok().map(|t| t.state.status);
                assert_eq!(got, want, "{status:?} (assignee {assignee:?}) × {command:?}");
            }
        }
    }

    #[test]
    fn refusals_are_conflicts() {
        match transition(&st(Closed, None), &Command::Close) {
            Err(DomainError::Conflict { code, .. }) => assert_eq!(code, "invalid_transition"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn assignment_and_department_follow_the_command() {
        let t = transition(&st(Queued, None), &Command::AutoAssign { operator: "a".into() }).unwrap();
        assert_eq!((t.kind, t.from, t.state.assignee.as_deref(), t.state.department.as_deref()), ("assigned", Queued, Some("a"), Some("d1")));
        let t = transition(&st(Active, Some("a")), &Command::Transfer { to: Target::Department("d2".into()) }).unwrap();
        assert_eq!((t.kind, t.state.status, t.state.assignee, t.state.department.as_deref()), ("transferred", Queued, None, Some("d2")));
        let t = transition(&st(Bot, None), &Command::Handoff { department: "d9".into() }).unwrap();
        assert_eq!(t.state.department.as_deref(), Some("d9"));
        let t = transition(&st(Active, Some("a")), &Command::Close).unwrap();
        assert_eq!(t.state.assignee.as_deref(), Some("a"), "a closed chat remembers who had it");
        let t = transition(&st(Closed, Some("a")), &Command::Reopen).unwrap();
        assert_eq!((t.state.status, t.state.assignee), (Queued, None));
        let t = transition(&st(Active, Some("a")), &Command::Release).unwrap();
        assert_eq!((t.kind, t.state.status, t.state.assignee), ("released", Queued, None));
    }

    #[test]
    fn only_the_bot_state_lets_the_bot_reply() {
        assert!(Bot.bot_may_reply());
        for s in [Queued, Active, Closed] {
            assert!(!s.bot_may_reply());
        }
    }

    #[test]
    fn statuses_parse() {
        for s in [Bot, Queued, Active, Closed] {
            assert_eq!(Status::parse(s.as_str()).unwrap(), s);
        }
        assert!(Status::parse("open").is_err());
    }

    #[test]
    fn authorization_follows_ownership() {
        let mine = st(Active, Some("a"));
        let theirs = st(Active, Some("b"));
        let queued = st(Queued, None);
        let closed_by_b = st(Closed, Some("b"));
        let ok = |actor, state: &ConversationState, cmd: &Command| authorize(actor, state, cmd).is_ok();
        for cmd in [Command::Close, Command::Transfer { to: Target::Department("d".into()) }] {
            assert!(ok(Actor::Agent("a"), &mine, &cmd), "{cmd:?} on my chat");
            assert!(!ok(Actor::Agent("a"), &theirs, &cmd), "{cmd:?} on another agent's chat");
            assert!(ok(Actor::Manager("m"), &theirs, &cmd), "admins may");
            assert!(ok(Actor::Agent("a"), &queued, &cmd), "{cmd:?} on an unowned chat");
        }
        assert!(ok(Actor::Agent("a"), &closed_by_b, &Command::Reopen), "a closed chat belongs to nobody");
        assert!(!ok(Actor::Agent("a"), &theirs, &Command::Takeover { operator: "a".into() }));
        assert!(ok(Actor::Agent("a"), &queued, &Command::Takeover { operator: "a".into() }));
        assert!(ok(Actor::Manager("m"), &theirs, &Command::Takeover { operator: "m".into() }));
        assert!(!ok(Actor::Agent("a"), &queued, &Command::Assign { operator: "a".into() }));
        assert!(ok(Actor::Manager("m"), &queued, &Command::Assign { operator: "a".into() }));
        assert!(ok(Actor::Visitor, &st(Bot, None), &Command::Handoff { department: "d".into() }));
        assert!(ok(Actor::Visitor, &mine, &Command::Close), "the visitor ends the chat");
        assert!(ok(Actor::Router, &mine, &Command::Close), "an idle conversation closes by itself");
        assert!(!ok(Actor::Router, &mine, &Command::Reopen));
        assert!(!ok(Actor::Visitor, &mine, &Command::Transfer { to: Target::Department("d".into()) }));
        assert!(!ok(Actor::Visitor, &queued, &Command::Assign { operator: "a".into() }));
        assert!(ok(Actor::Visitor, &closed_by_b, &Command::Reopen), "a visitor writing again reopens");
        assert!(!ok(Actor::Monitor, &mine, &Command::Close));
        assert!(ok(Actor::Router, &queued, &Command::AutoAssign { operator: "a".into() }));
        assert!(!ok(Actor::Manager("m"), &mine, &Command::Release), "only the router releases");
        assert!(!ok(Actor::Agent("a"), &st(Bot, None), &Command::Handoff { department: "d".into() }));
    }
}
