//! Categories a tenant sorts its conversations into, and the rules that put a conversation in one
//! without an AI provider: the first category (in the order they were made) with a keyword the
//! visitor wrote (case-insensitive, as a substring, so Japanese and Chinese words work) or an FAQ
//! entry the bot answered in the conversation. An operator's choice is never overridden.

use serde::{Deserialize, Serialize};

use super::DomainError;

pub const NAME_MAX: usize = 60;
pub const KEYWORDS_MAX: usize = 30;
pub const KEYWORD_MAX: usize = 60;
pub const FAQS_MAX: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRule {
    pub id: String,
    pub name: String,
    pub keywords: Vec<String>,
    pub faq_ids: Vec<String>,
}

/// A category's name: trimmed, 1 to `NAME_MAX` characters.
pub fn parse_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(DomainError::invalid("name", format!("must be 1 to {NAME_MAX} characters")));
    }
    Ok(name.to_string())
}

/// Keywords: trimmed, lowercased, each 1 to `KEYWORD_MAX` characters, at most `KEYWORDS_MAX`, once each.
pub fn parse_keywords(raw: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::new();
    for k in raw {
        let k = k.trim().to_lowercase();
        if k.is_empty() || k.chars().count() > KEYWORD_MAX || k.chars().any(char::is_control) {
            return Err(DomainError::invalid("keywords", format!("each must be 1 to {KEYWORD_MAX} characters")));
        }
        if !out.contains(&k) {
            out.push(k);
        }
    }
    if out.len() > KEYWORDS_MAX {
        return Err(DomainError::invalid("keywords", format!("must be at most {KEYWORDS_MAX}")));
    }
    Ok(out)
}

/// The category the rules give a conversation: `visitor_texts` what the visitor wrote, `faq_ids` the
/// entries the bot answered with.
pub fn classify<'a>(rules: &'a [CategoryRule], visitor_texts: &[&str], faq_ids: &[String]) -> Option<&'a CategoryRule> {
    let said: Vec<String> = visitor_texts.iter().map(|t| t.to_lowercase()).collect();
    rules.iter().find(|r| r.faq_ids.iter().any(|f| faq_ids.contains(f)) || r.keywords.iter().any(|k| said.iter().any(|t| t.contains(k.as_str()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, keywords: &[&str], faqs: &[&str]) -> CategoryRule {
        CategoryRule { id: id.into(), name: id.into(), keywords: keywords.iter().map(|s| s.to_string()).collect(), faq_ids: faqs.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn the_first_category_whose_words_the_visitor_used_or_whose_answer_the_bot_gave_wins() {
        let rules = [rule("shipping", &["parcel", "配送"], &[]), rule("billing", &["invoice"], &["faq-refund"]), rule("other", &["order"], &[])];
        assert_eq!(classify(&rules, &["Where is my PARCEL?"], &[]).map(|r| r.id.as_str()), Some("shipping"));
        assert_eq!(classify(&rules, &["配送状況を知りたい"], &[]).map(|r| r.id.as_str()), Some("shipping"), "CJK by substring");
        assert_eq!(classify(&rules, &["hello"], &["faq-refund".to_string()]).map(|r| r.id.as_str()), Some("billing"), "by the answer given");
        assert_eq!(classify(&rules, &["my order and my invoice"], &[]).map(|r| r.id.as_str()), Some("billing"), "the first in order");
        assert_eq!(classify(&rules, &["hello"], &[]), None);
        assert_eq!(classify(&[], &["parcel"], &[]), None);
    }

    #[test]
    fn names_and_keywords_are_checked() {
        assert_eq!(parse_name("  Shipping "), Ok("Shipping".into()));
        assert!(parse_name(" ").is_err() && parse_name(&"x".repeat(61)).is_err() && parse_name("a\nb").is_err());
        assert_eq!(parse_keywords(&[" Parcel".into(), "parcel".into(), "配送".into()]), Ok(vec!["parcel".into(), "配送".into()]));
        assert!(parse_keywords(&["".into()]).is_err());
        assert!(parse_keywords(&(0..31).map(|i| format!("k{i}")).collect::<Vec<_>>()).is_err());
    }
}
