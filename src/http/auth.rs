//! `/api/auth/*`: sign up (a new tenant with its owner), sign in, refresh, sign out, who am I, and
//! changing one's own password. Sign-in is throttled per account and per client address.

use serde_json::json;
use worker::{Method, Request, Response};

use super::admin::operators::{operator_view, tenant_view};
use super::error::{ApiError, ApiResult};
use super::session::{authenticate, cookie_value, hash_refresh_token, issue_session, refresh_cookie, REFRESH_COOKIE};
use super::{json, methods, new_id, read_body, Ctx};
use crate::crypto::{hash_password, verify_password};
use crate::domain::email::Email;
use crate::domain::password::{Password, PasswordHash};
use crate::domain::role::{Role, DEFAULT_CAPACITY};
use crate::domain::text::{Name, NAME_MAX};
use crate::store::audit::AuditEntry;
use crate::store::operators::{NewOperator, OperatorRow};

pub const DEFAULT_DEPARTMENT: &str = "Customer care";
const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
const MAX_FAILURES_PER_ADDRESS: i64 = 50;
const RETRY_AFTER_SECS: i64 = THROTTLE_WINDOW_MS / 1000;

/// Counts a password check against the account (sign-in and password change alike), refusing once
/// the window holds more than the account's limit.
async fn take_account_attempt(ctx: &Ctx, email: &str) -> ApiResult<()> {
    if ctx.store.take_login_attempt(&format!("account:{email}"), ctx.now, THROTTLE_WINDOW_MS).await? > MAX_FAILURES_PER_ACCOUNT {
        return Err(ApiError::too_many("too many failed sign-ins for this account; wait and try again", RETRY_AFTER_SECS));
    }
    Ok(())
}
/// Verified against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH: &str = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

pub async fn route(req: Request, ctx: &Ctx, method: Method, rest: &[&str]) -> ApiResult<Response> {
    match rest {
        ["signup"] => methods!(method, "POST"; Post => signup(req, ctx)),
        ["login"] => methods!(method, "POST"; Post => login(req, ctx)),
        ["refresh"] => methods!(method, "POST"; Post => refresh(req, ctx)),
        ["logout"] => methods!(method, "POST"; Post => logout(req, ctx)),
        ["me"] => methods!(method, "GET"; Get => me(req, ctx)),
        ["password"] => methods!(method, "POST"; Post => change_password(req, ctx)),
        _ => Err(ApiError::not_found("route")),
    }
}

async fn signup(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    if ctx.var("ALLOW_SIGNUP").as_deref() == Some("false") {
        return Err(ApiError::new(403, "signup_disabled", "sign-up is disabled on this deployment; ask an owner to invite you"));
    }
    let body = read_body(&mut req).await?;
    body.allow(&["company", "name", "email", "password"])?;
    let company = Name::parse(body.str("company")?, "company", NAME_MAX)?;
    let name = Name::parse(body.str("name")?, "name", NAME_MAX)?;
    let email = Email::parse(body.str("email")?)?;
    let password = Password::parse(body.str("password")?, "password")?;
    if ctx.store.operator_by_login_email(email.as_str()).await?.is_some() {
        return Err(email_taken());
    }
    let hash = hash_password(password.as_bytes()).await?.format();
    let (tenant_id, operator_id, department_id) = (new_id()?, new_id()?, new_id()?);
    let s = &ctx.store;
    let operator = NewOperator {
        id: operator_id.as_str(),
        tenant_id: tenant_id.as_str(),
        email: email.as_str(),
        name: name.as_str(),
        role: Role::Owner.as_str(),
        password_hash: &hash,
        capacity: DEFAULT_CAPACITY,
        now: ctx.now,
    };
    let audit = AuditEntry {
        tenant_id: tenant_id.as_str(),
        actor: Some(operator_id.as_str()),
        action: "tenant.created",
        target_type: "tenant",
        target_id: tenant_id.as_str(),
        detail: json!({ "name": company.as_str(), "owner_email": email.as_str() }),
        now: ctx.now,
    };
    s.batch(vec![
        s.insert_tenant_statement(tenant_id.as_str(), company.as_str(), ctx.now)?,
        s.insert_operator_statement(&operator)?,
        s.tenant(tenant_id.as_str()).insert_department_statement(department_id.as_str(), DEFAULT_DEPARTMENT, true, false, "{}", ctx.now)?,
        s.tenant(tenant_id.as_str()).add_member_statement(department_id.as_str(), operator_id.as_str())?,
        s.audit_statement(&audit)?,
    ])
    .await
    .map_err(|e| match e {
        crate::store::StoreError::Unique(_) => email_taken(),
        other => other.into(),
    })?;
    let row = s.operator_by_session_subject(operator_id.as_str()).await?.ok_or_else(|| ApiError::internal("operator vanished after signup"))?;
    let tenant = s.tenant(tenant_id.as_str()).row().await?.ok_or_else(|| ApiError::internal("tenant vanished after signup"))?;
    let extra = json!({ "operator": operator_view(&row, &[department_id.to_string()]), "tenant": tenant_view(&tenant) });
    issue_session(ctx, &row, None, 201, extra).await
}

fn email_taken() -> ApiError {
    ApiError::new(409, "email_taken", "an account with this email already exists; sign in instead")
}

fn client_address(req: &Request) -> String {
    req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_else(|| "unknown".to_string())
}

async fn login(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    body.allow(&["email", "password"])?;
    let email = Email::parse(body.str("email")?)?;
    let given = body.str("password")?;
    let account_bucket = format!("account:{}", email.as_str());
    let address_bucket = format!("ip:{}", client_address(&req));
    let s = &ctx.store;
    if s.take_login_attempt(&address_bucket, ctx.now, THROTTLE_WINDOW_MS).await? > MAX_FAILURES_PER_ADDRESS {
        return Err(ApiError::too_many("too many failed sign-ins from this address; wait and try again", RETRY_AFTER_SECS));
    }
    take_account_attempt(ctx, email.as_str()).await?;
    let row = s.operator_by_login_email(email.as_str()).await?;
    let stored = row.as_ref().map(|r| r.password_hash.as_str()).unwrap_or(DUMMY_HASH);
    let matches = verify_password(given.as_bytes(), stored).await? && row.is_some();
    let Some(row) = row.filter(|_| matches) else {
        return Err(ApiError::new(401, "invalid_credentials", "the email or password is wrong"));
    };
    if row.active == 0 {
        return Err(ApiError::new(403, "account_deactivated", "this account has been deactivated; ask an owner or admin"));
    }
    s.clear_login_failures(&account_bucket).await?;
    s.return_login_attempt(&address_bucket).await?;
    if PasswordHash::parse(&row.password_hash).is_some_and(|h| h.needs_rehash()) {
        let upgraded = hash_password(given.as_bytes()).await?.format();
        s.tenant(&row.tenant_id).upgrade_password_hash(&row.id, &upgraded).await?;
    }
    let extra = me_body(ctx, &row).await?;
    issue_session(ctx, &row, None, 200, extra).await
}

async fn me_body(ctx: &Ctx, row: &OperatorRow) -> ApiResult<serde_json::Value> {
    let tenant = ctx.store.tenant(&row.tenant_id).row().await?.ok_or_else(|| ApiError::internal("operator without tenant"))?;
    let departments: Vec<String> = ctx
        .store
        .tenant(&row.tenant_id).memberships()
        .await?
        .into_iter()
        .filter(|m| m.operator_id == row.id)
        .map(|m| m.department_id)
        .collect();
    Ok(json!({ "operator": operator_view(row, &departments), "tenant": tenant_view(&tenant) }))
}

/// Rotates the refresh token. Presenting a token that was already rotated means it was stolen or
/// replayed: the whole session family is revoked.
async fn refresh(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let token = cookie_value(&req, REFRESH_COOKIE)?.ok_or_else(|| ApiError::unauthorized("no session: sign in again"))?;
    let s = &ctx.store;
    let row = s
        .refresh_token_by_credential_hash(&hash_refresh_token(ctx, &token)?)
        .await?
        .ok_or_else(|| ApiError::unauthorized("this session is not known: sign in again"))?;
    if row.revoked_at.is_some() {
        s.revoke_refresh_family(&row.family_id, ctx.now).await?;
        return Err(ApiError::new(401, "session_revoked", "this session has ended: sign in again"));
    }
    if row.expires_at <= ctx.now {
        return Err(ApiError::new(401, "session_expired", "this session has expired: sign in again"));
    }
    let operator = s.tenant(&row.tenant_id).operator(&row.operator_id).await?.filter(|o| o.active == 1);
    let Some(operator) = operator else {
        s.revoke_refresh_family(&row.family_id, ctx.now).await?;
        return Err(ApiError::new(401, "account_deactivated", "this account has been deactivated"));
    };
    if s.revoke_refresh_token(&row.id, ctx.now).await? == 0 {
        return Err(ApiError::new(401, "session_revoked", "this session was just refreshed elsewhere: sign in again"));
    }
    let extra = me_body(ctx, &operator).await?;
    issue_session(ctx, &operator, Some(&row.family_id), 200, extra).await
}

async fn logout(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    if let Some(token) = cookie_value(&req, REFRESH_COOKIE)? {
        if let Some(row) = ctx.store.refresh_token_by_credential_hash(&hash_refresh_token(ctx, &token)?).await? {
            ctx.store.revoke_refresh_family(&row.family_id, ctx.now).await?;
        }
    }
    let mut response = Response::empty()?.with_status(204);
    response.headers_mut().set("set-cookie", &refresh_cookie("", 0))?;
    Ok(response)
}

async fn me(req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let operator = authenticate(&req, ctx).await?;
    json(200, &me_body(ctx, &operator.row).await?)
}

/// Changing one's password ends every other session (refresh tokens revoked, access tokens
/// invalidated by the token version) and starts a fresh one for the caller.
async fn change_password(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    let operator = authenticate(&req, ctx).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["current_password", "new_password"])?;
    let new_password = Password::parse(body.str("new_password")?, "new_password")?;
    let current = body.str("current_password")?;
    // A wrong current password counts like a failed sign-in of the same account.
    take_account_attempt(ctx, &operator.row.email).await?;
    if !verify_password(current.as_bytes(), &operator.row.password_hash).await? {
        return Err(ApiError::new(403, "wrong_password", "the current password is wrong"));
    }
    ctx.store.clear_login_failures(&format!("account:{}", operator.row.email)).await?;
    let hash = hash_password(new_password.as_bytes()).await?.format();
    let s = &ctx.store;
    let audit = AuditEntry {
        tenant_id: operator.tenant_id(),
        actor: Some(operator.id()),
        action: "operator.password_changed",
        target_type: "operator",
        target_id: operator.id(),
        detail: json!({}),
        now: ctx.now,
    };
    s.batch(vec![
        s.tenant(operator.tenant_id()).set_password_statement(operator.id(), &hash, ctx.now)?,
        s.revoke_operator_sessions_statement(operator.id(), ctx.now)?,
        s.audit_statement(&audit)?,
    ])
    .await?;
    crate::realtime::client::InboxClient::new(&ctx.env, operator.tenant_id())
        .tell(crate::realtime::wire::InboxCommand::Revoke { operator_id: operator.id().to_string() })
        .await;
    let row = s.operator_by_session_subject(operator.id()).await?.ok_or_else(|| ApiError::internal("operator vanished"))?;
    let extra = me_body(ctx, &row).await?;
    issue_session(ctx, &row, None, 200, extra).await
}
