//! Bearer tokens: HS256 JWTs made and checked with jwt-compact. Operator access tokens live 15
//! minutes (audience `edgechat-console`); visitor tokens, kept by the widget, live 90 days (audience
//! `edgechat-widget`). The algorithm is pinned (a token whose header names another algorithm, `none`
//! included, is refused before its signature is looked at), and `iss`/`aud` must be ours, so a token of
//! one kind is never accepted as the other.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "edgechat";
pub const AUDIENCE: &str = "edgechat-console";
pub const VISITOR_AUDIENCE: &str = "edgechat-widget";
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
pub const VISITOR_TTL_SECS: i64 = 90 * 24 * 3600;
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
    NotYetValid,
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
            TokenError::NotYetValid => "the access token is not valid yet (nbf)",
            TokenError::WrongIssuerOrAudience => "the access token was not issued for this console",
            TokenError::Internal => "the access token could not be processed",
        }
    }
}

/// A visitor's identity as the widget carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    /// Visitor id.
    pub sub: String,
    pub tid: String,
    /// The publishable key (row id) the session was opened with; a revoked key ends the token.
    pub kid: String,
    pub iss: String,
    pub aud: String,
}

impl VisitorClaims {
    pub fn new(visitor_id: &str, tenant_id: &str, key_id: &str) -> Self {
        VisitorClaims { sub: visitor_id.into(), tid: tenant_id.into(), kid: key_id.into(), iss: ISSUER.into(), aud: VISITOR_AUDIENCE.into() }
    }
}

trait Audience {
    fn iss_aud(&self) -> (&str, &str);
}
impl Audience for AccessClaims {
    fn iss_aud(&self) -> (&str, &str) {
        (&self.iss, &self.aud)
    }
}
impl Audience for VisitorClaims {
    fn iss_aud(&self) -> (&str, &str) {
        (&self.iss, &self.aud)
    }
}

fn at(secs: i64) -> Result<DateTime<Utc>, TokenError> {
    Utc.timestamp_opt(secs, 0).single().ok_or(TokenError::Internal)
}

pub fn issue_access_token(secret: &[u8], claims: AccessClaims, now_secs: i64) -> Result<String, TokenError> {
    issue(secret, claims, now_secs, ACCESS_TTL_SECS)
}

pub fn verify_access_token(secret: &[u8], token: &str, now_secs: i64) -> Result<AccessClaims, TokenError> {
    verify(secret, token, now_secs, ACCESS_TTL_SECS, AUDIENCE)
}

pub fn issue_visitor_token(secret: &[u8], claims: VisitorClaims, now_secs: i64) -> Result<String, TokenError> {
    issue(secret, claims, now_secs, VISITOR_TTL_SECS)
}

pub fn verify_visitor_token(secret: &[u8], token: &str, now_secs: i64) -> Result<VisitorClaims, TokenError> {
    verify(secret, token, now_secs, VISITOR_TTL_SECS, VISITOR_AUDIENCE)
}

fn issue<T: Serialize>(secret: &[u8], claims: T, now_secs: i64, ttl_secs: i64) -> Result<String, TokenError> {
    let now = at(now_secs)?;
    let mut full = Claims::new(claims);
    full.issued_at = Some(now);
    full.expiration = Some(now + Duration::seconds(ttl_secs));
    let header = Header::empty().with_token_type("JWT");
    Hs256.token(&header, &full, &Hs256Key::new(secret)).map_err(|_| TokenError::Internal)
}

fn verify<T: Audience + Clone + serde::de::DeserializeOwned>(secret: &[u8], token: &str, now_secs: i64, ttl_secs: i64, audience: &str) -> Result<T, TokenError> {
    let untrusted = UntrustedToken::new(token).map_err(|_| TokenError::Malformed)?;
    if untrusted.algorithm() != "HS256" {
        return Err(TokenError::WrongAlgorithm);
    }
    let key = Hs256Key::new(secret);
    let validated = Hs256.validator::<T>(&key).validate(&untrusted).map_err(|e| match e {
        jwt_compact::ValidationError::AlgorithmMismatch { .. } => TokenError::WrongAlgorithm,
        jwt_compact::ValidationError::MalformedClaims(_) => TokenError::Malformed,
        _ => TokenError::BadSignature,
    })?;
    let claims = validated.claims();
    let now = at(now_secs)?;
    let options = TimeOptions::new(Duration::seconds(LEEWAY_SECS), move || now);
    claims.validate_expiration(&options).map_err(|_| TokenError::Expired)?;
    // `nbf`, when present, must have passed (within the leeway).
    if claims.not_before.is_some() {
        claims.validate_maturity(&options).map_err(|_| TokenError::NotYetValid)?;
    }
    // A token must not claim a longer life than we ever issue.
    match (claims.expiration, claims.issued_at) {
        (Some(exp), Some(iat)) if exp - iat <= Duration::seconds(ttl_secs) && iat <= now + Duration::seconds(LEEWAY_SECS) => {}
        _ => return Err(TokenError::Expired),
    }
    if claims.custom.iss_aud() != (ISSUER, audience) {
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
    fn visitor_tokens_verify_for_ninety_days_and_never_as_operator_tokens() {
        let claims = VisitorClaims::new("visitor-1", "tenant-1", "key-1");
        let token = issue_visitor_token(SECRET, claims.clone(), NOW).unwrap();
        assert_eq!(verify_visitor_token(SECRET, &token, NOW + VISITOR_TTL_SECS).unwrap(), claims);
        assert_eq!(verify_visitor_token(SECRET, &token, NOW + VISITOR_TTL_SECS + LEEWAY_SECS + 1), Err(TokenError::Expired));
        assert!(verify_access_token(SECRET, &token, NOW).is_err(), "a visitor token is not an operator token");
        let access = issue_access_token(SECRET, self::claims(), NOW).unwrap();
        assert!(verify_visitor_token(SECRET, &access, NOW).is_err(), "an operator token is not a visitor token");
    }

    #[test]
    fn a_token_without_nbf_is_valid_at_once() {
        let token = issue_access_token(SECRET, claims(), NOW).unwrap();
        assert!(verify_access_token(SECRET, &token, NOW).is_ok());
    }

    #[test]
    fn a_token_not_valid_yet_is_refused() {
        let now = at(NOW).unwrap();
        let mut full = Claims::new(claims());
        full.issued_at = Some(now);
        full.expiration = Some(now + Duration::seconds(600));
        full.not_before = Some(now + Duration::seconds(300));
        let token = Hs256.token(&Header::empty(), &full, &Hs256Key::new(SECRET)).unwrap();
        assert_eq!(verify_access_token(SECRET, &token, NOW), Err(TokenError::NotYetValid));
        assert!(verify_access_token(SECRET, &token, NOW + 300).is_ok(), "valid once nbf has passed");
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
