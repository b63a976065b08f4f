//! A visitor's rating of a closed conversation (CSAT): a score from 1 to 5 and an optional comment.

use serde::{Deserialize, Serialize};

use super::DomainError;

pub const COMMENT_MAX_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub score: i64,
    /// Trimmed; `None` when empty.
    pub comment: Option<String>,
}

impl Rating {
    pub fn parse(score: i64, comment: Option<&str>) -> Result<Rating, DomainError> {
        if !(1..=5).contains(&score) {
            return Err(DomainError::invalid("score", "must be a whole number from 1 to 5"));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = comment {
            if c.chars().count() > COMMENT_MAX_CHARS {
                return Err(DomainError::invalid("comment", format!("must be at most {COMMENT_MAX_CHARS} characters")));
            }
            if c.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\t') {
                return Err(DomainError::invalid("comment", "must not contain control characters"));
            }
        }
        Ok(Rating { score, comment: comment.map(str::to_string) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_from_one_to_five_with_an_optional_comment() {
        assert_eq!(Rating::parse(5, Some("  great help \n")), Ok(Rating { score: 5, comment: Some("great help".into()) }));
        assert_eq!(Rating::parse(1, Some("   ")), Ok(Rating { score: 1, comment: None }));
        assert_eq!(Rating::parse(3, None), Ok(Rating { score: 3, comment: None }));
        for bad in [0, 6, -1, i64::MAX] {
            assert!(matches!(Rating::parse(bad, None), Err(DomainError::Invalid { ref field, .. }) if field == "score"), "{bad}");
        }
        let long = "あ".repeat(COMMENT_MAX_CHARS + 1);
        assert!(matches!(Rating::parse(4, Some(&long)), Err(DomainError::Invalid { ref field, .. }) if field == "comment"));
        assert!(Rating::parse(4, Some(&"あ".repeat(COMMENT_MAX_CHARS))).is_ok(), "the limit counts characters, not bytes");
        assert!(Rating::parse(4, Some("a\u{0}b")).is_err());
        assert!(Rating::parse(4, Some("line one\nline two")).is_ok());
    }
}
