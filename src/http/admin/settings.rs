//! Tenant settings: company name, whether visitors must be verified, and the widget's appearance.

use serde::Deserialize;
use serde_json::json;
use worker::{Request, Response};

use super::audit_entry;
use crate::domain::text::{Name, NAME_MAX};
use crate::domain::widget::{WidgetSettings, WidgetSettingsPatch};
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, read_json, Ctx};
use crate::store::tenants::TenantRow;

fn view(t: &TenantRow) -> serde_json::Value {
    json!({ "name": t.name, "require_verified_visitors": t.require_verified == 1, "widget": WidgetSettings::from_stored(&t.widget_settings) })
}

async fn tenant(ctx: &Ctx, op: &Operator) -> ApiResult<TenantRow> {
    ctx.store.tenant_by_id(op.tenant_id()).await?.ok_or_else(|| ApiError::not_found("tenant"))
}

pub async fn get(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    json(200, &view(&tenant(ctx, op).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Patch {
    name: Option<String>,
    require_verified_visitors: Option<bool>,
    widget: Option<WidgetSettingsPatch>,
}

pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let t = tenant(ctx, op).await?;
    let body: Patch = read_json(&mut req).await?;
    let name = match &body.name {
        Some(n) => Name::parse(n, "name", NAME_MAX)?.as_str().to_string(),
        None => t.name.clone(),
    };
    let widget = WidgetSettings::from_stored(&t.widget_settings).apply(body.widget.clone().unwrap_or_default())?;
    let require = body.require_verified_visitors.unwrap_or(t.require_verified == 1);
    let widget_json = serde_json::to_string(&widget).map_err(ApiError::internal)?;
    let s = &ctx.store;
    s.batch(vec![
        s.update_tenant_settings_statement(op.tenant_id(), &name, require, &widget_json)?,
        audit_entry(ctx, op, "settings.updated", "tenant", op.tenant_id(), json!({ "name": body.name, "require_verified_visitors": body.require_verified_visitors, "widget": widget }))?,
    ])
    .await?;
    get(ctx, op).await
}
