//! The bot's side of a conversation: its flow and business hours as stored, and its answer to a
//! visitor's message (the best FAQ entry, or the fallback offering a person), with the FAQ index
//! cached per isolate and, when a provider is bound, vector matching fused in.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{json, Value};
use worker::Env;

use super::embeddings::{Provider, ASK_TIMEOUT_MS, SAVE_TIMEOUT_MS};
use crate::domain::bot::{bot_texts, default_flow, Flow};
use crate::domain::faq::{script_locale, FaqDoc, FaqIndex, Via, CONFIDENCE_THRESHOLD};
use crate::domain::hours::BusinessHours;
use crate::store::bot::{BotSettingsRow, Embedding, FaqRow};
use crate::store::{Store, StoreResult};

pub fn flow_of(settings: &BotSettingsRow) -> Flow {
    settings.bot_flow.as_deref().and_then(|f| serde_json::from_str::<Flow>(f).ok()).unwrap_or_else(default_flow)
}

/// The tenant's business hours (None: no schedule, always open). A stored schedule this build cannot
/// use is logged, never taken as "always open" (see `BusinessHours::from_stored`).
pub fn hours_of(settings: &BotSettingsRow) -> Option<BusinessHours> {
    let (hours, problem) = BusinessHours::from_stored(settings.business_hours.as_deref()?);
    if let Some(problem) = problem {
        worker::console_error!("business hours of tenant {:?}: {problem}", settings.name);
    }
    Some(hours)
}

/// A tenant's FAQ as the matcher uses it, cached per isolate until the entries change.
pub struct Faq {
    pub rows: Vec<FaqRow>,
    index: FaqIndex,
    /// Dimension of the stored vectors of the current provider's model, when any.
    dim: Option<usize>,
}

/// After a failed backfill of embeddings, the cached index is rebuilt (and the backfill tried again)
/// after this long even if the entries did not change.
const BACKFILL_RETRY_MS: i64 = 10_000;

thread_local! {
    /// Per tenant: the FAQ version, its index, and until when it holds when a backfill failed.
    static FAQS: RefCell<HashMap<String, (String, Rc<Faq>, Option<i64>)>> = RefCell::new(HashMap::new());
}

/// Embeds an entry's question and variants: the `embedding` column's JSON, or why not.
pub async fn embed_entry(env: &Env, provider: &Provider, question: &str, variants: &[String]) -> Result<String, String> {
    let texts: Vec<String> = std::iter::once(question.to_string()).chain(variants.iter().cloned()).collect();
    let vectors = provider.embed(env, &texts, None, SAVE_TIMEOUT_MS).await?;
    let dim = vectors.first().map(Vec::len).unwrap_or(0);
    serde_json::to_string(&Embedding { model: provider.model().to_string(), dim, vectors }).map_err(|e| e.to_string())
}

/// The tenant's FAQ and its index. Entries without vectors for the current provider's model (saved
/// while the provider failed, or before it was bound) are embedded now and stored.
pub async fn faq(store: &Store, env: &Env, tenant_id: &str) -> StoreResult<Rc<Faq>> {
    let tenant = store.tenant(tenant_id);
    let version = tenant.faq_version().await?;
    let now = worker::Date::now().as_millis() as i64;
    let cached = FAQS.with(|c| c.borrow().get(tenant_id).filter(|(v, _, until)| *v == version && until.is_none_or(|u| now < u)).map(|(_, f, _)| f.clone()));
    if let Some(hit) = cached {
        return Ok(hit);
    }
    let mut retry_at = None;
    let mut rows = tenant.faq_entries().await?;
    let provider = Provider::from_env(env);
    if let Some(provider) = &provider {
        for row in rows.iter_mut().filter(|r| r.embedding().is_none_or(|e| e.model != provider.model())) {
            match embed_entry(env, provider, &row.question, &row.variant_list()).await {
                Ok(json) => {
                    let _ = tenant.set_faq_embedding(&row.id, row.updated_at, &json).await;
                    row.embedding = Some(json);
                }
                Err(e) => {
                    worker::console_error!("faq {}: embeddings failed ({e}); it is matched lexically", row.id);
                    retry_at = Some(now + BACKFILL_RETRY_MS);
                    break;
                }
            }
        }
    }
    let model = provider.as_ref().map(|p| p.model().to_string());
    let stored: Vec<Option<Embedding>> = rows.iter().map(|r| r.embedding().filter(|e| Some(&e.model) == model.as_ref())).collect();
    let dim = stored.iter().flatten().map(|e| e.dim).next();
    let keywords: Vec<Vec<String>> = rows.iter().map(|r| r.keyword_list()).collect();
    let variants: Vec<Vec<String>> = rows.iter().map(|r| r.variant_list()).collect();
    let locales: Vec<String> = rows.iter().map(|r| r.language()).collect();
    let vectors: Vec<Vec<Vec<f32>>> = stored.into_iter().map(|e| e.filter(|e| Some(e.dim) == dim).map(|e| e.vectors).unwrap_or_default()).collect();
    let docs: Vec<FaqDoc<'_>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| FaqDoc { locale: Some(&locales[i]), question: &r.question, variants: &variants[i], keywords: &keywords[i], answer: &r.answer, vectors: &vectors[i] })
        .collect();
    let index = FaqIndex::build(&docs);
    let faq = Rc::new(Faq { rows, index, dim });
    FAQS.with(|c| c.borrow_mut().insert(tenant_id.to_string(), (version, faq.clone(), retry_at)));
    Ok(faq)
}

/// What the matcher made of a question.
pub struct Asked {
    pub results: Vec<Value>,
    /// The best result is confident enough to answer.
    pub answered: bool,
    /// `lexical` or `fused` (lexical and vector rankings).
    pub mode: &'static str,
    /// Why vectors did not take part although a provider is bound.
    pub fallback: Option<String>,
}

fn via_json(via: &Via, variants: &[String]) -> Value {
    match via {
        Via::Question => json!({ "kind": "question" }),
        Via::Variant(i) => json!({ "kind": "variant", "index": i, "text": variants.get(*i) }),
        Via::Keywords => json!({ "kind": "keywords" }),
        Via::Answer => json!({ "kind": "answer" }),
        Via::Meaning => json!({ "kind": "meaning" }),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Best FAQ hits for a question, with why each matched.
pub async fn ask(store: &Store, env: &Env, tenant_id: &str, question: &str, limit: usize) -> StoreResult<Asked> {
    let faq = faq(store, env, tenant_id).await?;
    let mut fallback = None;
    let mut vector = None;
    if let (Some(provider), Some(dim)) = (Provider::from_env(env), faq.dim) {
        match provider.embed(env, &[question.to_string()], Some(dim), ASK_TIMEOUT_MS).await {
            Ok(mut v) => vector = v.pop(),
            Err(e) => {
                worker::console_error!("faq: question embedding failed ({e}); matching lexically");
                fallback = Some(e);
            }
        }
    }
    let hits = faq.index.search_with(question, vector.as_deref(), limit);
    let answered = hits.first().is_some_and(|h| h.confidence >= CONFIDENCE_THRESHOLD);
    let results = hits
        .iter()
        .map(|h| {
            let r = &faq.rows[h.index];
            json!({ "id": r.id, "question": r.question, "answer": r.answer, "department_id": r.department_id, "locale": r.language(),
                    "score": round3(h.score), "confidence": round3(h.confidence), "coverage": round3(h.coverage),
                    "similarity": h.similarity.map(round3), "matched": h.matched, "via": via_json(&h.via, &r.variant_list()) })
        })
        .collect();
    Ok(Asked { results, answered, mode: if vector.is_some() { "fused" } else { "lexical" }, fallback })
}

/// The language to answer in: the one the visitor wrote in (by script), else the conversation's.
/// Han-only text in a Japanese conversation is Japanese; text without letters keeps the conversation's.
pub fn reply_locale(question: &str, conversation_locale: &str) -> String {
    let written = script_locale(question);
    if !question.chars().any(char::is_alphabetic) || (written == "zh" && conversation_locale == "ja") {
        return conversation_locale.to_string();
    }
    written.to_string()
}

/// The bot's reply to a visitor message and how long it "types" first.
pub struct BotReply {
    pub text: String,
    pub data: Value,
    pub typing_ms: u32,
}

/// The bot's reply to a visitor message (`question_seq`: where it is in the conversation), or `None`
/// when the bot is switched off. An unanswered question is recorded as a miss in the reply's data.
pub async fn reply(store: &Store, env: &Env, tenant_id: &str, conversation_locale: &str, question: &str, question_seq: i64) -> StoreResult<Option<BotReply>> {
    let Some(settings) = store.tenant(tenant_id).bot_settings().await? else { return Ok(None) };
    let flow = flow_of(&settings);
    if !flow.auto_reply {
        return Ok(None);
    }
    let locale = reply_locale(question, conversation_locale);
    let asked = ask(store, env, tenant_id, question, 1).await?;
    let texts = bot_texts(&locale);
    let (text, data) = match asked.results.first() {
        Some(best) if asked.answered => (
            best["answer"].as_str().unwrap_or_default().to_string(),
            json!({ "faq_id": best["id"], "question": best["question"], "confidence": best["confidence"], "question_seq": question_seq,
                    "asked": question, "locale": locale, "mode": asked.mode }),
        ),
        _ => (
            texts.fallback.to_string(),
            json!({ "fallback": true, "locale": locale, "choices": [{ "id": "person", "label": texts.talk_to_person, "action": "handoff" }],
                    "miss": { "seq": question_seq, "question": question, "locale": locale, "reason": "no_answer" } }),
        ),
    };
    Ok(Some(BotReply { text, data, typing_ms: flow.typing_ms }))
}
