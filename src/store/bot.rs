//! The bot's data: a tenant's flow and hours, FAQ entries, a conversation's locale and menu path.

use serde_json::{json, Value};

use super::{int, opt_text, text, FromRow, Row, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct FaqRow {
    pub id: String,
    pub question: String,
    pub answer: String,
    /// JSON array text.
    pub keywords: String,
    pub department_id: Option<String>,
    pub locale: Option<String>,
    /// JSON array text.
    pub variants: String,
    /// JSON `{model, dim, vectors}` text, when a provider embedded the entry.
    pub embedding: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An entry's stored embeddings: one vector for the question, then one per variant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Embedding {
    pub model: String,
    pub dim: usize,
    pub vectors: Vec<Vec<f32>>,
}

impl FaqRow {
    pub fn keyword_list(&self) -> Vec<String> {
        serde_json::from_str(&self.keywords).unwrap_or_default()
    }
    pub fn variant_list(&self) -> Vec<String> {
        serde_json::from_str(&self.variants).unwrap_or_default()
    }
    pub fn embedding(&self) -> Option<Embedding> {
        self.embedding.as_deref().and_then(|e| serde_json::from_str(e).ok())
    }
    /// The entry's language: as set, else by the script of its question.
    pub fn language(&self) -> String {
        self.locale.clone().unwrap_or_else(|| crate::domain::faq::script_locale(&self.question).to_string())
    }
    pub fn to_json(&self) -> Value {
        let embedding = self.embedding().map(|e| json!({ "model": e.model, "dim": e.dim, "vectors": e.vectors.len() }));
        json!({ "id": self.id, "question": self.question, "answer": self.answer, "keywords": self.keyword_list(),
                "variants": self.variant_list(), "locale": self.language(), "embedding": embedding,
                "department_id": self.department_id, "created_at": self.created_at, "updated_at": self.updated_at })
    }
}

#[derive(Debug, Clone)]
pub struct BotSettingsRow {
    pub name: String,
    pub bot_flow: Option<String>,
    pub business_hours: Option<String>,
    pub widget_settings: Option<String>,
}

pub struct NewFaq<'a> {
    pub question: &'a str,
    pub answer: &'a str,
    pub keywords: &'a str,
    pub variants: &'a str,
    pub locale: &'a str,
    pub embedding: Option<&'a str>,
    pub department_id: Option<&'a str>,
}

impl FromRow for FaqRow {
    fn from_row(r: &Row) -> Self {
        FaqRow { id: r.str("id"), question: r.str("question"), answer: r.str("answer"), keywords: r.str("keywords"), department_id: r.opt_str("department_id"), locale: r.opt_str("locale"), variants: r.str("variants"), embedding: r.opt_str("embedding"), created_at: r.i64("created_at"), updated_at: r.i64("updated_at") }
    }
}

struct FaqVersion {
    n: i64,
    at: i64,
}

impl FromRow for FaqVersion {
    fn from_row(r: &Row) -> Self {
        FaqVersion { n: r.i64("n"), at: r.i64("at") }
    }
}

impl FromRow for BotSettingsRow {
    fn from_row(r: &Row) -> Self {
        BotSettingsRow { name: r.str("name"), bot_flow: r.opt_str("bot_flow"), business_hours: r.opt_str("business_hours"), widget_settings: r.opt_str("widget_settings") }
    }
}

impl TenantStore<'_> {
    pub async fn bot_settings(&self) -> StoreResult<Option<BotSettingsRow>> {
        self.store.first("SELECT name, bot_flow, business_hours, widget_settings FROM tenants WHERE id = ?1", &[text(self.tenant_id)]).await
    }

    pub async fn set_bot_flow(&self, flow: &str) -> StoreResult<usize> {
        self.store.run("UPDATE tenants SET bot_flow = ?2 WHERE id = ?1", &[text(self.tenant_id), text(flow)]).await
    }

    pub fn set_business_hours_statement(&self, hours: Option<&str>) -> StoreResult<worker::D1PreparedStatement> {
        self.store.stmt("UPDATE tenants SET business_hours = ?2 WHERE id = ?1", &[text(self.tenant_id), opt_text(hours)])
    }

    pub async fn faq_entries(&self) -> StoreResult<Vec<FaqRow>> {
        self.store.all(
            "SELECT id, question, answer, keywords, department_id, locale, variants, embedding, created_at, updated_at FROM faq_entries WHERE tenant_id = ?1 ORDER BY created_at, id LIMIT 1000",
            &[text(self.tenant_id)],
        )
        .await
    }

    pub async fn faq_entry(&self, id: &str) -> StoreResult<Option<FaqRow>> {
        self.store.first(
            "SELECT id, question, answer, keywords, department_id, locale, variants, embedding, created_at, updated_at FROM faq_entries WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id)],
        )
        .await
    }

    pub async fn insert_faq(&self, id: &str, f: &NewFaq<'_>, now: i64) -> StoreResult<usize> {
        self.store.run(
            "INSERT INTO faq_entries (id, tenant_id, question, answer, keywords, department_id, created_at, updated_at, variants, locale, embedding)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10)",
            &[text(id), text(self.tenant_id), text(f.question), text(f.answer), text(f.keywords), opt_text(f.department_id), int(now), text(f.variants), text(f.locale), opt_text(f.embedding)],
        )
        .await
    }

    pub async fn update_faq(&self, id: &str, f: &NewFaq<'_>, now: i64) -> StoreResult<usize> {
        self.store.run(
            "UPDATE faq_entries SET question = ?3, answer = ?4, keywords = ?5, department_id = ?6, updated_at = ?7, variants = ?8, locale = ?9, embedding = ?10
             WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(f.question), text(f.answer), text(f.keywords), opt_text(f.department_id), int(now), text(f.variants), text(f.locale), opt_text(f.embedding)],
        )
        .await
    }

    /// Count and latest change of the FAQ: the version of the matcher's cached index.
    pub async fn faq_version(&self) -> StoreResult<String> {
        let row: Option<FaqVersion> = self.store.first("SELECT count(*) AS n, COALESCE(max(updated_at), 0) AS at FROM faq_entries WHERE tenant_id = ?1", &[text(self.tenant_id)]).await?;
        Ok(row.map(|r| format!("{}:{}", r.n, r.at)).unwrap_or_default())
    }

    /// Stores embeddings made after the fact (the entry unchanged since `updated_at`).
    pub async fn set_faq_embedding(&self, id: &str, updated_at: i64, embedding: &str) -> StoreResult<usize> {
        self.store.run("UPDATE faq_entries SET embedding = ?4 WHERE tenant_id = ?1 AND id = ?2 AND updated_at = ?3", &[text(self.tenant_id), text(id), int(updated_at), text(embedding)]).await
    }

    pub async fn delete_faq(&self, id: &str) -> StoreResult<usize> {
        self.store.run("DELETE FROM faq_entries WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }

    pub async fn set_visitor_email(&self, visitor_id: &str, email: &str) -> StoreResult<usize> {
        self.store.run("UPDATE visitors SET email = ?3 WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(visitor_id), text(email)]).await
    }
}

/// A question the bot could not answer well enough, with the operator's reply that followed.
#[derive(Debug, Clone)]
pub struct MissRow {
    pub conversation_id: String,
    pub seq: i64,
    pub question: String,
    pub locale: Option<String>,
    pub reason: String,
    pub faq_id: Option<String>,
    pub reply: Option<String>,
    pub created_at: i64,
}

impl FromRow for MissRow {
    fn from_row(r: &Row) -> Self {
        MissRow {
            conversation_id: r.str("conversation_id"),
            seq: r.i64("seq"),
            question: r.str("question"),
            locale: r.opt_str("locale"),
            reason: r.str("reason"),
            faq_id: r.opt_str("faq_id"),
            reply: r.opt_str("reply"),
            created_at: r.i64("created_at"),
        }
    }
}

/// Misses per week (weeks start on Monday, UTC).
#[derive(Debug, Clone)]
pub struct MissWeek {
    pub week_start: i64,
    pub no_answer: i64,
    pub asked_for_person: i64,
    pub resolved: i64,
}

impl FromRow for MissWeek {
    fn from_row(r: &Row) -> Self {
        MissWeek { week_start: r.i64("week_start"), no_answer: r.i64("no_answer"), asked_for_person: r.i64("asked_for_person"), resolved: r.i64("resolved") }
    }
}

pub const WEEK_MS: i64 = 7 * 86_400_000;
/// 1970-01-05, the first Monday of the epoch.
const FIRST_MONDAY_MS: i64 = 4 * 86_400_000;

impl TenantStore<'_> {
    /// Open misses, newest first.
    pub async fn open_misses(&self, limit: i64) -> StoreResult<Vec<MissRow>> {
        self.store.all(
            "SELECT m.conversation_id, m.seq, m.question, m.locale, m.reason, m.faq_id, m.created_at,
               (SELECT e.text FROM events e WHERE e.conversation_id = m.conversation_id AND e.seq > m.seq AND e.author_type = 'operator'
                  AND e.type = 'message' AND e.private = 0 ORDER BY e.seq LIMIT 1) AS reply
             FROM bot_misses m WHERE m.tenant_id = ?1 AND m.resolved_at IS NULL ORDER BY m.created_at DESC LIMIT ?2",
            &[text(self.tenant_id), int(limit)],
        )
        .await
    }

    /// Misses per week since `since` (ms), oldest week first.
    pub async fn miss_weeks(&self, since: i64) -> StoreResult<Vec<MissWeek>> {
        self.store.all(
            "SELECT CAST((created_at - ?3) / ?4 AS INTEGER) * ?4 + ?3 AS week_start,
               sum(reason = 'no_answer') AS no_answer, sum(reason = 'asked_for_person') AS asked_for_person,
               sum(resolved_at IS NOT NULL) AS resolved
             FROM bot_misses WHERE tenant_id = ?1 AND created_at >= ?2 GROUP BY week_start ORDER BY week_start",
            &[text(self.tenant_id), int(since), int(FIRST_MONDAY_MS), int(WEEK_MS)],
        )
        .await
    }

    /// Marks misses (`conversation_id:seq` keys) handled, by the FAQ entry that now answers them.
    pub async fn resolve_misses(&self, keys: &str, faq_id: Option<&str>, now: i64) -> StoreResult<usize> {
        self.store.run(
            "UPDATE bot_misses SET resolved_at = ?2, resolved_faq_id = ?3
             WHERE tenant_id = ?1 AND resolved_at IS NULL AND (conversation_id || ':' || seq) IN (SELECT value FROM json_each(?4))",
            &[text(self.tenant_id), int(now), opt_text(faq_id), text(keys)],
        )
        .await
    }
}

/// The Monday 00:00 UTC that starts the week of `ms`.
pub fn week_start(ms: i64) -> i64 {
    (ms - FIRST_MONDAY_MS).div_euclid(WEEK_MS) * WEEK_MS + FIRST_MONDAY_MS
}
