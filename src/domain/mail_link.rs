//! The link that confirms an address before a transcript is emailed to it: anybody can type any
//! address into a chat, so an address the site did not vouch for first gets a mail with fixed words
//! and this link, and the transcript goes only once the link is opened (within 24 hours, once).
//! The token is `base64url(JSON claims) "." hex(HMAC-SHA256)` under a key derived from the Worker's
//! secret; what it names is checked again by the conversation's room when it is used.

use serde::{Deserialize, Serialize};

use super::encoding::{base64url, base64url_decode};
use super::hmac::{hmac_sha256_hex, verify_hmac_hex};

pub const LINK_TTL_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLink {
    /// Tenant, conversation and visitor.
    pub t: String,
    pub c: String,
    pub v: String,
    /// The address to send to, the reader's time zone and the conversation's language.
    pub e: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z: Option<String>,
    pub l: String,
    /// Expiry (seconds since the epoch) and a nonce that makes the link single-use.
    pub x: i64,
    pub n: String,
}

fn key(secret: &[u8]) -> Vec<u8> {
    // A key of its own, so a link can never be taken for any other token signed with the secret.
    super::hmac::hmac_sha256(secret, b"edgechat transcript link").to_vec()
}

impl TranscriptLink {
    pub fn sign(&self, secret: &[u8]) -> String {
        let claims = base64url(serde_json::to_string(self).unwrap_or_default().as_bytes());
        let mac = hmac_sha256_hex(&key(secret), claims.as_bytes());
        format!("{claims}.{mac}")
    }

    /// The claims of a token this secret signed that has not expired at `now_secs`; `None` for
    /// anything else (tampered, truncated, expired, not ours).
    pub fn verify(token: &str, secret: &[u8], now_secs: i64) -> Option<TranscriptLink> {
        let (claims, mac) = token.split_once('.')?;
        if !verify_hmac_hex(&key(secret), claims.as_bytes(), mac) {
            return None;
        }
        let link: TranscriptLink = serde_json::from_slice(&base64url_decode(claims)?).ok()?;
        (link.x > now_secs).then_some(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(x: i64) -> TranscriptLink {
        TranscriptLink { t: "t1".into(), c: "c1".into(), v: "v1".into(), e: "kai@visitor.example".into(), z: Some("Asia/Tokyo".into()), l: "ja".into(), x, n: "n1".into() }
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires_and_nothing_else_does() {
        let secret = b"a secret of at least thirty-two bytes!";
        let token = link(1_000).sign(secret);
        assert_eq!(TranscriptLink::verify(&token, secret, 999), Some(link(1_000)));
        assert_eq!(TranscriptLink::verify(&token, secret, 1_000), None, "expired");
        assert_eq!(TranscriptLink::verify(&token, b"another secret of thirty-two bytes!!", 999), None, "not ours");
        let (claims, mac) = token.split_once('.').expect("two parts");
        let other = link(1_000);
        let forged = TranscriptLink { e: "victim@example.com".into(), ..other }.sign(b"guessed");
        assert_eq!(TranscriptLink::verify(&format!("{}.{mac}", forged.split_once('.').expect("two parts").0), secret, 999), None, "changed claims");
        for bad in ["", ".", "abc", &format!("{claims}."), &format!("{claims}.{}", &mac[..10]), &format!("{claims}x.{mac}")] {
            assert_eq!(TranscriptLink::verify(bad, secret, 0), None, "{bad:?}");
        }
    }
}
