//! What the console's lists read from D1 (conversation summaries with per-operator unread counts and
//! queue positions, filters, search), the routing snapshot of operators, read markers. The live feed
//! and the queue are the inbox's own (`realtime::inbox_db`).

use serde_json::{json, Value};
use worker::wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

use super::operators::MembershipRow;
use super::{TenantStore, int, text, Count, StoreResult, FromRow, Row};

/// A conversation as the inbox shows it to one operator (read from D1 here, and from the inbox's own
/// storage in `realtime::inbox_db`, with the same columns).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SummaryRow {
    pub id: String,
    pub status: String,
    pub department_id: Option<String>,
    pub assignee_id: Option<String>,
    pub last_seq: i64,
    pub last_message_preview: Option<String>,
    pub last_message_at: Option<i64>,
    pub queued_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub visitor_id: String,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_verified: i64,
    pub unread_count: i64,
    pub queue_position: Option<i64>,
    pub category_id: Option<String>,
}

impl SummaryRow {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "status": self.status, "department_id": self.department_id, "assignee_id": self.assignee_id,
            "last_seq": self.last_seq, "last_message_preview": self.last_message_preview, "last_message_at": self.last_message_at,
            "queued_at": self.queued_at, "queue_position": self.queue_position, "unread_count": self.unread_count,
            "created_at": self.created_at, "updated_at": self.updated_at, "category_id": self.category_id,
            "visitor": { "id": self.visitor_id, "name": self.visitor_name, "email": self.visitor_email, "verified": self.visitor_verified == 1 },
        })
    }
}

/// `?1` is the tenant, `?2` the operator for whom unread counts are computed.
const SUMMARY_SELECT: &str = "SELECT c.id, c.status, c.department_id, c.assignee_id, c.last_seq, c.last_message_preview, c.last_message_at,
    c.queued_at, c.created_at, c.updated_at, c.category_id,
    v.id AS visitor_id, v.name AS visitor_name, v.email AS visitor_email, v.verified AS visitor_verified,
    (SELECT COUNT(*) FROM events e WHERE e.conversation_id = c.id AND e.author_type = 'visitor' AND e.type = 'message'
       AND e.seq > COALESCE((SELECT r.seq FROM operator_reads r WHERE r.operator_id = ?2 AND r.conversation_id = c.id), 0)) AS unread_count,
    CASE WHEN c.status = 'queued' THEN (SELECT COUNT(*) FROM conversations q WHERE q.tenant_id = c.tenant_id AND q.status = 'queued'
       AND q.department_id IS c.department_id AND (q.queued_at < c.queued_at OR (q.queued_at = c.queued_at AND q.id <= c.id))) END AS queue_position
  FROM conversations c JOIN visitors v ON v.id = c.visitor_id
  WHERE c.tenant_id = ?1";

/// Filters of the inbox list; every field narrows the result.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// `bot`, `queued`, `active`, `closed`, or `open` (anything but closed).
    pub status: Option<String>,
    /// `Some(None)` = unassigned, `Some(Some(id))` = that operator.
    pub assignee: Option<Option<String>>,
    pub department: Option<String>,
    pub category: Option<String>,
    pub search: Option<String>,
    /// `(updated_at, id)` of the last row of the previous page.
    pub before: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub id: String,
    pub name: String,
    pub status: String,
    pub capacity: i64,
    pub last_assigned_at: i64,
}

fn filter_sql(f: &ListFilter, args: &mut Vec<JsValue>) -> String {
    let mut sql = String::new();
    let mut push = |clause: &str, values: Vec<JsValue>, args: &mut Vec<JsValue>| {
        // Each `$` in the clause becomes the next numbered parameter.
        let mut clause = clause.to_string();
        for v in values {
            args.push(v);
            clause = clause.replacen('$', &format!("?{}", args.len()), 1);
        }
        sql.push_str(" AND ");
        sql.push_str(&clause);
    };
    match f.status.as_deref() {
        Some("open") => push("c.status != 'closed'", vec![], args),
        Some(s) => push("c.status = $", vec![text(s)], args),
        None => {}
    }
    match &f.assignee {
        Some(Some(id)) => push("c.assignee_id = $", vec![text(id)], args),
        Some(None) => push("c.assignee_id IS NULL", vec![], args),
        None => {}
    }
    if let Some(d) = &f.department {
        push("c.department_id = $", vec![text(d)], args);
    }
    if let Some(k) = &f.category {
        push("c.category_id = $", vec![text(k)], args);
    }
    if let Some(q) = &f.search {
        // The visitor's and operators' messages and the conversation's summaries (order references).
        // A substring test, not LIKE: D1 refuses LIKE patterns over 50 bytes (17 CJK characters), and
        // nothing in the query needs escaping. Case-insensitive for ASCII, as LIKE was.
        push(
            "(EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = c.id AND ((e.type = 'message' AND e.private = 0) OR e.type = 'summary') AND instr(lower(e.text), lower($)) > 0)
              OR instr(lower(v.name), lower($)) > 0 OR instr(lower(v.email), lower($)) > 0)",
            vec![text(q), text(q), text(q)],
            args,
        );
    }
    sql
}

impl FromRow for SummaryRow {
    fn from_row(r: &Row) -> Self {
        SummaryRow { id: r.str("id"), status: r.str("status"), department_id: r.opt_str("department_id"), assignee_id: r.opt_str("assignee_id"), last_seq: r.i64("last_seq"), last_message_preview: r.opt_str("last_message_preview"), last_message_at: r.opt_i64("last_message_at"), queued_at: r.opt_i64("queued_at"), created_at: r.i64("created_at"), updated_at: r.i64("updated_at"), visitor_id: r.str("visitor_id"), visitor_name: r.opt_str("visitor_name"), visitor_email: r.opt_str("visitor_email"), visitor_verified: r.i64("visitor_verified"), unread_count: r.i64("unread_count"), queue_position: r.opt_i64("queue_position"), category_id: r.opt_str("category_id") }
    }
}

impl FromRow for CandidateRow {
    fn from_row(r: &Row) -> Self {
        CandidateRow { id: r.str("id"), name: r.str("name"), status: r.str("status"), capacity: r.i64("capacity"), last_assigned_at: r.i64("last_assigned_at") }
    }
}

impl TenantStore<'_> {
    pub fn mark_assigned_statement(&self, operator_id: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt("UPDATE operators SET last_assigned_at = ?2 WHERE id = ?1 AND tenant_id = ?3", &[text(operator_id), int(now), text(self.tenant_id)])
    }

    pub async fn list_conversations(&self, operator_id: &str, f: &ListFilter, limit: i64) -> StoreResult<(Vec<SummaryRow>, i64)> {
        let mut args = vec![text(self.tenant_id), text(operator_id)];
        let filters = filter_sql(f, &mut args);
        let count_args: Vec<JsValue> = args.clone();
        let total: Option<Count> = self
            .store.first(&format!("SELECT COUNT(*) AS n FROM conversations c JOIN visitors v ON v.id = c.visitor_id WHERE c.tenant_id = ?1 AND (?2 IS NOT NULL) {filters}"), &count_args)
            .await?;
        let mut page = filters.clone();
        if let Some((updated_at, id)) = &f.before {
            args.push(int(*updated_at));
            let a = args.len();
            args.push(text(id));
            page.push_str(&format!(" AND (c.updated_at < ?{a} OR (c.updated_at = ?{a} AND c.id < ?{}))", a + 1));
        }
        args.push(int(limit));
        let rows = self.store.all(&format!("{SUMMARY_SELECT} {page} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?{}", args.len()), &args).await?;
        Ok((rows, total.map(|c| c.n).unwrap_or(0)))
    }

    pub async fn conversation_summaries(&self, operator_id: &str, ids: &[String]) -> StoreResult<Vec<SummaryRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut args = vec![text(self.tenant_id), text(operator_id)];
        let placeholders: Vec<String> = ids.iter().enumerate().map(|(i, _)| format!("?{}", i + 3)).collect();
        args.extend(ids.iter().map(|id| text(id)));
        self.store.all(&format!("{SUMMARY_SELECT} AND c.id IN ({}) ORDER BY c.updated_at DESC, c.id DESC", placeholders.join(", ")), &args).await
    }

    /// Who can be routed to (active operators, their status, capacity and fairness stamp) and their
    /// teams, in one round trip. Seats in use are counted by the inbox itself.
    pub async fn routing_snapshot(&self) -> StoreResult<(Vec<CandidateRow>, Vec<MembershipRow>)> {
        let results = self
            .store.read_batch(vec![
                self.store.stmt("SELECT id, name, status, capacity, last_assigned_at FROM operators WHERE tenant_id = ?1 AND active = 1", &[text(self.tenant_id)])?,
                self.store.stmt("SELECT operator_id, department_id FROM department_members WHERE tenant_id = ?1", &[text(self.tenant_id)])?,
            ])
            .await?;
        Ok((results.first().map(|r| r.rows()).unwrap_or_default(), results.get(1).map(|r| r.rows()).unwrap_or_default()))
    }

    pub fn set_operator_status_statement(&self, operator_id: &str, status: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE operators SET status = ?3, updated_at = ?4 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(operator_id), text(status), int(now)],
        )
    }

    /// Read markers only move forward.
    pub fn mark_read_statement(&self, operator_id: &str, conversation_id: &str, seq: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "INSERT INTO operator_reads (operator_id, conversation_id, tenant_id, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (operator_id, conversation_id) DO UPDATE SET seq = MAX(seq, excluded.seq)",
            &[text(operator_id), text(conversation_id), text(self.tenant_id), int(seq)],
        )
    }
}
