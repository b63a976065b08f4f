//! `/api/admin/*`: the console's management API. Every handler authenticates the operator first and
//! scopes every query by the tenant of that operator; another tenant's ids are simply not found.

pub mod api_keys;
pub mod audit;
pub mod bot;
pub mod canned;
pub mod categories;
pub mod conversations;
pub mod departments;
pub mod exports;
pub mod identity;
pub mod me;
pub mod operators;
pub mod reports;
pub mod settings;

use worker::{Method, Request, Response};

use super::error::{ApiError, ApiResult};
use super::session::authenticate;
use super::{methods, Ctx};

pub async fn route(req: Request, ctx: &Ctx, method: Method, rest: &[&str]) -> ApiResult<Response> {
    let op = authenticate(&req, ctx).await?;
    match rest {
        ["operators"] => methods!(method, "GET, POST"; Get => operators::list(ctx, &op), Post => operators::create(req, ctx, &op)),
        ["operators", id] => methods!(method, "GET, PATCH"; Get => operators::get(ctx, &op, id), Patch => operators::update(req, ctx, &op, id)),
        ["operators", id, "password"] => methods!(method, "POST"; Post => operators::reset_password(req, ctx, &op, id)),
        ["departments"] => methods!(method, "GET, POST"; Get => departments::list(ctx, &op), Post => departments::create(req, ctx, &op)),
        ["departments", id] => methods!(method, "GET, PATCH, DELETE";
            Get => departments::get(ctx, &op, id), Patch => departments::update(req, ctx, &op, id), Delete => departments::delete(&req, ctx, &op, id)),
        ["departments", id, "members"] => methods!(method, "PUT, POST";
            Put => departments::set_members(req, ctx, &op, id), Post => departments::add_member(req, ctx, &op, id)),
        ["departments", id, "members", operator_id] => methods!(method, "DELETE"; Delete => departments::remove_member(ctx, &op, id, operator_id)),
        ["api-keys"] => methods!(method, "GET, POST"; Get => api_keys::list(ctx, &op), Post => api_keys::create(req, ctx, &op)),
        ["api-keys", id] => methods!(method, "GET, PATCH"; Get => api_keys::get(ctx, &op, id), Patch => api_keys::update(req, ctx, &op, id)),
        ["api-keys", id, "revoke"] => methods!(method, "POST"; Post => api_keys::revoke(ctx, &op, id)),
        ["identity-secret"] => methods!(method, "GET, POST"; Get => identity::get(ctx, &op), Post => identity::rotate(ctx, &op)),
        ["conversations"] => methods!(method, "GET"; Get => conversations::list_conversations(req, ctx, &op)),
        ["conversations", id] => methods!(method, "GET, PATCH, DELETE"; Get => conversations::detail(ctx, &op, id), Patch => conversations::set_category(req, ctx, &op, id), Delete => conversations::delete(ctx, &op, id)),
        ["conversations", id, "attachments"] => methods!(method, "POST"; Post => conversations::attach(req, ctx, &op, id)),
        ["conversations", id, "takeover"] => methods!(method, "POST"; Post => conversations::takeover(ctx, &op, id)),
        ["conversations", id, "assign"] => methods!(method, "POST"; Post => conversations::assign(req, ctx, &op, id)),
        ["conversations", id, "transfer"] => methods!(method, "POST"; Post => conversations::transfer(req, ctx, &op, id)),
        ["conversations", id, "close"] => methods!(method, "POST"; Post => conversations::close(ctx, &op, id)),
        ["conversations", id, "reopen"] => methods!(method, "POST"; Post => conversations::reopen(ctx, &op, id)),
        ["conversations", id, "read"] => methods!(method, "POST"; Post => conversations::read(req, ctx, &op, id)),
        ["me", "status"] => methods!(method, "PATCH"; Patch => me::set_status(req, ctx, &op)),
        ["categories"] => methods!(method, "GET, POST"; Get => categories::list_all(ctx, &op), Post => categories::create(req, ctx, &op)),
        ["categories", id] => methods!(method, "PATCH, DELETE"; Patch => categories::update(req, ctx, &op, id), Delete => categories::delete(ctx, &op, id)),
        ["canned-replies"] => methods!(method, "GET, POST"; Get => canned::list_all(ctx, &op), Post => canned::create(req, ctx, &op)),
        ["canned-replies", id] => methods!(method, "PATCH, DELETE"; Patch => canned::update(req, ctx, &op, id), Delete => canned::delete(ctx, &op, id)),
        ["conversations", id, "messages"] => methods!(method, "GET, POST"; Get => conversations::messages(req, ctx, &op, id), Post => conversations::send(req, ctx, &op, id)),
        ["bot"] => methods!(method, "GET, PUT"; Get => bot::get_flow(ctx, &op), Put => bot::put_flow(req, ctx, &op)),
        ["faq"] => methods!(method, "GET, POST"; Get => bot::list_faq(ctx, &op), Post => bot::create_faq(req, ctx, &op)),
        ["faq", "try"] => methods!(method, "POST"; Post => bot::try_faq(req, ctx, &op)),
        ["faq", "unanswered"] => methods!(method, "GET"; Get => bot::unanswered(ctx, &op)),
        ["faq", "unanswered", "resolve"] => methods!(method, "POST"; Post => bot::resolve_unanswered(req, ctx, &op)),
        ["faq", id] => methods!(method, "PATCH, DELETE"; Patch => bot::update_faq(req, ctx, &op, id), Delete => bot::delete_faq(ctx, &op, id)),
        ["settings"] => methods!(method, "GET, PATCH"; Get => settings::get(ctx, &op), Patch => settings::update(req, ctx, &op)),
        ["audit-log"] => methods!(method, "GET"; Get => audit::list(req, ctx, &op)),
        ["reports", "ratings"] => methods!(method, "GET"; Get => reports::ratings(req, ctx, &op)),
        ["exports", "conversations"] => methods!(method, "GET"; Get => exports::export(req, ctx, &op, exports::Kind::Conversations)),
        ["exports", "events"] => methods!(method, "GET"; Get => exports::export(req, ctx, &op, exports::Kind::Events)),
        _ => Err(ApiError::not_found("route")),
    }
}

/// The audit statement for a change the calling operator makes, to go in the same batch as the change.
pub fn audit_entry(ctx: &Ctx, op: &crate::http::session::Operator, action: &str, target_type: &str, target_id: &str, detail: serde_json::Value) -> ApiResult<worker::D1PreparedStatement> {
    Ok(ctx.store.audit_statement(&crate::store::audit::AuditEntry {
        tenant_id: op.tenant_id(),
        actor: Some(op.id()),
        action,
        target_type,
        target_id,
        detail,
        now: ctx.now,
    })?)
}
