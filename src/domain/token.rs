//! Operator access tokens: HS256 JWTs made and checked with jwt-compact. The algorithm is pinned
//! (a token whose header names another algorithm, `none` included, is refused before its signature
//! is looked at), `exp` is at most 15 minutes ahead, and `iss`/`aud` must be ours.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "edgechat";
pub const AUDIENCE: &str = "edgechat-console";
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// Clock skew tolerated when checking `exp`.
const LEEWAY_SECS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Operator id.
    pub sub: String,
    /// Tenant id: the only source of the tenant for operator requests.
    pub tid: String,
    pub role: String,
    /// The operator's token version at issue time; bumped on password change and deactivation, so
    /// older access tokens stop working at once.
    pub ver: i64,
    pub iss: String,
    pub aud: String,
}

impl AccessClaims {
    pub fn new(operator_id: &str, tenant_id: &str, role: &str, ver: i64) -> Self {
        AccessClaims {
            sub: operator_id.to_string(),
            tid: tenant_id.to_string(),
            role: role.to_string(),
            ver,
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    WrongAlgorithm,
    BadSignature,
    Expired,
    WrongIssuerOrAudience,
    Internal,
}

impl TokenError {
    pub fn message(&self) -> &'static str {
        match self {
            TokenError::Malformed => "the access token is malformed",
            TokenError::WrongAlgorithm => "the access token uses an algorithm other than HS256",
            TokenError::BadSignature => "the access token's signature is invalid",
            TokenError::Expired => "the access token has expired",
            TokenError::WrongIssuerOrAudience => "the access token was not issued for this console",
            TokenError::Internal => "the access token could not be processed",
        }
    }
}

fn at(secs: i64) -> Result<DateTime<Utc>, TokenError> {
    Utc.timestamp_opt(secs, 0).single().ok_or(TokenError::Internal)
}

pub fn issue_access_token(secret: &[u8], claims: AccessClaims, now_secs: i64) -> Result<String, TokenError> {
    let now = at(now_secs)?;
    let mut full = Claims::new(claims);
    full.issued_at = Some(now);
    full.expiration = Some(now + Duration::seconds(ACCESS_TTL_SECS));
    let header = Header::empty().with_token_type("JWT");
    Hs256.token(&header, &full, &Hs256Key::new(secret)).map_err(|_| TokenError::Internal)
}

pub fn verify_access_token(secret: &[u8], token: &str, now_secs: i64) -> Result<AccessClaims, TokenError> {
    let untrusted = UntrustedToken::new(token).map_err(|_| TokenError::Malformed)?;
    if untrusted.algorithm() != "HS256" {
        return Err(TokenError::WrongAlgorithm);
    }
    let key = Hs256Key::new(secret);
    let validated = Hs256.validator::<AccessClaims>(&key).validate(&untrusted).map_err(|e| match e {
        jwt_compact::ValidationError::AlgorithmMismatch { .. } => TokenError::WrongAlgorithm,
        jwt_compact::ValidationError::MalformedClaims(_) => TokenError::Malformed,
        _ => TokenError::BadSignature,
    })?;
    let claims = validated.claims();
    let now = at(now_secs)?;
    let options = TimeOptions::new(Duration::seconds(LEEWAY_SECS), move || now);
    claims.validate_expiration(&options).map_err(|_| TokenError::Expired)?;
    // A token must not claim a longer life than we ever issue.
    match (claims.expiration, claims.issued_at) {
        (Some(exp), Some(iat)) if exp - iat <= Duration::seconds(ACCESS_TTL_SECS) && iat <= now + Duration::seconds(LEEWAY_SECS) => {}
        _ => return Err(TokenError::Expired),
    }
    if claims.custom.iss != ISSUER || claims.custom.aud != AUDIENCE {
        return Err(TokenError::WrongIssuerOrAudience);
    }
    Ok(claims.custom.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::encoding::base64url;

    const SECRET: &[u8] = b"test-secret-of-enough-length-000";
    const NOW: i64 = 1_800_000_000;

    fn claims() -> AccessClaims {
        AccessClaims::new("op-1", "tenant-1", "owner", 0)
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_claims() {
        let token = issue_access_token(SECRET, claims(), NOW).unwrap();
        assert_eq!(verify_access_token(SECRET, &token, NOW + 60).unwrap(), claims());
    }

    #[test]
    fn expired_tokens_are_refused_after_fifteen_minutes_and_leeway() {
        let token = issue_access_token(SECRET, claims(), NOW).unwrap();
        assert!(verify_access_token(SECRET, &token, NOW + ACCESS_TTL_SECS).is_ok());
        assert_eq!(verify_access_token(SECRET, &token, NOW + ACCESS_TTL_SECS + LEEWAY_SECS + 1), Err(TokenError::Expired));
    }

    #[test]
    fn wrong_key_is_a_bad_signature() {
        let token = issue_access_token(b"another-secret", claims(), NOW).unwrap();
        assert_eq!(verify_access_token(SECRET, &token, NOW), Err(TokenError::BadSignature));
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let body = base64url(serde_json::json!({"sub":"op-1","tid":"tenant-1","role":"owner","ver":0,"iss":ISSUER,"aud":AUDIENCE,"exp":NOW+60,"iat":NOW}).to_string().as_bytes());
        for alg in ["none", "HS512", "RS256"] {
            let head = base64url(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
            let forged = format!("{head}.{body}.");
            assert_eq!(verify_access_token(SECRET, &forged, NOW), Err(TokenError::WrongAlgorithm), "{alg}");
        }
    }

    #[test]
    fn wrong_issuer_or_audience_is_refused() {
        for (iss, aud) in [("someone-else", AUDIENCE), (ISSUER, "widget")] {
            let mut c = claims();
            c.iss = iss.into();
            c.aud = aud.into();
            let token = issue_access_token(SECRET, c, NOW).unwrap();
            assert_eq!(verify_access_token(SECRET, &token, NOW), Err(TokenError::WrongIssuerOrAudience));
        }
    }

    #[test]
    fn garbage_is_malformed() {
        for t in ["", "abc", "a.b", "a.b.c.d", "....."] {
            assert!(verify_access_token(SECRET, t, NOW).is_err(), "{t}");
        }
    }

    #[test]
    fn tokens_claiming_a_longer_life_are_refused() {
        let now = at(NOW).unwrap();
        let mut full = Claims::new(claims());
        full.issued_at = Some(now);
        full.expiration = Some(now + Duration::days(30));
        let token = Hs256.token(&Header::empty(), &full, &Hs256Key::new(SECRET)).unwrap();
        assert_eq!(verify_access_token(SECRET, &token, NOW), Err(TokenError::Expired));
    }
}
