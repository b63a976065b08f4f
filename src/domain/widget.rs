//! The widget's appearance per tenant (accent color, corner, greeting) and what a visitor's message into
//! a closed conversation does (`after_close`). Stored as JSON on the tenant.

use serde::{Deserialize, Serialize};

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
}

impl Default for WidgetSettings {
    fn default() -> Self {
        WidgetSettings { color: "#2563eb".into(), position: "right".into(), greeting: "Hi! How can we help?".into(), after_close: AFTER_CLOSE_REOPEN.into(), csat: true, page_tracking: true }
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
        Ok(WidgetSettings { color: color.to_ascii_lowercase(), position, greeting: greeting.trim().to_string(), after_close, csat, page_tracking })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(color: Option<&str>, position: Option<&str>, greeting: Option<&str>) -> WidgetSettingsPatch {
        WidgetSettingsPatch { color: color.map(Into::into), position: position.map(Into::into), greeting: greeting.map(Into::into), after_close: None, csat: None, page_tracking: None }
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
        assert!(base.apply(WidgetSettingsPatch { after_close: Some("delete".into()), ..Default::default() }).is_err());
    }
}
