//! What a conversation event may carry, and the idempotency rule of sends: the same `client_msg_id`
//! with the same content is the same event (same seq again); with other content it is an error.

use super::encoding::hex;
use super::hmac::hmac_sha256;
use super::DomainError;

pub const TEXT_MAX_CHARS: usize = 4000;
pub const CLIENT_MSG_ID_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    /// Non-blank, at most 4,000 characters; kept exactly as typed (no trimming inside).
    pub fn parse(raw: &str) -> Result<MessageText, DomainError> {
        if raw.trim().is_empty() {
            return Err(DomainError::invalid("text", "must not be empty"));
        }
        if raw.chars().count() > TEXT_MAX_CHARS {
            return Err(DomainError::invalid("text", format!("must be at most {TEXT_MAX_CHARS} characters")));
        }
        if raw.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            return Err(DomainError::invalid("text", "must not contain control characters"));
        }
        Ok(MessageText(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A one-line preview for lists.
    pub fn preview(&self) -> String {
        let flat: String = self.0.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut out: String = flat.chars().take(140).collect();
        if flat.chars().count() > 140 {
            out.push('…');
        }
        out
    }
}

/// The sender's id for a message: 1 to 64 of letters, digits and `-_.:` (UUIDs fit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMsgId(String);

impl ClientMsgId {
    pub fn parse(raw: &str) -> Result<ClientMsgId, DomainError> {
        let ok = !raw.is_empty()
            && raw.len() <= CLIENT_MSG_ID_MAX
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if ok {
            Ok(ClientMsgId(raw.to_string()))
        } else {
            Err(DomainError::invalid("client_msg_id", "must be 1 to 64 letters, digits, '-', '_', '.' or ':'"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Fingerprint of what a send asked for (kind, author, content): two sends with one `client_msg_id`
/// are the same send exactly when their fingerprints are equal.
pub fn content_hash(kind: &str, author_type: &str, author_id: &str, content: &str) -> String {
    let mut message = Vec::with_capacity(content.len() + 64);
    for part in [kind, author_type, author_id, content] {
        message.extend_from_slice(&(part.len() as u64).to_be_bytes());
        message.extend_from_slice(part.as_bytes());
    }
    hex(&hmac_sha256(b"edgechat-content-v1", &message)[..16])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// A new event was stored: ack the sender, broadcast to the others.
    Created,
    /// Already stored with the same content: ack again with the stored seq, broadcast nothing.
    Duplicate,
    /// The id was used for other content: an error to the sender, nothing stored.
    Conflict,
}

/// Decides a send from what the store reports after the conditional insert.
pub fn classify_send(inserted: bool, stored_hash: &str, sent_hash: &str) -> SendOutcome {
    match (inserted, stored_hash == sent_hash) {
        (true, _) => SendOutcome::Created,
        (false, true) => SendOutcome::Duplicate,
        (false, false) => SendOutcome::Conflict,
    }
}

/// Whether a page of events read after `after_seq` is gap-free and in order.
pub fn is_contiguous(after_seq: i64, seqs: &[i64]) -> bool {
    seqs.iter().enumerate().all(|(i, s)| *s == after_seq + 1 + i as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits() {
        assert!(MessageText::parse("hello").is_ok());
        assert!(MessageText::parse("  ").is_err());
        assert!(MessageText::parse("").is_err());
        assert!(MessageText::parse(&"あ".repeat(TEXT_MAX_CHARS)).is_ok(), "counts characters");
        assert!(MessageText::parse(&"a".repeat(TEXT_MAX_CHARS + 1)).is_err());
        assert!(MessageText::parse("line one\nline two\ttab").is_ok());
        assert!(MessageText::parse("bell\u{7}").is_err());
        assert_eq!(MessageText::parse("  keep  spaces ").unwrap().as_str(), "  keep  spaces ");
    }

    #[test]
    fn previews_are_one_line_and_short() {
        assert_eq!(MessageText::parse("a\n\n b").unwrap().preview(), "a b");
        let long = MessageText::parse(&"x".repeat(200)).unwrap().preview();
        assert_eq!(long.chars().count(), 141);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn client_msg_ids() {
        assert!(ClientMsgId::parse("3f2504e0-4f89-41d3-9a0c-0305e82c3301").is_ok());
        assert!(ClientMsgId::parse("tab1:42").is_ok());
        for bad in ["", "has space", "emoji🙂", &"a".repeat(65), "quote\""] {
            assert!(ClientMsgId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn content_hash_separates_fields_and_is_stable() {
        let h = content_hash("message", "visitor", "v1", "hi");
        assert_eq!(h, content_hash("message", "visitor", "v1", "hi"));
        assert_eq!(h.len(), 32);
        assert_ne!(h, content_hash("message", "visitor", "v1", "hi!"));
        assert_ne!(h, content_hash("message", "visitor", "v2", "hi"));
        assert_ne!(h, content_hash("message", "operator", "v1", "hi"));
        assert_ne!(content_hash("message", "visitor", "v1x", "y"), content_hash("message", "visitor", "v1", "xy"), "length-prefixed fields");
    }

    #[test]
    fn send_classification_covers_every_case() {
        assert_eq!(classify_send(true, "a", "a"), SendOutcome::Created);
        assert_eq!(classify_send(true, "a", "b"), SendOutcome::Created);
        assert_eq!(classify_send(false, "a", "a"), SendOutcome::Duplicate);
        assert_eq!(classify_send(false, "a", "b"), SendOutcome::Conflict);
    }

    #[test]
    fn contiguity_check() {
        assert!(is_contiguous(10, &[11, 12, 13]));
        assert!(is_contiguous(0, &[]));
        assert!(!is_contiguous(10, &[11, 13]));
        assert!(!is_contiguous(10, &[12, 11]));
        assert!(!is_contiguous(10, &[10, 11]));
    }
}
