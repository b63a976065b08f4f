//! The inbox's own SQLite storage: every conversation's summary as its room last reported it, the
//! console feed (a cursor that only grows), operators' read markers and visitor messages (for unread
//! counts), and operators waiting to go offline. Rooms report here directly, so the console's live
//! feed and the router never wait for D1.

use serde::Deserialize;
use worker::SqlStorage;

use super::sql_values::{int, opt, opt_int, s};

use super::wire::RoomReport;

/// Statements separated by `;` (so no `;` inside comments).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  department_id TEXT,
  assignee_id TEXT,
  last_seq INTEGER NOT NULL,
  last_message_preview TEXT,
  last_message_at INTEGER,
  queued_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  visitor_id TEXT NOT NULL,
  visitor_name TEXT,
  visitor_email TEXT,
  visitor_verified INTEGER NOT NULL DEFAULT 0,
  -- The room's version of this summary, and the version D1 has (lists read D1).
  version INTEGER NOT NULL,
  d1_version INTEGER NOT NULL DEFAULT 0,
  -- Who had it before it was closed, while a reopened conversation waits (routing prefers them).
  preferred_id TEXT
);
CREATE INDEX IF NOT EXISTS conversations_queue ON conversations (status, queued_at, id);
CREATE INDEX IF NOT EXISTS conversations_assignee ON conversations (assignee_id, status);
CREATE TABLE IF NOT EXISTS visitor_messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (conversation_id, seq));
CREATE TABLE IF NOT EXISTS reads (operator_id TEXT NOT NULL, conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (operator_id, conversation_id));
-- One row per change: `cursor` is what consoles resume from. `version` is the conversation's version the
-- change made (NULL for operator changes and removals, which D1 has before the inbox hears of them).
CREATE TABLE IF NOT EXISTS feed (
  cursor INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT,
  operator_id TEXT,
  removed INTEGER NOT NULL DEFAULT 0,
  version INTEGER
);
CREATE INDEX IF NOT EXISTS feed_by_conversation ON feed (conversation_id, cursor);
CREATE TABLE IF NOT EXISTS offline_pending (operator_id TEXT PRIMARY KEY, deadline INTEGER NOT NULL)";

pub use crate::store::inbox::SummaryRow as Summary;

#[derive(Debug, Clone, Deserialize)]
pub struct QueuedRow {
    pub id: String,
    pub department_id: Option<String>,
    pub queued_at: Option<i64>,
    pub preferred_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Load {
    pub assignee_id: String,
    pub n: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeedRow {
    pub cursor: i64,
    pub conversation_id: Option<String>,
    pub operator_id: Option<String>,
    pub removed: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Pending {
    pub operator_id: String,
    pub deadline: i64,
}

#[derive(Deserialize)]
struct Num {
    n: Option<i64>,
}

pub type DbResult<T> = worker::Result<T>;

/// Closed conversations whose visitors may still have the page open (for ending a revoked key's sockets).
pub const RECENT_MS: i64 = 7 * 24 * 3600 * 1000;

/// `?1` is the operator for whom unread counts are computed.
const SUMMARY_SELECT: &str = "SELECT c.id, c.status, c.department_id, c.assignee_id, c.last_seq, c.last_message_preview, c.last_message_at,
    c.queued_at, c.created_at, c.updated_at, c.visitor_id, c.visitor_name, c.visitor_email, c.visitor_verified, c.category_id,
    (SELECT COUNT(*) FROM visitor_messages m WHERE m.conversation_id = c.id
       AND m.seq > COALESCE((SELECT r.seq FROM reads r WHERE r.operator_id = ?1 AND r.conversation_id = c.id), 0)) AS unread_count,
    CASE WHEN c.status = 'queued' THEN (SELECT COUNT(*) FROM conversations q WHERE q.status = 'queued'
       AND q.department_id IS c.department_id AND (q.queued_at < c.queued_at OR (q.queued_at = c.queued_at AND q.id <= c.id))) END AS queue_position
  FROM conversations c";

pub struct InboxDb {
    sql: SqlStorage,
}

impl InboxDb {
    pub fn open(sql: SqlStorage) -> InboxDb {
        super::create_schema(&sql, SCHEMA, "inbox");
        super::add_column(&sql, "conversations", "preferred_id", "TEXT", "inbox");
        super::add_column(&sql, "conversations", "category_id", "TEXT", "inbox");
        InboxDb { sql }
    }

    pub fn tenant(&self) -> DbResult<Option<String>> {
        #[derive(Deserialize)]
        struct Meta {
            v: String,
        }
        Ok(self.sql.exec("SELECT v FROM meta WHERE k = 'tenant_id'", None)?.to_array::<Meta>()?.into_iter().next().map(|m| m.v))
    }

    pub fn remember_tenant(&self, tenant_id: &str) -> DbResult<()> {
        self.sql.exec("INSERT INTO meta (k, v) VALUES ('tenant_id', ?) ON CONFLICT (k) DO NOTHING", vec![s(tenant_id)])?;
        Ok(())
    }

    pub fn latest_cursor(&self) -> DbResult<i64> {
        Ok(self.sql.exec("SELECT MAX(cursor) AS n FROM feed", None)?.one::<Num>()?.n.unwrap_or(0))
    }

    /// The newest cursor up to which D1 has every change: lists read from D1 are exact up to it, so a
    /// console that lists from D1 resumes the live feed from here (changes after it may repeat; a
    /// change is a whole summary, so a repeat changes nothing).
    pub fn cursor_d1_has(&self) -> DbResult<i64> {
        let oldest_missing = self
            .sql
            .exec("SELECT MIN(f.cursor) AS n FROM feed f JOIN conversations c ON c.id = f.conversation_id WHERE f.version > c.d1_version", None)?
            .one::<Num>()?
            .n;
        match oldest_missing {
            Some(n) => Ok(n - 1),
            None => self.latest_cursor(),
        }
    }

    /// Applies a room's report; true when the summary changed (then it has a new feed entry).
    pub fn apply_report(&self, r: &RoomReport) -> DbResult<bool> {
        let c = &r.conversation;
        let v = &r.visitor;
        #[derive(Deserialize)]
        struct Changed {
            #[allow(dead_code)]
            id: String,
        }
        let changed = self.sql.exec(
            "INSERT INTO conversations (id, status, department_id, assignee_id, last_seq, last_message_preview, last_message_at, queued_at,
               created_at, updated_at, visitor_id, visitor_name, visitor_email, visitor_verified, version, d1_version, preferred_id, category_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, department_id = excluded.department_id, assignee_id = excluded.assignee_id,
               last_seq = excluded.last_seq, last_message_preview = excluded.last_message_preview, last_message_at = excluded.last_message_at,
               queued_at = excluded.queued_at, updated_at = excluded.updated_at, visitor_name = excluded.visitor_name,
               visitor_email = excluded.visitor_email, visitor_verified = excluded.visitor_verified, version = excluded.version,
               preferred_id = excluded.preferred_id, category_id = excluded.category_id
             WHERE excluded.version > conversations.version
             RETURNING id",
            vec![
                s(&c.id),
                s(&c.status),
                opt(c.department_id.as_deref()),
                opt(c.assignee_id.as_deref()),
                int(c.last_seq),
                opt(c.last_message_preview.as_deref()),
                opt_int(c.last_message_at),
                opt_int(c.queued_at),
                int(c.created_at),
                int(c.updated_at),
                s(&c.visitor_id),
                opt(v.name.as_deref()),
                opt(v.email.as_deref()),
                int(v.verified as i64),
                int(r.version),
                int(r.d1_version),
                opt(r.preferred_id.as_deref()),
                opt(c.category_id.as_deref()),
            ],
        )?;
        // A row comes back only when the report was inserted or newer than what the inbox had.
        let changed = !changed.to_array::<Changed>()?.is_empty();
        self.sql.exec("UPDATE conversations SET d1_version = MAX(d1_version, ?2) WHERE id = ?1", vec![s(&c.id), int(r.d1_version)])?;
        for seq in &r.visitor_message_seqs {
            self.sql.exec("INSERT INTO visitor_messages (conversation_id, seq) VALUES (?, ?) ON CONFLICT DO NOTHING", vec![s(&c.id), int(*seq)])?;
        }
        let mut reads_moved = false;
        for (operator_id, seq) in &r.operator_reads {
            reads_moved |= self.advance_read(operator_id, &c.id, *seq)?;
        }
        if changed || reads_moved {
            self.sql.exec("INSERT INTO feed (conversation_id, version) VALUES (?, ?)", vec![s(&c.id), int(r.version)])?;
        }
        Ok(changed || reads_moved)
    }

    /// Moves an operator's read marker forward (never back); true when it moved.
    pub fn advance_read(&self, operator_id: &str, conversation_id: &str, seq: i64) -> DbResult<bool> {
        let moved = self.sql.exec(
            "INSERT INTO reads (operator_id, conversation_id, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (operator_id, conversation_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > reads.seq
             RETURNING seq AS n",
            vec![s(operator_id), s(conversation_id), int(seq)],
        )?;
        Ok(!moved.to_array::<Num>()?.is_empty())
    }

    /// What an assignment made of a conversation, recorded before its room's report arrives.
    pub fn set_assignment(&self, conversation_id: &str, status: &str, assignee_id: Option<&str>) -> DbResult<()> {
        self.sql.exec("UPDATE conversations SET status = ?2, assignee_id = ?3 WHERE id = ?1", vec![s(conversation_id), s(status), opt(assignee_id)])?;
        Ok(())
    }

    pub fn operator_changed(&self, operator_id: &str) -> DbResult<()> {
        self.sql.exec("INSERT INTO feed (operator_id) VALUES (?)", vec![s(operator_id)])?;
        Ok(())
    }

    /// A deleted conversation leaves every console's list.
    pub fn remove(&self, conversation_id: &str) -> DbResult<()> {
        for sql in ["DELETE FROM conversations WHERE id = ?", "DELETE FROM visitor_messages WHERE conversation_id = ?", "DELETE FROM reads WHERE conversation_id = ?"] {
            self.sql.exec(sql, vec![s(conversation_id)])?;
        }
        self.sql.exec("INSERT INTO feed (conversation_id, removed) VALUES (?, 1)", vec![s(conversation_id)])?;
        Ok(())
    }

    pub fn feed_after(&self, cursor: i64, limit: i64) -> DbResult<Vec<FeedRow>> {
        self.sql.exec("SELECT cursor, conversation_id, operator_id, removed FROM feed WHERE cursor > ? ORDER BY cursor LIMIT ?", vec![int(cursor), int(limit)])?.to_array()
    }

    pub fn summaries(&self, operator_id: &str, ids: &[String]) -> DbResult<Vec<Summary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; ids.len()].join(", ");
        let mut args = vec![s(operator_id)];
        args.extend(ids.iter().map(|id| s(id)));
        self.sql.exec(&format!("{SUMMARY_SELECT} WHERE c.id IN ({placeholders}) ORDER BY c.updated_at DESC, c.id DESC"), args)?.to_array()
    }

    pub fn summary(&self, id: &str) -> DbResult<Option<Summary>> {
        Ok(self.summaries("", &[id.to_string()])?.into_iter().next())
    }

    /// `(status, assignee, department)` of a conversation, as far as routing cares.
    pub fn routing_state(&self, id: &str) -> DbResult<Option<(String, Option<String>, Option<String>)>> {
        #[derive(Deserialize)]
        struct State {
            status: String,
            assignee_id: Option<String>,
            department_id: Option<String>,
        }
        let rows = self.sql.exec("SELECT status, assignee_id, department_id FROM conversations WHERE id = ?", vec![s(id)])?;
        Ok(rows.to_array::<State>()?.into_iter().next().map(|r| (r.status, r.assignee_id, r.department_id)))
    }

    /// The routing queue: queued conversations, oldest first.
    pub fn queued(&self) -> DbResult<Vec<QueuedRow>> {
        self.sql.exec("SELECT id, department_id, queued_at, preferred_id FROM conversations WHERE status = 'queued' ORDER BY queued_at, id LIMIT 500", None)?.to_array()
    }

    /// Active conversations per operator.
    pub fn loads(&self) -> DbResult<Vec<Load>> {
        self.sql.exec("SELECT assignee_id, COUNT(*) AS n FROM conversations WHERE status = 'active' AND assignee_id IS NOT NULL GROUP BY assignee_id", None)?.to_array()
    }

    pub fn active_of(&self, operator_id: &str) -> DbResult<Vec<String>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        Ok(self.sql.exec("SELECT id FROM conversations WHERE status = 'active' AND assignee_id = ?", vec![s(operator_id)])?.to_array::<Id>()?.into_iter().map(|r| r.id).collect())
    }

    /// Conversations that changed since `since` or are still open: the rooms that may hold sockets.
    pub fn recently_active(&self, since: i64) -> DbResult<Vec<String>> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let rows = self.sql.exec("SELECT id FROM conversations WHERE status != 'closed' OR updated_at >= ?", vec![int(since)])?;
        Ok(rows.to_array::<Id>()?.into_iter().map(|r| r.id).collect())
    }

    pub fn pending_offline(&self) -> DbResult<Vec<Pending>> {
        self.sql.exec("SELECT operator_id, deadline FROM offline_pending ORDER BY deadline", None)?.to_array()
    }

    pub fn set_pending_offline(&self, operator_id: &str, deadline: i64) -> DbResult<()> {
        self.sql.exec(
            "INSERT INTO offline_pending (operator_id, deadline) VALUES (?1, ?2) ON CONFLICT (operator_id) DO UPDATE SET deadline = excluded.deadline",
            vec![s(operator_id), int(deadline)],
        )?;
        Ok(())
    }

    pub fn clear_pending_offline(&self, operator_id: &str) -> DbResult<()> {
        self.sql.exec("DELETE FROM offline_pending WHERE operator_id = ?", vec![s(operator_id)])?;
        Ok(())
    }
}
