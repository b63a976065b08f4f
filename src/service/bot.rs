//! The bot's side of a conversation: its flow and business hours as stored, and its answer to a
//! visitor's message (the best FAQ entry, or the fallback offering a person).

use serde_json::{json, Value};

use crate::domain::bot::{bot_texts, default_flow, Flow};
use crate::domain::faq::{FaqDoc, FaqIndex, CONFIDENCE_THRESHOLD};
use crate::domain::hours::BusinessHours;
use crate::store::bot::BotSettingsRow;
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

/// Best FAQ hits for a question: `(entries as JSON with score and confidence, confident?)`.
pub async fn ask(store: &Store, tenant_id: &str, question: &str, limit: usize) -> StoreResult<(Vec<Value>, bool)> {
    let rows = store.tenant(tenant_id).faq_entries().await?;
    let keywords: Vec<Vec<String>> = rows.iter().map(|r| r.keyword_list()).collect();
    let docs: Vec<FaqDoc<'_>> = rows.iter().zip(&keywords).map(|(r, k)| FaqDoc { question: &r.question, answer: &r.answer, keywords: k }).collect();
    let hits = FaqIndex::build(&docs).search(question, limit);
    let confident = hits.first().is_some_and(|h| h.confidence >= CONFIDENCE_THRESHOLD);
    let results = hits
        .iter()
        .map(|h| {
            let r = &rows[h.index];
            json!({ "id": r.id, "question": r.question, "answer": r.answer, "department_id": r.department_id,
                    "score": (h.score * 1000.0).round() / 1000.0, "confidence": (h.confidence * 1000.0).round() / 1000.0 })
        })
        .collect();
    Ok((results, confident))
}

/// The bot's reply to a visitor message: `(text, data)`, or `None` when the bot is switched off.
pub async fn reply(store: &Store, tenant_id: &str, locale: &str, question: &str) -> StoreResult<Option<(String, Value)>> {
    let Some(settings) = store.tenant(tenant_id).bot_settings().await? else { return Ok(None) };
    if !flow_of(&settings).auto_reply {
        return Ok(None);
    }
    let (results, confident) = ask(store, tenant_id, question, 1).await?;
    let texts = bot_texts(locale);
    Ok(Some(match results.first() {
        Some(best) if confident => (
            best["answer"].as_str().unwrap_or_default().to_string(),
            json!({ "faq_id": best["id"], "question": best["question"], "confidence": best["confidence"] }),
        ),
        _ => (texts.fallback.to_string(), json!({ "fallback": true, "choices": [{ "id": "person", "label": texts.talk_to_person, "action": "handoff" }] })),
    }))
}
