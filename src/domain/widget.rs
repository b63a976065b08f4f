//! The widget's appearance per tenant (accent color, corner, greeting) and what a visitor's message into
//! a closed conversation does (`after_close`). Stored as JSON on the tenant.

use serde::{Deserialize, Serialize};

use super::email::Email;
use super::DomainError;

pub const GREETING_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetSettings {
    pub color: String,
    pub position: String,
    pub greeting: String,
    /// `reopen` (default): a visitor message reopens a closed conversation; `new`: the visitor starts a
    /// new conversation linked to the closed one.
    pub after_close: String,
    /// After a close the widget asks the visitor for a 1–5 rating (CSAT).
    pub csat: bool,
    /// The widget reports the page the visitor is on (with the referrer, time zone, language, browser).
    pub page_tracking: bool,
    /// The pre-chat form: which details the visitor is asked for, and when.
    pub prechat: Prechat,
    /// Visitors may have the transcript emailed to them (when the deployment sends email).
    pub transcript_email: bool,
    /// Where messages left while nobody was available are emailed (none: the tenant's owners). Never
    /// shown to visitors.
    pub offline_emails: Vec<String>,
    /// Idle conversations close by themselves (0: never).
    pub auto_close: AutoClose,
}

pub const OFFLINE_EMAILS_MAX: usize = 5;

/// When an idle conversation closes by itself, in minutes (0: never): while the bot has it, after its
/// last event; while an operator has it and waits on the visitor (an operator wrote last), after that
/// message. A conversation waiting on the team never closes by itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoClose {
    pub bot_minutes: u32,
    pub visitor_minutes: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoClosePatch {
    pub bot_minutes: Option<i64>,
    pub visitor_minutes: Option<i64>,
}

/// A week.
pub const AUTO_CLOSE_MAX_MINUTES: i64 = 10_080;

impl AutoClose {
    fn apply(self, patch: AutoClosePatch) -> Result<AutoClose, DomainError> {
        let minutes = |v: Option<i64>, current: u32, field: &str| match v {
            None => Ok(current),
            Some(m) if (0..=AUTO_CLOSE_MAX_MINUTES).contains(&m) => Ok(m as u32),
            Some(_) => Err(DomainError::invalid(format!("widget.auto_close.{field}"), format!("must be 0 (never) to {AUTO_CLOSE_MAX_MINUTES} minutes"))),
        };
        Ok(AutoClose { bot_minutes: minutes(patch.bot_minutes, self.bot_minutes, "bot_minutes")?, visitor_minutes: minutes(patch.visitor_minutes, self.visitor_minutes, "visitor_minutes")? })
    }

    /// When the conversation closes if nothing happens first (ms), or never. `last_event_at`: its last
    /// event visitors see; `last_message`: its last message or file (author type, time).
    pub fn due_at(&self, status: &str, last_event_at: Option<i64>, last_message: Option<(&str, i64)>, minute_ms: i64) -> Option<i64> {
        match status {
            "bot" if self.bot_minutes > 0 => last_event_at.map(|at| at + self.bot_minutes as i64 * minute_ms),
            "active" if self.visitor_minutes > 0 => match last_message {
                Some(("operator", at)) => Some(at + self.visitor_minutes as i64 * minute_ms),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What the pre-chat form asks (`fields`: `off`, `name` or `name_email`), which of it is required,
/// and when it is shown (`start`: before the first message; `handoff`: before a person is asked for).
/// Required details are also enforced by the API; verified visitors are not asked what their site
/// already told us.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prechat {
    pub fields: String,
    pub name_required: bool,
    pub email_required: bool,
    pub when: String,
}

impl Default for Prechat {
    fn default() -> Self {
        Prechat { fields: "off".into(), name_required: false, email_required: false, when: PRECHAT_AT_START.into() }
    }
}

pub const PRECHAT_AT_START: &str = "start";
pub const PRECHAT_AT_HANDOFF: &str = "handoff";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrechatPatch {
    pub fields: Option<String>,
    pub name_required: Option<bool>,
    pub email_required: Option<bool>,
    pub when: Option<String>,
}

impl Prechat {
    fn apply(self, patch: PrechatPatch) -> Result<Prechat, DomainError> {
        let fields = patch.fields.unwrap_or(self.fields);
        if !["off", "name", "name_email"].contains(&fields.as_str()) {
            return Err(DomainError::invalid("widget.prechat.fields", "must be off, name or name_email"));
        }
        let when = patch.when.unwrap_or(self.when);
        if when != PRECHAT_AT_START && when != PRECHAT_AT_HANDOFF {
            return Err(DomainError::invalid("widget.prechat.when", "must be start or handoff"));
        }
        Ok(Prechat { fields, name_required: patch.name_required.unwrap_or(self.name_required), email_required: patch.email_required.unwrap_or(self.email_required), when })
    }

    /// The first detail the form requires `at` this moment (`start` or `handoff`) that the visitor has
    /// not given, if any.
    pub fn missing(&self, at: &str, name: Option<&str>, email: Option<&str>) -> Option<&'static str> {
        let given = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
        if self.fields == "off" || self.when != at {
            return None;
        }
        if self.name_required && !given(name) {
            return Some("name");
        }
        (self.fields == "name_email" && self.email_required && !given(email)).then_some("email")
    }
}

impl Default for WidgetSettings {
    fn default() -> Self {
        WidgetSettings { color: "#2563eb".into(), position: "right".into(), greeting: "Hi! How can we help?".into(), after_close: AFTER_CLOSE_REOPEN.into(), csat: true, page_tracking: true, prechat: Prechat::default(), transcript_email: true, offline_emails: Vec::new(), auto_close: AutoClose::default() }
    }
}

pub const AFTER_CLOSE_REOPEN: &str = "reopen";
pub const AFTER_CLOSE_NEW: &str = "new";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetSettingsPatch {
    pub color: Option<String>,
    pub position: Option<String>,
    pub greeting: Option<String>,
    pub after_close: Option<String>,
    pub csat: Option<bool>,
    pub page_tracking: Option<bool>,
    pub prechat: Option<PrechatPatch>,
    pub transcript_email: Option<bool>,
    pub offline_emails: Option<Vec<String>>,
    pub auto_close: Option<AutoClosePatch>,
}

impl WidgetSettings {
    /// Stored JSON, with defaults for anything missing or damaged.
    pub fn from_stored(text: &str) -> WidgetSettings {
        let stored: WidgetSettingsPatch = serde_json::from_str(text).unwrap_or_default();
        WidgetSettings::default().apply(stored).unwrap_or_default()
    }

    pub fn apply(self, patch: WidgetSettingsPatch) -> Result<WidgetSettings, DomainError> {
        let color = patch.color.unwrap_or(self.color);
        let valid_color = color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !valid_color {
            return Err(DomainError::invalid("widget.color", "must be a hex color like #2563eb"));
        }
        let position = patch.position.unwrap_or(self.position);
        if position != "left" && position != "right" {
            return Err(DomainError::invalid("widget.position", "must be left or right"));
        }
        let greeting = patch.greeting.unwrap_or(self.greeting);
        if greeting.trim().is_empty() || greeting.chars().count() > GREETING_MAX {
            return Err(DomainError::invalid("widget.greeting", format!("must be 1 to {GREETING_MAX} characters")));
        }
        let after_close = patch.after_close.unwrap_or(self.after_close);
        if after_close != AFTER_CLOSE_REOPEN && after_close != AFTER_CLOSE_NEW {
            return Err(DomainError::invalid("widget.after_close", "must be reopen or new"));
        }
        let csat = patch.csat.unwrap_or(self.csat);
        let page_tracking = patch.page_tracking.unwrap_or(self.page_tracking);
        let prechat = match patch.prechat {
            Some(p) => self.prechat.apply(p)?,
            None => self.prechat,
        };
        let offline_emails = match patch.offline_emails {
            Some(list) => {
                let mut parsed: Vec<String> = Vec::new();
                for raw in &list {
                    let email = Email::parse(raw).map_err(|e| e.at("widget.offline_emails"))?;
                    if !parsed.iter().any(|p| p == email.as_str()) {
                        parsed.push(email.as_str().to_string());
                    }
                }
                if parsed.len() > OFFLINE_EMAILS_MAX {
                    return Err(DomainError::invalid("widget.offline_emails", format!("must be at most {OFFLINE_EMAILS_MAX} addresses")));
                }
                parsed
            }
            None => self.offline_emails,
        };
        let transcript_email = patch.transcript_email.unwrap_or(self.transcript_email);
        let auto_close = match patch.auto_close {
            Some(p) => self.auto_close.apply(p)?,
            None => self.auto_close,
        };
        Ok(WidgetSettings { auto_close, color: color.to_ascii_lowercase(), position, greeting: greeting.trim().to_string(), after_close, csat, page_tracking, prechat, transcript_email, offline_emails })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(color: Option<&str>, position: Option<&str>, greeting: Option<&str>) -> WidgetSettingsPatch {
        WidgetSettingsPatch { color: color.map(Into::into), position: position.map(Into::into), greeting: greeting.map(Into::into), after_close: None, csat: None, page_tracking: None, prechat: None, transcript_email: None, offline_emails: None, auto_close: None }
    }

    #[test]
    fn defaults_fill_what_is_missing_or_damaged() {
        assert_eq!(WidgetSettings::from_stored("{}"), WidgetSettings::default());
        assert_eq!(WidgetSettings::from_stored("not json"), WidgetSettings::default());
        assert_eq!(WidgetSettings::from_stored(r##"{"color":"#FF0000"}"##).color, "#ff0000");
    }

    #[test]
    fn patches_are_validated() {
        let base = WidgetSettings::default();
        assert!(base.clone().apply(patch(Some("#00aa00"), Some("left"), Some("Hello"))).is_ok());
        for bad in [patch(Some("red"), None, None), patch(Some("#12345"), None, None), patch(None, Some("top"), None), patch(None, None, Some("  ")), patch(None, None, Some(&"x".repeat(201)))] {
            assert!(base.clone().apply(bad).is_err());
        }
        let new = WidgetSettingsPatch { after_close: Some("new".into()), ..Default::default() };
        assert_eq!(base.clone().apply(new).unwrap().after_close, "new");
        assert!(base.clone().apply(WidgetSettingsPatch { after_close: Some("delete".into()), ..Default::default() }).is_err());
        let team = |list: &[&str]| base.clone().apply(WidgetSettingsPatch { offline_emails: Some(list.iter().map(|s| s.to_string()).collect()), ..Default::default() });
        assert_eq!(team(&[" Team@Acme.example", "team@acme.example", "ops@acme.example"]).expect("valid").offline_emails, vec!["team@acme.example", "ops@acme.example"], "normalized, once each");
        assert!(team(&["not an address"]).is_err());
        assert!(team(&["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"]).is_err(), "at most five");
    }

    #[test]
    fn idle_conversations_close_with_the_bot_after_its_last_event_and_with_an_operator_only_when_waiting_on_the_visitor() {
        let base = WidgetSettings::default();
        assert_eq!(base.auto_close, AutoClose::default(), "off by default");
        assert_eq!(base.auto_close.due_at("bot", Some(1_000), None, 60_000), None);
        let set = |b: i64, v: i64| base.clone().apply(WidgetSettingsPatch { auto_close: Some(AutoClosePatch { bot_minutes: Some(b), visitor_minutes: Some(v) }), ..Default::default() });
        let ac = set(30, 60).expect("valid").auto_close;
        assert_eq!(ac.due_at("bot", Some(1_000), Some(("visitor", 500)), 60_000), Some(1_000 + 30 * 60_000));
        assert_eq!(ac.due_at("active", Some(9_000), Some(("operator", 2_000)), 60_000), Some(2_000 + 60 * 60_000), "waiting on the visitor");
        assert_eq!(ac.due_at("active", Some(9_000), Some(("visitor", 2_000)), 60_000), None, "waiting on the team");
        assert_eq!(ac.due_at("queued", Some(9_000), Some(("operator", 2_000)), 60_000), None);
        assert_eq!(ac.due_at("closed", Some(9_000), Some(("operator", 2_000)), 60_000), None);
        assert_eq!(ac.due_at("active", Some(9_000), Some(("operator", 2_000)), 100), Some(2_000 + 60 * 100), "a local run's short minute");
        assert!(set(-1, 0).is_err() && set(0, 10_081).is_err());
        let only_bot = base.clone().apply(WidgetSettingsPatch { auto_close: Some(AutoClosePatch { bot_minutes: Some(5), visitor_minutes: None }), ..Default::default() }).expect("valid");
        assert_eq!(only_bot.auto_close, AutoClose { bot_minutes: 5, visitor_minutes: 0 });
    }

    #[test]
    fn the_prechat_form_requires_what_the_tenant_chose_at_the_moment_it_chose() {
        let base = WidgetSettings::default();
        assert_eq!(base.prechat.missing(PRECHAT_AT_START, None, None), None, "off by default");
        let form = |fields: &str, when: &str| {
            let patch = PrechatPatch { fields: Some(fields.into()), name_required: Some(true), email_required: Some(true), when: Some(when.into()) };
            base.clone().apply(WidgetSettingsPatch { prechat: Some(patch), ..Default::default() }).map(|w| w.prechat)
        };
        let start = form("name_email", "start").expect("valid");
        assert_eq!(start.missing("start", None, None), Some("name"));
        assert_eq!(start.missing("start", Some("  "), Some("a@b.c")), Some("name"), "blank is not given");
        assert_eq!(start.missing("start", Some("Kai"), None), Some("email"));
        assert_eq!(start.missing("start", Some("Kai"), Some("kai@x.y")), None);
        assert_eq!(start.missing("handoff", None, None), None, "asked at the start only");
        let name_only = form("name", "handoff").expect("valid");
        assert_eq!(name_only.missing("handoff", Some("Kai"), None), None, "email is not asked");
        assert_eq!(name_only.missing("handoff", None, None), Some("name"));
        assert!(form("phone", "start").is_err());
        assert!(form("name", "later").is_err());
        let stored = serde_json::to_string(&base.clone().apply(WidgetSettingsPatch { prechat: Some(PrechatPatch { fields: Some("name".into()), ..Default::default() }), ..Default::default() }).expect("valid")).expect("json");
        assert_eq!(WidgetSettings::from_stored(&stored).prechat.fields, "name", "stored settings read back");
    }
}
