//! HMAC-SHA256, computed with the HS256 implementation that jwt-compact already ships (so no extra
//! crypto crate): visitor identity hashes, refresh-token hashes, signed visitor tokens and file URLs.

use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{Algorithm, AlgorithmSignature};

use super::encoding::{constant_time_eq, hex, hex_decode};

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let signature = Hs256.sign(&Hs256Key::new(key), message);
    let bytes = signature.as_bytes();
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes[..32]);
    out
}

pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex(&hmac_sha256(key, message))
}

/// Checks a hex HMAC a client sent (case-insensitive) in constant time.
pub fn verify_hmac_hex(key: &[u8], message: &[u8], claimed_hex: &str) -> bool {
    match hex_decode(&claimed_hex.to_ascii_lowercase()) {
        Some(claimed) => constant_time_eq(&hmac_sha256(key, message), &claimed),
        None => false,
    }
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
