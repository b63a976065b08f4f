//! The tenant's categories of conversations (see `domain::category`).

use serde_json::{json, Value};

use super::{int, text, FromRow, Row, StoreResult, TenantStore};
use crate::domain::category::CategoryRule;

#[derive(Debug, Clone)]
pub struct CategoryRow {
    pub id: String,
    pub name: String,
    /// JSON arrays of strings.
    pub keywords: String,
    pub faq_ids: String,
    pub created_at: i64,
}

impl CategoryRow {
    pub fn rule(&self) -> CategoryRule {
        CategoryRule { id: self.id.clone(), name: self.name.clone(), keywords: serde_json::from_str(&self.keywords).unwrap_or_default(), faq_ids: serde_json::from_str(&self.faq_ids).unwrap_or_default() }
    }

    pub fn to_json(&self) -> Value {
        let r = self.rule();
        json!({ "id": r.id, "name": r.name, "keywords": r.keywords, "faq_ids": r.faq_ids, "created_at": self.created_at })
    }
}

impl FromRow for CategoryRow {
    fn from_row(r: &Row) -> Self {
        CategoryRow { id: r.str("id"), name: r.str("name"), keywords: r.str("keywords"), faq_ids: r.str("faq_ids"), created_at: r.i64("created_at") }
    }
}

const COLUMNS: &str = "id, name, keywords, faq_ids, created_at";

impl TenantStore<'_> {
    /// In the order they were made (the first matching one wins).
    pub async fn categories(&self) -> StoreResult<Vec<CategoryRow>> {
        self.store.all(&format!("SELECT {COLUMNS} FROM categories WHERE tenant_id = ?1 ORDER BY created_at, id"), &[text(self.tenant_id)]).await
    }

    pub async fn category(&self, id: &str) -> StoreResult<Option<CategoryRow>> {
        self.store.first(&format!("SELECT {COLUMNS} FROM categories WHERE tenant_id = ?1 AND id = ?2"), &[text(self.tenant_id), text(id)]).await
    }

    pub async fn insert_category(&self, id: &str, name: &str, keywords: &str, faq_ids: &str, now: i64) -> StoreResult<usize> {
        self.store
            .run(
                "INSERT INTO categories (id, tenant_id, name, keywords, faq_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &[text(id), text(self.tenant_id), text(name), text(keywords), text(faq_ids), int(now)],
            )
            .await
    }

    pub async fn update_category(&self, id: &str, name: &str, keywords: &str, faq_ids: &str) -> StoreResult<usize> {
        self.store
            .run("UPDATE categories SET name = ?3, keywords = ?4, faq_ids = ?5 WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id), text(name), text(keywords), text(faq_ids)])
            .await
    }

    /// Deletes a category. Its conversations (whose rooms own their rows) keep the id, which names
    /// nothing any more: lists and the console show them without a category.
    pub async fn delete_category(&self, id: &str) -> StoreResult<usize> {
        self.store.run("DELETE FROM categories WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }
}
