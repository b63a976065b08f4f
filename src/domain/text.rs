//! Short single-line names typed by people: company, operator and department names, key labels.
//! Trimmed, non-empty, bounded, no control characters.

use super::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(raw: &str, field: &str, max_chars: usize) -> Result<Name, DomainError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(DomainError::invalid(field, "is required"));
        }
        if value.chars().count() > max_chars {
            return Err(DomainError::invalid(field, format!("must be at most {max_chars} characters")));
        }
        if value.chars().any(char::is_control) {
            return Err(DomainError::invalid(field, "must be a single line without control characters"));
        }
        Ok(Name(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const NAME_MAX: usize = 80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Demo Co ", "name", NAME_MAX).unwrap().as_str(), "Demo Co");
        assert_eq!(Name::parse("日本語の会社", "name", 6).unwrap().as_str(), "日本語の会社");
        assert!(Name::parse("日本語の会社!", "name", 6).is_err());
        assert!(Name::parse("   ", "name", NAME_MAX).is_err());
        assert!(Name::parse("two\nlines", "name", NAME_MAX).is_err());
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(Name::parse("", "label", 10), Err(DomainError::invalid("label", "is required")));
    }
}
