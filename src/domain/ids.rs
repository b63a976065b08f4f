//! Identifiers: every row id is a UUID v4 in its hyphenated lowercase form. An id from a URL that does
//! not parse is treated exactly like an id that does not exist (404), so ids never leak existence.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    /// Wraps a freshly generated UUID v4.
    pub fn from_uuid(uuid: uuid::Uuid) -> Self {
        Id(uuid.hyphenated().to_string())
    }

    pub fn parse(raw: &str) -> Option<Id> {
        uuid::Uuid::parse_str(raw)
            .ok()
            .filter(|u| raw.len() == 36 && u.get_version_num() == 4)
            .map(|u| Id(u.hyphenated().to_string()))
    }

    /// An id derived from `parts` under `key`: the same parts always give the same id (a retried
    /// "start a conversation" reaches the same room), and without the key nobody can predict it.
    pub fn derive(key: &[u8], parts: &[&str]) -> Id {
        let mut message = Vec::new();
        for part in parts {
            message.extend_from_slice(&(part.len() as u64).to_be_bytes());
            message.extend_from_slice(part.as_bytes());
        }
        let mac = super::hmac::hmac_sha256(key, &message);
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&mac[..16]);
        Id::from_uuid(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v4_uuids_and_normalises_case() {
        let id = Id::parse("3F2504E0-4F89-41D3-9A0C-0305E82C3301").unwrap();
        assert_eq!(id.as_str(), "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    }

    #[test]
    fn refuses_other_shapes() {
        for raw in ["", "1", "not-a-uuid", "3f2504e04f8941d39a0c0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}"] {
            assert!(Id::parse(raw).is_none(), "{raw}");
        }
    }

    #[test]
    fn derived_ids_are_stable_v4_shaped_and_keyed() {
        let a = Id::derive(b"key", &["t", "v", "req-1"]);
        assert_eq!(a, Id::derive(b"key", &["t", "v", "req-1"]), "same inputs, same id");
        assert_eq!(Id::parse(a.as_str()), Some(a.clone()), "parses like any other id");
        assert_ne!(a, Id::derive(b"key", &["t", "v", "req-2"]));
        assert_ne!(a, Id::derive(b"other", &["t", "v", "req-1"]));
        assert_ne!(Id::derive(b"k", &["ab", "c"]), Id::derive(b"k", &["a", "bc"]), "parts are length-prefixed");
    }
}
