//! Publishable keys (`pk_…`, public, embedded in the snippet) and identity secrets (`ids_…`, private,
//! used by a site's server to sign its user ids). Formats are fixed so a pasted value is checked early.

use super::encoding::hex;
use super::DomainError;

const PK_PREFIX: &str = "pk_";
const SECRET_PREFIX: &str = "ids_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey(String);

impl PublishableKey {
    /// A new key from 16 random bytes: `pk_` and 32 hex digits.
    pub fn generate(random: &[u8; 16]) -> PublishableKey {
        PublishableKey(format!("{PK_PREFIX}{}", hex(random)))
    }

    /// `pk_` then 16 to 64 ASCII letters or digits.
    pub fn parse(raw: &str) -> Result<PublishableKey, DomainError> {
        let body = raw.strip_prefix(PK_PREFIX).ok_or_else(|| DomainError::invalid("key", "must start with pk_"))?;
        if !(16..=64).contains(&body.len()) || !body.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid("key", "must be pk_ followed by 16 to 64 letters or digits"));
        }
        Ok(PublishableKey(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The tenant's identity secret: shown once when created, used as the HMAC key for verified visitors.
pub fn generate_identity_secret(random: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", hex(random))
}

/// The last four characters, enough for an owner to recognise which secret is active.
pub fn secret_hint(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{SECRET_PREFIX}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse() {
        let key = PublishableKey::generate(&[0xab; 16]);
        assert_eq!(key.as_str(), format!("pk_{}", "ab".repeat(16)));
        assert_eq!(PublishableKey::parse(key.as_str()).unwrap(), key);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in ["", "pk_", "sk_0123456789abcdef", "pk_short", "pk_0123456789abcde!", &format!("pk_{}", "a".repeat(65)), "PK_0123456789abcdef"] {
            assert!(PublishableKey::parse(bad).is_err(), "{bad}");
        }
        assert!(PublishableKey::parse("pk_demo0000000000000000000000000000").is_ok());
    }

    #[test]
    fn identity_secrets_have_a_prefix_and_a_hint() {
        let secret = generate_identity_secret(&[1; 32]);
        assert!(secret.starts_with("ids_"));
        assert_eq!(secret.len(), 4 + 64);
        assert_eq!(secret_hint(&secret), "ids_…0101");
    }
}
