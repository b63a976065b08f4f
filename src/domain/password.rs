//! Password policy and the stored hash format. Hashing itself is PBKDF2-SHA256 through SubtleCrypto
//! (`crate::crypto`); this module decides what a password may be and how its hash is written down:
//! `pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>`, so parameters travel with the hash.

use super::encoding::{base64url, base64url_decode, constant_time_eq};
use super::DomainError;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;
/// Cloudflare's production ceiling for PBKDF2 in SubtleCrypto.
pub const ITERATIONS: u32 = 100_000;
pub const SALT_BYTES: usize = 16;
pub const HASH_BYTES: usize = 32;
const SCHEME: &str = "pbkdf2-sha256";

/// A password that satisfies the policy. Never logged, never serialised.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str, field: &str) -> Result<Password, DomainError> {
        let count = raw.chars().count();
        if count < MIN_LENGTH {
            return Err(DomainError::invalid(field, format!("must be at least {MIN_LENGTH} characters")));
        }
        if count > MAX_LENGTH {
            return Err(DomainError::invalid(field, format!("must be at most {MAX_LENGTH} characters")));
        }
        if raw.trim().is_empty() {
            return Err(DomainError::invalid(field, "must not be only spaces"));
        }
        if raw.chars().any(|c| c.is_control()) {
            return Err(DomainError::invalid(field, "must not contain control characters"));
        }
        Ok(Password(raw.to_string()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PasswordHash {
    pub fn parse(stored: &str) -> Option<PasswordHash> {
        let mut parts = stored.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let iterations: u32 = parts.next()?.parse().ok()?;
        let salt = base64url_decode(parts.next()?)?;
        let hash = base64url_decode(parts.next()?)?;
        if parts.next().is_some() || iterations == 0 || salt.is_empty() || hash.len() != HASH_BYTES {
            return None;
        }
        Some(PasswordHash { iterations, salt, hash })
    }

    pub fn format(&self) -> String {
        format!("{SCHEME}${}${}${}", self.iterations, base64url(&self.salt), base64url(&self.hash))
    }

    /// Whether freshly derived bits (same salt and iterations) equal the stored hash.
    pub fn matches(&self, derived: &[u8]) -> bool {
        constant_time_eq(&self.hash, derived)
    }

    /// Hashes made with fewer iterations than today's setting are upgraded at the next login.
    pub fn needs_rehash(&self) -> bool {
        self.iterations != ITERATIONS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_enforces_length_bounds() {
        assert!(Password::parse("correct horse", "password").is_ok());
        assert!(Password::parse("short", "password").is_err());
        assert!(Password::parse(&"x".repeat(MAX_LENGTH + 1), "password").is_err());
        assert!(Password::parse(&"é".repeat(MIN_LENGTH), "password").is_ok(), "counts characters, not bytes");
    }

    #[test]
    fn policy_refuses_blank_and_control_characters() {
        assert!(Password::parse("            ", "password").is_err());
        assert!(Password::parse("abcdefghij\u{0}", "password").is_err());
        match Password::parse("", "new_password") {
            Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "new_password"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("hunter2hunter2", "password").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn hash_string_round_trips() {
        let h = PasswordHash { iterations: ITERATIONS, salt: vec![1; SALT_BYTES], hash: vec![7; HASH_BYTES] };
        let text = h.format();
        assert!(text.starts_with("pbkdf2-sha256$100000$"));
        assert_eq!(PasswordHash::parse(&text), Some(h.clone()));
        assert!(h.matches(&[7; HASH_BYTES]));
        assert!(!h.matches(&[8; HASH_BYTES]));
        assert!(!h.needs_rehash());
    }

    #[test]
    fn hash_string_refuses_other_schemes_and_damage() {
        let good = PasswordHash { iterations: 10, salt: vec![1; 16], hash: vec![2; 32] }.format();
        assert!(PasswordHash::parse(&good).unwrap().needs_rehash());
        for bad in [
            "".to_string(),
            good.replace("pbkdf2-sha256", "bcrypt"),
            good.replace("$10$", "$0$"),
            good.replace("$10$", "$ten$"),
            format!("{good}$extra"),
            good.rsplit_once('$').unwrap().0.to_string() + "$AAAA",
        ] {
            assert!(PasswordHash::parse(&bad).is_none(), "{bad}");
        }
    }
}
