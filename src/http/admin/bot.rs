//! The bot's settings: the menu flow (`/api/admin/bot`) and the FAQ (`/api/admin/faq`), with a
//! "try a question" endpoint that answers exactly as the widget would.

use serde_json::json;
use worker::{Request, Response};

use super::audit_entry;
use crate::domain::bot::{Action, Flow};
use crate::domain::ids::Id;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, list, new_id, no_content, path_id, read_body, read_json, Body, Ctx};
use crate::service::bot::{ask, flow_of};
use crate::store::bot::NewFaq;

pub async fn get_flow(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let settings = ctx.store.tenant(op.tenant_id()).bot_settings().await?.ok_or_else(|| ApiError::not_found("tenant"))?;
    json(200, &flow_of(&settings))
}

pub async fn put_flow(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let flow: Flow = read_json(&mut req).await?;
    flow.validate()?;
    let departments = ctx.store.tenant(op.tenant_id()).departments().await?;
    for (i, node) in flow.nodes.iter().enumerate() {
        for (j, choice) in node.choices.iter().enumerate() {
            if let Action::Handoff { department_id: Some(d) } = &choice.action {
                if !departments.iter().any(|dep| &dep.id == d) {
                    return Err(ApiError::invalid(&format!("bot.nodes[{i}].choices[{j}].action.department_id"), "is not a department of this tenant"));
                }
            }
        }
    }
    let text = serde_json::to_string(&flow).map_err(ApiError::internal)?;
    ctx.store.tenant(op.tenant_id()).set_bot_flow(&text).await?;
    ctx.store.batch(vec![audit_entry(ctx, op, "bot.flow_updated", "tenant", op.tenant_id(), json!({ "nodes": flow.nodes.len() }))?]).await?;
    crate::http::widget::purge_config(&req, ctx, op.tenant_id()).await;
    json(200, &flow)
}


struct ParsedFaq {
    question: String,
    answer: String,
    keywords: String,
    department_id: Option<String>,
}

fn bounded(raw: &str, field: &str, max: usize) -> ApiResult<String> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(v.to_string())
}

async fn parse_faq(ctx: &Ctx, op: &Operator, body: Body, current: Option<&crate::store::bot::FaqRow>) -> ApiResult<ParsedFaq> {
    body.allow(&["question", "answer", "keywords", "department_id"])?;
    let question = match (body.opt_str("question")?, current) {
        (Some(q), _) => bounded(q, "question", 300)?,
        (None, Some(c)) => c.question.clone(),
        (None, None) => return Err(ApiError::invalid("question", "is required")),
    };
    let answer = match (body.opt_str("answer")?, current) {
        (Some(a), _) => bounded(a, "answer", 2000)?,
        (None, Some(c)) => c.answer.clone(),
        (None, None) => return Err(ApiError::invalid("answer", "is required")),
    };
    let keywords = match (body.opt_strings("keywords")?, current) {
        (Some(k), _) => {
            if k.len() > 20 {
                return Err(ApiError::invalid("keywords", "at most 20 keywords"));
            }
            let list = k.iter().map(|w| bounded(w, "keywords", 40)).collect::<ApiResult<Vec<_>>>()?;
            serde_json::to_string(&list).map_err(ApiError::internal)?
        }
        (None, Some(c)) => c.keywords.clone(),
        (None, None) => "[]".into(),
    };
    let department_id = match (body.nullable_str("department_id")?, current) {
        (Some(Some(d)), _) => {
            let id = Id::parse(d).ok_or_else(|| ApiError::invalid("department_id", "must be a department id"))?;
            ctx.store.tenant(op.tenant_id()).department(id.as_str()).await?.ok_or_else(|| ApiError::invalid("department_id", "is not a department of this tenant"))?;
            Some(id.to_string())
        }
        (Some(None), _) => None,
        (None, c) => c.and_then(|c| c.department_id.clone()),
    };
    Ok(ParsedFaq { question, answer, keywords, department_id })
}

pub async fn list_faq(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let rows = ctx.store.tenant(op.tenant_id()).faq_entries().await?;
    list(&rows.iter().map(|r| r.to_json()).collect::<Vec<_>>(), None)
}

pub async fn create_faq(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    let f = parse_faq(ctx, op, body, None).await?;
    let id = new_id()?;
    let new = NewFaq { question: &f.question, answer: &f.answer, keywords: &f.keywords, department_id: f.department_id.as_deref() };
    ctx.store.tenant(op.tenant_id()).insert_faq(id.as_str(), &new, ctx.now).await?;
    let row = ctx.store.tenant(op.tenant_id()).faq_entry(id.as_str()).await?.ok_or_else(|| ApiError::internal("faq entry vanished"))?;
    json(201, &row.to_json())
}

pub async fn update_faq(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "faq entry")?;
    let current = ctx.store.tenant(op.tenant_id()).faq_entry(id.as_str()).await?.ok_or_else(|| ApiError::not_found("faq entry"))?;
    let body = read_body(&mut req).await?;
    let f = parse_faq(ctx, op, body, Some(&current)).await?;
    let new = NewFaq { question: &f.question, answer: &f.answer, keywords: &f.keywords, department_id: f.department_id.as_deref() };
    ctx.store.tenant(op.tenant_id()).update_faq(&current.id, &new, ctx.now).await?;
    let row = ctx.store.tenant(op.tenant_id()).faq_entry(&current.id).await?.ok_or_else(|| ApiError::not_found("faq entry"))?;
    json(200, &row.to_json())
}

pub async fn delete_faq(ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "faq entry")?;
    if ctx.store.tenant(op.tenant_id()).delete_faq(id.as_str()).await? == 0 {
        return Err(ApiError::not_found("faq entry"));
    }
    no_content()
}

/// Answers `{text}` against the FAQ: `{results: [{id, question, answer, score, confidence}], answered, threshold}`.
pub async fn answer(ctx: &Ctx, tenant_id: &str, body: &Body) -> ApiResult<Response> {
    body.allow(&["text", "locale"])?;
    let text = bounded(body.str("text")?, "text", 1000)?;
    let (results, confident) = ask(&ctx.store, tenant_id, &text, 3).await?;
    json(200, &json!({ "count": results.len(), "results": results, "answered": confident, "threshold": crate::domain::faq::CONFIDENCE_THRESHOLD }))
}

pub async fn try_faq(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    answer(ctx, op.tenant_id(), &body).await
}
