//! The summary an operator reads when they take a conversation over, and what a closed conversation is
//! remembered by: without an AI provider, extracted deterministically — the menu path the visitor
//! took, their first question, the order references they gave, and the last exchanges. Stored as a
//! private `summary` event (operators only; searchable; in the events export).

use serde::Serialize;

/// The last exchanges kept.
pub const LAST_MESSAGES: usize = 4;
/// A message quoted at most this long (characters).
pub const QUOTE_MAX: usize = 280;
const REFS_MAX: usize = 5;

/// One message as the summary reads it: who (`visitor`, `operator`, `bot`) and what.
pub struct Said<'a> {
    pub who: &'a str,
    pub name: Option<&'a str>,
    pub text: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub who: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `handoff` or `close`: when it was made.
    pub at: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub menu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_question: Option<String>,
    pub order_refs: Vec<String>,
    pub last: Vec<Line>,
}

fn quote(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= QUOTE_MAX {
        return one_line;
    }
    let cut: String = one_line.chars().take(QUOTE_MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Order references in a visitor's words: a word of 4 to 32 letters, digits and dashes with at least
/// four digits (and a letter when it has dashes), or five digits alone (`#A-10492`, `ORD-2026-0042`,
/// `100234`), without a leading `#`.
pub fn order_refs(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '、' | '。' | '，' | '：' | ':' | '!' | '?' | '！' | '？')) {
        let word = word.trim_matches(|c: char| matches!(c, '.' | '"' | '\'' | '「' | '」')).trim_start_matches('#').trim_start_matches('＃');
        let digits = word.chars().filter(|c| c.is_ascii_digit()).count();
        let shaped = (4..=32).contains(&word.len()) && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !word.starts_with('-') && !word.ends_with('-');
        // Digits alone: five or more (four are a year, a PIN, a phone number's part); with dashes,
        // a letter too (digits and dashes are dates and phone numbers).
        let letters = word.chars().any(|c| c.is_ascii_alphabetic());
        let enough = if digits == word.len() { digits >= 5 } else { digits >= 4 && (letters || !word.contains('-')) };
        if shaped && enough && !found.iter().any(|f| f.eq_ignore_ascii_case(word)) {
            found.push(word.to_string());
        }
    }
    found
}

impl Summary {
    /// `visitor_messages`: every message the visitor wrote, in order; `recent`: the last messages of
    /// anyone, in order; `menu`: the menu path's labels.
    pub fn extract(at: &'static str, menu: Option<&str>, visitor_messages: &[&str], recent: &[Said<'_>]) -> Summary {
        let mut refs: Vec<String> = Vec::new();
        for text in visitor_messages {
            for r in order_refs(text) {
                if refs.len() < REFS_MAX && !refs.iter().any(|x| x.eq_ignore_ascii_case(&r)) {
                    refs.push(r);
                }
            }
        }
        let start = recent.len().saturating_sub(LAST_MESSAGES);
        Summary {
            at,
            menu: menu.map(str::to_string).filter(|m| !m.trim().is_empty()),
            first_question: visitor_messages.iter().find(|t| !t.trim().is_empty()).map(|t| quote(t)),
            order_refs: refs,
            last: recent[start..].iter().map(|s| Line { who: s.who.to_string(), name: s.name.map(str::to_string), text: quote(s.text) }).collect(),
        }
    }

    /// Plain text (the event's text: what search finds and exports show).
    pub fn text(&self) -> String {
        let mut lines = Vec::new();
        if let Some(m) = &self.menu {
            lines.push(format!("Menu: {m}"));
        }
        if let Some(q) = &self.first_question {
            lines.push(format!("First question: {q}"));
        }
        if !self.order_refs.is_empty() {
            lines.push(format!("Order references: {}", self.order_refs.join(", ")));
        }
        for l in &self.last {
            let who = match (l.who.as_str(), &l.name) {
                ("visitor", _) => "Visitor".to_string(),
                ("bot", _) => "Bot".to_string(),
                (_, Some(name)) => name.clone(),
                (w, None) => w.to_string(),
            };
            lines.push(format!("{who}: {}", l.text));
        }
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_references_are_found_in_what_visitors_write_in_any_language() {
        assert_eq!(order_refs("Where is order #A-10492? I paid on 2026-11-02, call 090-1234-5678."), vec!["A-10492"], "not dates nor phone numbers");
        assert_eq!(order_refs("注文番号はORD-2026-0042です"), Vec::<String>::new(), "glued to CJK text: not a word");
        assert_eq!(order_refs("注文番号は ORD-2026-0042 です。"), vec!["ORD-2026-0042"]);
        assert_eq!(order_refs("주문번호: 100234, 그리고 #100234"), vec!["100234"], "once");
        assert_eq!(order_refs("call 555 1234 in 2026 or 12 items"), Vec::<String>::new(), "short numbers and a year are not references");
        assert_eq!(order_refs("---1234--- and -55555"), Vec::<String>::new());
    }

    #[test]
    fn the_summary_keeps_the_menu_path_the_first_question_the_references_and_the_last_exchanges() {
        let long = "x".repeat(400);
        let visitor = ["", "My parcel 778899 has not arrived", "Also order 112233", &long];
        let recent = [
            Said { who: "visitor", name: None, text: "My parcel 778899 has not arrived" },
            Said { who: "bot", name: None, text: "Sorry!\nLet me find someone." },
            Said { who: "operator", name: Some("Mia"), text: "Looking now" },
            Said { who: "visitor", name: None, text: "Also order 112233" },
            Said { who: "visitor", name: None, text: &long },
        ];
        let s = Summary::extract("handoff", Some("Orders › Where is my order?"), &visitor, &recent);
        assert_eq!(s.first_question.as_deref(), Some("My parcel 778899 has not arrived"));
        assert_eq!(s.order_refs, vec!["778899", "112233"]);
        assert_eq!(s.last.len(), LAST_MESSAGES);
        assert_eq!(s.last[0].text, "Sorry! Let me find someone.", "on one line");
        assert_eq!(s.last[3].text.chars().count(), QUOTE_MAX, "long messages are cut");
        assert!(s.last[3].text.ends_with('…'));
        let text = s.text();
        assert!(text.starts_with("Menu: Orders › Where is my order?\nFirst question: My parcel 778899 has not arrived\nOrder references: 778899, 112233\nBot: Sorry! Let me find someone.\nMia: Looking now\nVisitor: Also order 112233\n"), "{text}");
        let empty = Summary::extract("close", None, &[], &[]);
        assert_eq!(empty.text(), "");
        assert_eq!(serde_json::to_value(&empty).expect("json"), serde_json::json!({ "at": "close", "order_refs": [], "last": [] }));
    }
}
