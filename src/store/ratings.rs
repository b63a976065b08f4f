//! Visitors' ratings (CSAT) as reports read them: counts per score, per operator who had the
//! conversation when it closed and per department, within a period (`rated_at`, indexed).

use super::{int, text, FromRow, Row, StoreResult, TenantStore};

/// Ratings with one score, for one operator and department.
#[derive(Debug, Clone)]
pub struct RatingCount {
    pub assignee_id: Option<String>,
    pub operator_name: Option<String>,
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    pub score: i64,
    pub n: i64,
}

impl FromRow for RatingCount {
    fn from_row(r: &Row) -> Self {
        RatingCount {
            assignee_id: r.opt_str("assignee_id"),
            operator_name: r.opt_str("operator_name"),
            department_id: r.opt_str("department_id"),
            department_name: r.opt_str("department_name"),
            score: r.i64("rating"),
            n: r.i64("n"),
        }
    }
}

impl TenantStore<'_> {
    /// Ratings given in `[from, to)` (ms), counted per operator, department and score.
    pub async fn rating_counts(&self, from: i64, to: i64) -> StoreResult<Vec<RatingCount>> {
        self.store
            .all(
                "SELECT c.assignee_id, o.name AS operator_name, c.department_id, d.name AS department_name, c.rating, COUNT(*) AS n
                 FROM conversations c
                 LEFT JOIN operators o ON o.id = c.assignee_id AND o.tenant_id = c.tenant_id
                 LEFT JOIN departments d ON d.id = c.department_id AND d.tenant_id = c.tenant_id
                 WHERE c.tenant_id = ?1 AND c.rating IS NOT NULL AND c.rated_at >= ?2 AND c.rated_at < ?3
                 GROUP BY c.assignee_id, c.department_id, c.rating",
                &[text(self.tenant_id), int(from), int(to)],
            )
            .await
    }
}
