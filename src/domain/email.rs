//! Operator and visitor email addresses: trimmed, lowercased, one `@`, a dotted domain, no spaces,
//! at most 254 characters. Deliverability is not our business; shape and uniqueness are.

use super::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, DomainError> {
        let value = raw.trim().to_lowercase();
        let bad = |m: &str| Err(DomainError::invalid("email", m));
        if value.is_empty() {
            return bad("is required");
        }
        if value.chars().count() > 254 {
            return bad("must be at most 254 characters");
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == '"' || c == ',') {
            return bad("must not contain spaces, quotes, commas or angle brackets");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return bad("must look like name@example.com");
        };
        if local.is_empty() || local.len() > 64 || domain.contains('@') {
            return bad("must look like name@example.com");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-')) {
            return bad("must have a domain such as example.com");
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_ordinary_addresses() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        assert!(Email::parse("first.last+tag@sub.example.co.jp").is_ok());
    }

    #[test]
    fn refuses_malformed_addresses() {
        for raw in ["", "   ", "ada", "ada@", "@example.com", "ada@example", "ada@@example.com", "a da@example.com", "ada@example..com", "ada@-example.com", "<ada@example.com>", "a,b@example.com"] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn error_names_the_field() {
        match Email::parse("nope") {
            Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "email"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
