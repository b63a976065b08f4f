//! Operator sessions: who is calling (Bearer access JWT, checked against the operator's current row),
//! and how sessions start and rotate (access token + refresh token in an HttpOnly cookie).

use serde::Serialize;
use worker::{Request, Response};

use super::error::{ApiError, ApiResult};
use super::{json, new_id, Ctx};
use crate::crypto::random_bytes;
use crate::domain::encoding::base64url;
use crate::domain::hmac::hmac_sha256_hex;
use crate::domain::role::Role;
use crate::domain::token::{issue_access_token, verify_access_token, AccessClaims, ACCESS_TTL_SECS};
use crate::store::operators::OperatorRow;
use crate::store::sessions::RefreshTokenRow;

pub const REFRESH_COOKIE: &str = "ec_refresh";
pub const REFRESH_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
const MIN_SECRET_BYTES: usize = 32;

/// The operator making this request, as the database knows them right now.
pub struct Operator {
    pub row: OperatorRow,
    pub role: Role,
}

impl Operator {
    pub fn id(&self) -> &str {
        &self.row.id
    }
    pub fn tenant_id(&self) -> &str {
        &self.row.tenant_id
    }
}

pub fn jwt_secret(ctx: &Ctx) -> ApiResult<Vec<u8>> {
    let secret = ctx.secret("JWT_SECRET")?;
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ApiError::internal("JWT_SECRET must be at least 32 bytes"));
    }
    Ok(secret.into_bytes())
}

pub fn stored_role(row: &OperatorRow) -> ApiResult<Role> {
    Role::parse(&row.role).map_err(|_| ApiError::internal(format!("operator {} has unknown role {}", row.id, row.role)))
}

/// Authenticates `Authorization: Bearer <access token>`. The role comes from the database, not the
/// token, so role changes apply at once; deactivation and password changes end old tokens at once.
pub async fn authenticate(req: &Request, ctx: &Ctx) -> ApiResult<Operator> {
    let token = bearer_token(req)?.ok_or_else(|| ApiError::unauthorized("sign in first: send Authorization: Bearer <access token>"))?;
    authenticate_token(&token, ctx).await
}

/// The token of an `Authorization: Bearer` header, if there is one.
pub fn bearer_token(req: &Request) -> ApiResult<Option<String>> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    Ok(header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string))
}

/// Checks an operator access token however it arrived (header or WebSocket subprotocol).
pub async fn authenticate_token(token: &str, ctx: &Ctx) -> ApiResult<Operator> {
    let claims = verify_access_token(&jwt_secret(ctx)?, token, ctx.now_secs())?;
    let row = ctx
        .store
        .tenant(&claims.tid).operator(&claims.sub)
        .await?
        .ok_or_else(|| ApiError::unauthorized("this account no longer exists"))?;
    if row.active == 0 {
        return Err(ApiError::new(401, "account_deactivated", "this account has been deactivated"));
    }
    if row.token_version != claims.ver {
        return Err(ApiError::new(401, "session_revoked", "this session has ended (password changed or signed out); sign in again"));
    }
    let role = stored_role(&row)?;
    Ok(Operator { row, role })
}

pub fn hash_refresh_token(ctx: &Ctx, token: &str) -> ApiResult<String> {
    Ok(hmac_sha256_hex(&jwt_secret(ctx)?, format!("refresh:{token}").as_bytes()))
}

#[derive(Serialize)]
pub struct SessionBody<T: Serialize> {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(flatten)]
    pub extra: T,
}

/// Starts (or, with `family`, continues) a session: stores a new refresh token and answers with the
/// access token in the body and the refresh token in an HttpOnly cookie.
pub async fn issue_session<T: Serialize>(ctx: &Ctx, row: &OperatorRow, family: Option<&str>, status: u16, extra: T) -> ApiResult<Response> {
    let refresh_token = base64url(&random_bytes::<32>()?);
    let id = new_id()?;
    let family_id = match family {
        Some(f) => f.to_string(),
        None => id.to_string(),
    };
    let stored = RefreshTokenRow {
        id: id.to_string(),
        family_id,
        operator_id: row.id.clone(),
        tenant_id: row.tenant_id.clone(),
        token_hash: hash_refresh_token(ctx, &refresh_token)?,
        created_at: ctx.now,
        expires_at: ctx.now + REFRESH_TTL_MS,
        revoked_at: None,
    };
    ctx.store.batch(vec![ctx.store.insert_refresh_token_statement(&stored)?]).await?;
    let claims = AccessClaims::new(&row.id, &row.tenant_id, &row.role, row.token_version);
    let access_token = issue_access_token(&jwt_secret(ctx)?, claims, ctx.now_secs())?;
    let body = SessionBody { access_token, token_type: "Bearer", expires_in: ACCESS_TTL_SECS, extra };
    let mut response = json(status, &body)?;
    response.headers_mut().set("set-cookie", &refresh_cookie(&refresh_token, REFRESH_TTL_MS / 1000))?;
    Ok(response)
}

/// The refresh cookie: HttpOnly, Secure, SameSite=Strict, and sent only to the auth endpoints.
pub fn refresh_cookie(value: &str, max_age_secs: i64) -> String {
    format!("{REFRESH_COOKIE}={value}; Path=/api/auth; Max-Age={max_age_secs}; HttpOnly; Secure; SameSite=Strict")
}

pub fn cookie_value(req: &Request, name: &str) -> ApiResult<Option<String>> {
    let header = req.headers().get("cookie")?.unwrap_or_default();
    Ok(header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
}
