//! HMAC-SHA256 (the `hmac` and `sha2` crates jwt-compact already compiles in): visitor identity
//! hashes, refresh-token hashes, signed visitor tokens and file URLs.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::encoding::{hex, hex_decode};

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length (longer ones are hashed first), so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return [0; 32] };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex(&hmac_sha256(key, message))
}

/// Checks a hex HMAC a client sent (case-insensitive) in constant time.
pub fn verify_hmac_hex(key: &[u8], message: &[u8], claimed_hex: &str) -> bool {
    let Some(claimed) = hex_decode(&claimed_hex.to_ascii_lowercase()) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return false };
    mac.update(message);
    mac.verify_slice(&claimed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_matches_rfc4231_test_case_2() {
        let mac = hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn verify_accepts_upper_case_hex_and_refuses_tampering() {
        let mac = hmac_sha256_hex(b"k", b"user-42");
        assert!(verify_hmac_hex(b"k", b"user-42", &mac.to_uppercase()));
        assert!(!verify_hmac_hex(b"k", b"user-43", &mac));
        assert!(!verify_hmac_hex(b"other", b"user-42", &mac));
        assert!(!verify_hmac_hex(b"k", b"user-42", ""));
        assert!(!verify_hmac_hex(b"k", b"user-42", "not hex"));
    }
}
