//! Tenant settings: company name, whether visitors must be verified, and the widget's appearance.

use serde_json::json;
use worker::{Request, Response};

use super::audit_entry;
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::hours::{BusinessHours, HoursSpec};
use crate::domain::upload::{FileKind, DEFAULT_MAX_BYTES};
use crate::domain::widget::{WidgetSettings, WidgetSettingsPatch};
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, read_body, Ctx};
use crate::store::tenants::TenantRow;

fn view(ctx: &Ctx, t: &TenantRow) -> serde_json::Value {
    json!({
        // Whether this deployment sends email (the `EMAIL` binding and `MAIL_FROM`, docs/deploy.md).
        "email_available": crate::service::mail::Mailer::from_env(&ctx.env).is_some(),
        "name": t.name,
        "require_verified_visitors": t.require_verified == 1,
        "widget": WidgetSettings::from_stored(&t.widget_settings),
        "business_hours": t.business_hours.as_deref().and_then(|h| serde_json::from_str::<serde_json::Value>(h).ok()),
    })
}

async fn tenant(ctx: &Ctx, op: &Operator) -> ApiResult<TenantRow> {
    ctx.store.tenant(op.tenant_id()).row().await?.ok_or_else(|| ApiError::not_found("tenant"))
}

pub async fn get(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    json(200, &view(ctx, &tenant(ctx, op).await?))
}


pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let t = tenant(ctx, op).await?;
    let body = read_body(&mut req).await?;
    body.allow(&["name", "require_verified_visitors", "widget", "business_hours", "uploads"])?;
    let new_name = body.opt_str("name")?;
    let require_verified = body.opt_bool("require_verified_visitors")?;
    let widget_patch: Option<WidgetSettingsPatch> = body.opt_object("widget")?;
    // An explicit `null` clears the schedule (always open); an absent field leaves it.
    let business_hours: Option<Option<HoursSpec>> = if body.has("business_hours") { Some(body.opt_object("business_hours")?) } else { None };
    let name = match new_name {
        Some(n) => Name::parse(n, "name", NAME_MAX)?.as_str().to_string(),
        None => t.name.clone(),
    };
    let widget = WidgetSettings::from_stored(&t.widget_settings).apply(widget_patch.unwrap_or_default())?;
    let require = require_verified.unwrap_or(t.require_verified == 1);
    let widget_json = serde_json::to_string(&widget).map_err(ApiError::internal)?;
    let s = &ctx.store;
    let mut statements = Vec::new();
    if let Some(uploads) = body.opt_object::<serde_json::Value>("uploads")? {
        let max = match uploads.get("max_bytes") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(v.as_i64().filter(|n| (1024..=DEFAULT_MAX_BYTES).contains(n)).ok_or_else(|| ApiError::invalid("uploads.max_bytes", format!("must be between 1024 and {DEFAULT_MAX_BYTES}")))?),
        };
        let kinds = match uploads.get("types") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => {
                let list: Vec<String> = v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
                if list.is_empty() || list.iter().any(|k| FileKind::parse(k).is_none()) {
                    let known: Vec<&str> = crate::domain::upload::ALL_KINDS.iter().map(|k| k.name()).collect();
                    return Err(ApiError::invalid("uploads.types", format!("must list some of {}", known.join(", "))));
                }
                Some(serde_json::to_string(&list).map_err(ApiError::internal)?)
            }
        };
        statements.push(s.tenant(op.tenant_id()).set_upload_limits_statement(max, kinds.as_deref())?);
    }
    if let Some(hours) = &business_hours {
        let stored = match hours {
            Some(spec) => {
                BusinessHours::parse(spec)?;
                Some(serde_json::to_string(spec).map_err(ApiError::internal)?)
            }
            None => None,
        };
        statements.push(s.tenant(op.tenant_id()).set_business_hours_statement(stored.as_deref())?);
    }
    statements.extend([
        s.tenant(op.tenant_id()).update_tenant_settings_statement(&name, require, &widget_json)?,
        audit_entry(ctx, op, "settings.updated", "tenant", op.tenant_id(), json!({ "name": new_name, "require_verified_visitors": require_verified, "widget": widget, "business_hours": business_hours.is_some() }))?,
    ]);
    s.batch(statements).await?;
    crate::http::widget::purge_config(&req, ctx, op.tenant_id()).await;
    if require != (t.require_verified == 1) {
        crate::store::api_keys::forget_tenant_keys(op.tenant_id());
    }
    if require && t.require_verified == 0 {
        // Anonymous visitors' open sockets end now (their REST calls are refused within the key cache's time).
        use crate::realtime::{client::InboxClient, wire::InboxCommand};
        InboxClient::new(&ctx.env, op.tenant_id()).tell(InboxCommand::VerificationRequired).await;
    }
    get(ctx, op).await
}
