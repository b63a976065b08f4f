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
    pub created_at: i64,
    pub updated_at: i64,
}

impl FaqRow {
    pub fn keyword_list(&self) -> Vec<String> {
        serde_json::from_str(&self.keywords).unwrap_or_default()
    }
    pub fn to_json(&self) -> Value {
        json!({ "id": self.id, "question": self.question, "answer": self.answer, "keywords": self.keyword_list(),
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
    pub department_id: Option<&'a str>,
}

impl FromRow for FaqRow {
    fn from_row(r: &Row) -> Self {
        FaqRow { id: r.str("id"), question: r.str("question"), answer: r.str("answer"), keywords: r.str("keywords"), department_id: r.opt_str("department_id"), created_at: r.i64("created_at"), updated_at: r.i64("updated_at") }
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
            "SELECT id, question, answer, keywords, department_id, created_at, updated_at FROM faq_entries WHERE tenant_id = ?1 ORDER BY created_at, id LIMIT 1000",
            &[text(self.tenant_id)],
        )
        .await
    }

    pub async fn faq_entry(&self, id: &str) -> StoreResult<Option<FaqRow>> {
        self.store.first(
            "SELECT id, question, answer, keywords, department_id, created_at, updated_at FROM faq_entries WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id)],
        )
        .await
    }

    pub async fn insert_faq(&self, id: &str, f: &NewFaq<'_>, now: i64) -> StoreResult<usize> {
        self.store.run(
            "INSERT INTO faq_entries (id, tenant_id, question, answer, keywords, department_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            &[text(id), text(self.tenant_id), text(f.question), text(f.answer), text(f.keywords), opt_text(f.department_id), int(now)],
        )
        .await
    }

    pub async fn update_faq(&self, id: &str, f: &NewFaq<'_>, now: i64) -> StoreResult<usize> {
        self.store.run(
            "UPDATE faq_entries SET question = ?3, answer = ?4, keywords = ?5, department_id = ?6, updated_at = ?7 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(f.question), text(f.answer), text(f.keywords), opt_text(f.department_id), int(now)],
        )
        .await
    }

    pub async fn delete_faq(&self, id: &str) -> StoreResult<usize> {
        self.store.run("DELETE FROM faq_entries WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }

    pub async fn set_visitor_email(&self, visitor_id: &str, email: &str) -> StoreResult<usize> {
        self.store.run("UPDATE visitors SET email = ?3 WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(visitor_id), text(email)]).await
    }
}
