//! Pages of conversations and of their events for exports, in a stable order (keyset pagination), so an
//! export of any size is a series of small reads rather than one large one.

use worker::wasm_bindgen::JsValue;

use super::{int, text, FromRow, Row, StoreResult, TenantStore};

/// Which conversations an export covers; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub conversation: Option<String>,
    pub status: Option<String>,
    pub department: Option<String>,
    pub assignee: Option<String>,
    /// Created in `[from, to)` (ms).
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl ExportFilter {
    /// `AND …` over the conversations table aliased `c`, binding from `?2` on (`?1` is the tenant).
    fn sql(&self) -> (String, Vec<JsValue>) {
        let mut sql = String::new();
        let mut args = Vec::new();
        let mut add = |clause: &str, value: JsValue| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len() + 1)));
        };
        if let Some(id) = &self.conversation {
            add(" AND c.id = ?", text(id));
        }
        match self.status.as_deref() {
            Some("open") => add(" AND c.status != ?", text("closed")),
            Some(s) => add(" AND c.status = ?", text(s)),
            None => {}
        }
        if let Some(d) = &self.department {
            add(" AND c.department_id = ?", text(d));
        }
        if let Some(a) = &self.assignee {
            add(" AND c.assignee_id = ?", text(a));
        }
        if let Some(from) = self.from {
            add(" AND c.created_at >= ?", int(from));
        }
        if let Some(to) = self.to {
            add(" AND c.created_at < ?", int(to));
        }
        (sql, args)
    }
}

#[derive(Debug, Clone)]
pub struct ConversationExport {
    pub id: String,
    pub status: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub locale: Option<String>,
    pub department: Option<String>,
    pub assignee: Option<String>,
    pub visitor_id: String,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_external_id: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub last_seq: i64,
    pub category: Option<String>,
    /// The latest summary's text (at the close, else at the handoff).
    pub summary: Option<String>,
}

impl FromRow for ConversationExport {
    fn from_row(r: &Row) -> Self {
        ConversationExport {
            id: r.str("id"),
            status: r.str("status"),
            created_at: r.i64("created_at"),
            closed_at: r.opt_i64("closed_at"),
            locale: r.opt_str("locale"),
            department: r.opt_str("department"),
            assignee: r.opt_str("assignee"),
            visitor_id: r.str("visitor_id"),
            visitor_name: r.opt_str("visitor_name"),
            visitor_email: r.opt_str("visitor_email"),
            visitor_external_id: r.opt_str("visitor_external_id"),
            rating: r.opt_i64("rating"),
            rating_comment: r.opt_str("rating_comment"),
            last_seq: r.i64("last_seq"),
            category: r.opt_str("category"),
            summary: r.opt_str("summary"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EventExport {
    pub conversation_id: String,
    pub seq: i64,
    pub created_at: i64,
    pub kind: String,
    pub author_type: String,
    pub author_name: Option<String>,
    pub text: Option<String>,
    pub private: bool,
    pub data: Option<String>,
}

impl FromRow for EventExport {
    fn from_row(r: &Row) -> Self {
        EventExport {
            conversation_id: r.str("conversation_id"),
            seq: r.i64("seq"),
            created_at: r.i64("created_at"),
            kind: r.str("type"),
            author_type: r.str("author_type"),
            author_name: r.opt_str("author_name"),
            text: r.opt_str("text"),
            private: r.i64("private") == 1,
            data: r.opt_str("data"),
        }
    }
}

impl TenantStore<'_> {
    /// The next `limit` conversations after `(created_at, id)`, oldest first.
    pub async fn export_conversations(&self, filter: &ExportFilter, after: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<ConversationExport>> {
        let (filters, mut args) = filter.sql();
        let n = args.len() + 2;
        args.insert(0, text(self.tenant_id));
        let (at, id) = after.unwrap_or((i64::MIN, ""));
        args.extend([int(at), text(id), int(limit)]);
        let sql = format!(
            "SELECT c.id, c.status, c.created_at, c.closed_at, c.locale, c.visitor_id, c.rating, c.rating_comment, c.last_seq,
               d.name AS department, o.name AS assignee, v.name AS visitor_name, v.email AS visitor_email, v.external_id AS visitor_external_id,
               k.name AS category,
               (SELECT e.text FROM events e WHERE e.conversation_id = c.id AND e.type = 'summary' ORDER BY e.seq DESC LIMIT 1) AS summary
             FROM conversations c JOIN visitors v ON v.id = c.visitor_id
               LEFT JOIN departments d ON d.id = c.department_id AND d.tenant_id = c.tenant_id
               LEFT JOIN categories k ON k.id = c.category_id AND k.tenant_id = c.tenant_id
               LEFT JOIN operators o ON o.id = c.assignee_id AND o.tenant_id = c.tenant_id
             WHERE c.tenant_id = ?1{filters} AND (c.created_at > ?{n} OR (c.created_at = ?{n} AND c.id > ?{}))
             ORDER BY c.created_at, c.id LIMIT ?{}",
            n + 1,
            n + 2
        );
        self.store.all(&sql, &args).await
    }

    /// The next `limit` events (all but read receipts and page views) of the filtered conversations
    /// after `(conversation_id, seq)`, in conversation then `seq` order.
    pub async fn export_events(&self, filter: &ExportFilter, after: Option<(&str, i64)>, limit: i64) -> StoreResult<Vec<EventExport>> {
        let (filters, mut args) = filter.sql();
        let n = args.len() + 2;
        args.insert(0, text(self.tenant_id));
        let (conversation, seq) = after.unwrap_or(("", 0));
        args.extend([text(conversation), int(seq), int(limit)]);
        let sql = format!(
            "SELECT e.conversation_id, e.seq, e.created_at, e.type, e.author_type, e.author_name, e.text, e.private, e.data
             FROM events e JOIN conversations c ON c.id = e.conversation_id
             WHERE e.tenant_id = ?1 AND c.tenant_id = ?1{filters} AND e.type NOT IN ('read', 'page')
               AND (e.conversation_id > ?{n} OR (e.conversation_id = ?{n} AND e.seq > ?{}))
             ORDER BY e.conversation_id, e.seq LIMIT ?{}",
            n + 1,
            n + 2
        );
        self.store.all(&sql, &args).await
    }
}
