//! Categories of conversations: everyone reads them (the inbox filter, a conversation's category),
//! owners and admins define them — a name, keywords and FAQ entries that put a conversation in one.

use worker::{Request, Response};

use super::audit_entry;
use crate::domain::category::{parse_keywords, parse_name, FAQS_MAX};
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, list, new_id, no_content, path_id, read_body, Body, Ctx};
use crate::store::categories::CategoryRow;
use crate::store::StoreError;

fn taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Unique(_) => ApiError::new(409, "name_taken", "a category with this name already exists"),
        other => other.into(),
    }
}

/// The fields of a create or an update, over what the category had (`None` for a new one).
async fn fields(ctx: &Ctx, op: &Operator, body: &Body, had: Option<&CategoryRow>) -> ApiResult<(String, String, String)> {
    body.allow(&["name", "keywords", "faq_ids"])?;
    let rule = had.map(CategoryRow::rule);
    let name = match (body.opt_str("name")?, &rule) {
        (Some(n), _) => parse_name(n)?,
        (None, Some(r)) => r.name.clone(),
        (None, None) => parse_name("")?,
    };
    let keywords = match body.opt_strings("keywords")? {
        Some(k) => parse_keywords(&k)?,
        None => rule.as_ref().map(|r| r.keywords.clone()).unwrap_or_default(),
    };
    let faq_ids = match body.opt_strings("faq_ids")? {
        Some(ids) => {
            let known = ctx.store.tenant(op.tenant_id()).faq_entries().await?;
            let mut out: Vec<String> = Vec::new();
            for id in ids {
                if !known.iter().any(|f| f.id == id) {
                    // An entry deleted since the category named it is dropped; any other is refused.
                    if rule.as_ref().is_some_and(|r| r.faq_ids.contains(&id)) {
                        continue;
                    }
                    return Err(ApiError::invalid("faq_ids", "must be entries of this tenant's FAQ"));
                }
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            if out.len() > FAQS_MAX {
                return Err(ApiError::invalid("faq_ids", format!("must be at most {FAQS_MAX}")));
            }
            out
        }
        None => rule.as_ref().map(|r| r.faq_ids.clone()).unwrap_or_default(),
    };
    let as_json = |v: &Vec<String>| serde_json::to_string(v).map_err(ApiError::internal);
    Ok((name, as_json(&keywords)?, as_json(&faq_ids)?))
}

pub async fn list_all(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let rows = ctx.store.tenant(op.tenant_id()).categories().await?;
    list(&rows.iter().map(CategoryRow::to_json).collect::<Vec<_>>(), None)
}

pub async fn create(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    let (name, keywords, faq_ids) = fields(ctx, op, &body, None).await?;
    let id = new_id()?;
    let tenant = ctx.store.tenant(op.tenant_id());
    tenant.insert_category(id.as_str(), &name, &keywords, &faq_ids, ctx.now).await.map_err(taken)?;
    let row = tenant.category(id.as_str()).await?.ok_or_else(|| ApiError::internal("category vanished"))?;
    ctx.store.batch(vec![audit_entry(ctx, op, "category.created", "category", &row.id, row.to_json())?]).await?;
    json(201, &row.to_json())
}

pub async fn update(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "category")?;
    let tenant = ctx.store.tenant(op.tenant_id());
    let row = tenant.category(id.as_str()).await?.ok_or_else(|| ApiError::not_found("category"))?;
    let body = read_body(&mut req).await?;
    let (name, keywords, faq_ids) = fields(ctx, op, &body, Some(&row)).await?;
    tenant.update_category(&row.id, &name, &keywords, &faq_ids).await.map_err(taken)?;
    let row = tenant.category(&row.id).await?.ok_or_else(|| ApiError::not_found("category"))?;
    ctx.store.batch(vec![audit_entry(ctx, op, "category.updated", "category", &row.id, row.to_json())?]).await?;
    json(200, &row.to_json())
}

pub async fn delete(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "category")?;
    if ctx.store.tenant(op.tenant_id()).delete_category(id.as_str()).await? == 0 {
        return Err(ApiError::not_found("category"));
    }
    ctx.store.batch(vec![audit_entry(ctx, op, "category.deleted", "category", id.as_str(), serde_json::json!({}))?]).await?;
    no_content()
}
