//! Byte encodings used in tokens and stored hashes (base64url without padding through `base64ct`,
//! lowercase hex) and a constant-time comparison (`subtle`); both crates come with jwt-compact's
//! dependencies, so they add nothing to the build.

use base64ct::{Base64UrlUnpadded, Encoding};
use subtle::ConstantTimeEq;

pub fn base64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes canonical base64url without padding; anything else (stray characters, non-zero padding
/// bits, a dangling character) is `None`.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        let cases = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")];
        for (plain, encoded) in cases {
            assert_eq!(base64url(plain.as_bytes()), encoded);
            assert_eq!(base64url_decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64url_round_trips_all_byte_values() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = base64url(&bytes);
        assert!(!text.contains('+') && !text.contains('/') && !text.contains('='));
        assert_eq!(base64url_decode(&text).unwrap(), bytes);
    }

    #[test]
    fn base64url_rejects_garbage_padding_and_non_canonical_input() {
        assert!(base64url_decode("ab$c").is_none());
        assert!(base64url_decode("a").is_none());
        assert!(base64url_decode("Zg==").is_none(), "no padding in base64url here");
        assert!(base64url_decode("Zh").is_none(), "non-zero padding bits");
    }

    #[test]
    fn hex_round_trips_and_rejects_odd_or_non_hex() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(hex_decode("000fff").unwrap(), vec![0, 15, 255]);
        assert!(hex_decode("abc").is_none());
        assert!(hex_decode("zz").is_none());
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
