//! The bot's settings: the menu flow (`/api/admin/bot`) and the FAQ (`/api/admin/faq`), with a
//! "try a question" endpoint that answers exactly as the widget would.

use serde_json::json;
use worker::{Request, Response};

use super::audit_entry;
use crate::domain::bot::{Action, Flow, LOCALES};
use crate::domain::faq::script_locale;
use crate::service::bot::embed_entry;
use crate::service::embeddings::Provider;
use crate::domain::ids::Id;
use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{json, list, new_id, no_content, path_id, read_body, read_json, Body, Ctx};
use crate::service::bot::{ask, flow_of};
use crate::store::bot::{week_start, NewFaq, WEEK_MS};

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
    let refs = flow.faq_refs();
    let faq_ids: Vec<String> = if refs.is_empty() { Vec::new() } else { ctx.store.tenant(op.tenant_id()).faq_entries().await?.into_iter().map(|f| f.id).collect() };
    for (field, id) in refs {
        if !faq_ids.iter().any(|f| f == id) {
            return Err(ApiError::invalid(&field, "is not an FAQ entry of this tenant"));
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
    variants: Vec<String>,
    locale: String,
    department_id: Option<String>,
}

const MAX_VARIANTS: usize = 20;

impl ParsedFaq {
    fn new_faq<'a>(&'a self, variants: &'a str, embedding: Option<&'a str>) -> NewFaq<'a> {
        NewFaq { question: &self.question, answer: &self.answer, keywords: &self.keywords, variants, locale: &self.locale, embedding, department_id: self.department_id.as_deref() }
    }

    /// The entry's embeddings when a provider is bound (None when not, or when it failed: logged,
    /// and made again when the FAQ is next loaded).
    async fn embedding(&self, ctx: &Ctx) -> Option<String> {
        let provider = Provider::from_env(&ctx.env)?;
        match embed_entry(&ctx.env, &provider, &self.question, &self.variants).await {
            Ok(json) => Some(json),
            Err(e) => {
                worker::console_error!("faq entry: embeddings failed ({e}); saved without them");
                None
            }
        }
    }
}

fn bounded(raw: &str, field: &str, max: usize) -> ApiResult<String> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(ApiError::invalid(field, format!("must be 1 to {max} characters")));
    }
    Ok(v.to_string())
}

async fn parse_faq(ctx: &Ctx, op: &Operator, body: Body, current: Option<&crate::store::bot::FaqRow>) -> ApiResult<ParsedFaq> {
    body.allow(&["question", "answer", "keywords", "variants", "locale", "department_id"])?;
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
    let variants = match (body.opt_strings("variants")?, current) {
        (Some(v), _) => {
            if v.len() > MAX_VARIANTS {
                return Err(ApiError::invalid("variants", format!("at most {MAX_VARIANTS} variants")));
            }
            let mut list: Vec<String> = Vec::new();
            for (i, raw) in v.iter().enumerate() {
                let variant = bounded(raw, &format!("variants[{i}]"), 300)?;
                if variant != question && !list.contains(&variant) {
                    list.push(variant);
                }
            }
            list
        }
        (None, Some(c)) => c.variant_list(),
        (None, None) => Vec::new(),
    };
    let locale = match (body.opt_str("locale")?, current) {
        (Some(l), _) if LOCALES.contains(&l) => l.to_string(),
        (Some(_), _) => return Err(ApiError::invalid("locale", format!("must be one of {}", LOCALES.join(", ")))),
        (None, Some(c)) if body.opt_str("question")?.is_none() => c.language(),
        (None, _) => script_locale(&question).to_string(),
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
    Ok(ParsedFaq { question, answer, keywords, variants, locale, department_id })
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
    let variants = serde_json::to_string(&f.variants).map_err(ApiError::internal)?;
    let embedding = f.embedding(ctx).await;
    ctx.store.tenant(op.tenant_id()).insert_faq(id.as_str(), &f.new_faq(&variants, embedding.as_deref()), ctx.now).await?;
    let row = ctx.store.tenant(op.tenant_id()).faq_entry(id.as_str()).await?.ok_or_else(|| ApiError::internal("faq entry vanished"))?;
    json(201, &row.to_json())
}

pub async fn update_faq(mut req: Request, ctx: &Ctx, op: &Operator, raw_id: &str) -> ApiResult<Response> {
    op.role.require_manager()?;
    let id = path_id(raw_id, "faq entry")?;
    let current = ctx.store.tenant(op.tenant_id()).faq_entry(id.as_str()).await?.ok_or_else(|| ApiError::not_found("faq entry"))?;
    let body = read_body(&mut req).await?;
    let f = parse_faq(ctx, op, body, Some(&current)).await?;
    let variants = serde_json::to_string(&f.variants).map_err(ApiError::internal)?;
    let unchanged = f.question == current.question && variants == current.variants;
    let embedding = if unchanged { current.embedding.clone() } else { f.embedding(ctx).await };
    // Saved in the same millisecond as before would not change the matcher's cache version.
    let now = ctx.now.max(current.updated_at + 1);
    ctx.store.tenant(op.tenant_id()).update_faq(&current.id, &f.new_faq(&variants, embedding.as_deref()), now).await?;
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

/// Answers `{text}` against the FAQ: `{results: [{id, question, answer, score, confidence, coverage,
/// similarity, matched, via}], answered, threshold, mode, fallback}`; `explain` adds the question's terms.
pub async fn answer(ctx: &Ctx, tenant_id: &str, body: &Body, explain: bool) -> ApiResult<Response> {
    body.allow(&["text", "locale"])?;
    let text = bounded(body.str("text")?, "text", 1000)?;
    let asked = ask(&ctx.store, &ctx.env, tenant_id, &text, 3).await?;
    let mut out = json!({ "count": asked.results.len(), "results": asked.results, "answered": asked.answered,
                          "threshold": crate::domain::faq::CONFIDENCE_THRESHOLD, "mode": asked.mode, "language": script_locale(&text) });
    if explain {
        out["terms"] = json!(crate::domain::faq::tokenize(&text));
        out["fallback"] = json!(asked.fallback);
    }
    json(200, &out)
}

pub async fn try_faq(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let body = read_body(&mut req).await?;
    answer(ctx, op.tenant_id(), &body, true).await
}

/// How far back the weekly counts of unanswered questions go.
const MISS_WEEKS: i64 = 12;

/// `GET /api/admin/faq/unanswered`: the bot's open misses grouped by similarity (largest group first),
/// each with the operator's reply that followed, and counts per week for the last 12 weeks.
pub async fn unanswered(ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    let tenant = ctx.store.tenant(op.tenant_id());
    let misses = tenant.open_misses(500).await?;
    let keyed: Vec<(&str, &str)> = misses.iter().map(|m| (m.locale.as_deref().unwrap_or(""), m.question.as_str())).collect();
    let mut groups: Vec<Vec<usize>> = crate::domain::faq::group_similar(&keyed);
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    let groups: Vec<_> = groups
        .iter()
        .map(|g| {
            let first = &misses[g[0]];
            let count = |reason: &str| g.iter().filter(|i| misses[**i].reason == reason).count();
            json!({
                "question": first.question,
                "locale": first.locale,
                "count": g.len(),
                "no_answer": count("no_answer"),
                "asked_for_person": count("asked_for_person"),
                "last_at": first.created_at,
                "reply": g.iter().find_map(|i| misses[*i].reply.clone()),
                "items": g.iter().map(|i| {
                    let m = &misses[*i];
                    json!({ "key": format!("{}:{}", m.conversation_id, m.seq), "conversation_id": m.conversation_id, "seq": m.seq,
                            "question": m.question, "locale": m.locale, "reason": m.reason, "faq_id": m.faq_id, "reply": m.reply, "created_at": m.created_at })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let since = week_start(ctx.now) - (MISS_WEEKS - 1) * WEEK_MS;
    let stored = tenant.miss_weeks(since).await?;
    let weeks: Vec<_> = (0..MISS_WEEKS)
        .map(|w| {
            let start = since + w * WEEK_MS;
            let found = stored.iter().find(|s| s.week_start == start);
            json!({ "week_start": start, "no_answer": found.map_or(0, |f| f.no_answer), "asked_for_person": found.map_or(0, |f| f.asked_for_person),
                    "resolved": found.map_or(0, |f| f.resolved) })
        })
        .collect();
    json(200, &json!({ "open": misses.len(), "groups": groups, "weeks": weeks }))
}

/// `POST /api/admin/faq/unanswered/resolve {keys: ["conversation_id:seq"], faq_id?}`: the entry that
/// now answers them (made or extended from the list), or none (dismissed).
pub async fn resolve_unanswered(mut req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let body = read_body(&mut req).await?;
    body.allow(&["keys", "faq_id"])?;
    let keys = body.opt_strings("keys")?.ok_or_else(|| ApiError::invalid("keys", "is required"))?;
    if keys.is_empty() || keys.len() > 500 {
        return Err(ApiError::invalid("keys", "must list 1 to 500 questions"));
    }
    for (i, k) in keys.iter().enumerate() {
        let ok = k.split_once(':').is_some_and(|(c, s)| Id::parse(c).is_some() && s.parse::<i64>().is_ok_and(|n| n > 0));
        if !ok {
            return Err(ApiError::invalid(&format!("keys[{i}]"), "must be conversation_id:seq"));
        }
    }
    let faq_id = match body.nullable_str("faq_id")? {
        Some(Some(raw)) => {
            let id = Id::parse(raw).ok_or_else(|| ApiError::invalid("faq_id", "must be an FAQ entry id"))?;
            ctx.store.tenant(op.tenant_id()).faq_entry(id.as_str()).await?.ok_or_else(|| ApiError::invalid("faq_id", "is not an FAQ entry of this tenant"))?;
            Some(id.to_string())
        }
        _ => None,
    };
    let list = serde_json::to_string(&keys).map_err(ApiError::internal)?;
    let resolved = ctx.store.tenant(op.tenant_id()).resolve_misses(&list, faq_id.as_deref(), ctx.now).await?;
    ctx.store.batch(vec![audit_entry(ctx, op, "faq.unanswered_resolved", "faq_entry", faq_id.as_deref().unwrap_or("-"), json!({ "count": resolved }))?]).await?;
    json(200, &json!({ "resolved": resolved, "faq_id": faq_id }))
}
