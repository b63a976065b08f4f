//! The room's own SQLite storage (Durable Object storage): the conversation's live state, its whole
//! event log, read markers, and how far D1 has followed. Calls are synchronous, so the writes of one
//! command form one implicit transaction, durable before any ack or broadcast leaves (output gate).

use serde::Deserialize;
use serde_json::Value;
use worker::SqlStorage;

use super::sql_values::{int, opt, opt_int, s};

use super::wire::Snapshot;
use crate::domain::message::{classify_send, SendOutcome};
use crate::store::events::EventRow;

/// Statements separated by `;` (so no `;` inside comments).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS conversation (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  visitor_id TEXT NOT NULL,
  status TEXT NOT NULL,
  department_id TEXT,
  assignee_id TEXT,
  locale TEXT,
  menu_path TEXT,
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_message_preview TEXT,
  last_message_at INTEGER,
  queued_at INTEGER,
  closed_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- Bumped by every change. D1 has the state of `flushed_version` and the events up to `flushed_seq`.
  version INTEGER NOT NULL DEFAULT 1,
  flushed_version INTEGER NOT NULL DEFAULT 0,
  flushed_seq INTEGER NOT NULL DEFAULT 0,
  -- Consecutive failed D1 writes (for backoff) and when the oldest unflushed change was made.
  d1_failures INTEGER NOT NULL DEFAULT 0,
  dirty_since INTEGER,
  -- The visitor as last heard of (for consoles' lists).
  visitor_name TEXT,
  visitor_email TEXT,
  visitor_verified INTEGER NOT NULL DEFAULT 0,
  -- What the tenant's inbox was last told: the state's version, D1's version, visitor messages up to told_seq.
  told_version INTEGER NOT NULL DEFAULT 0,
  told_d1_version INTEGER NOT NULL DEFAULT 0,
  told_seq INTEGER NOT NULL DEFAULT 0,
  -- What a visitor message does once closed: NULL or 'reopen' reopens, 'new' asks for a new conversation.
  after_close TEXT,
  -- While a reopened conversation waits: who had it before it was closed.
  preferred_id TEXT,
  -- The visitor's rating of the closed conversation (1-5), its comment, when.
  rating INTEGER,
  rating_comment TEXT,
  rated_at INTEGER
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  author_type TEXT NOT NULL,
  author_id TEXT,
  author_name TEXT,
  client_msg_id TEXT NOT NULL UNIQUE,
  text TEXT,
  data TEXT,
  content_hash TEXT NOT NULL,
  private INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
-- Read markers per reader (`visitor:<id>`, `operator:<id>`: unread counts) and receipt markers
-- (`receipt:<reader>`: the last `read` event stored for them). They only move forward.
CREATE TABLE IF NOT EXISTS reads (
  reader TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  flushed_seq INTEGER NOT NULL DEFAULT 0,
  told_seq INTEGER NOT NULL DEFAULT 0
);";

const EVENT_COLUMNS: &str = "seq, type, author_type, author_id, author_name, client_msg_id, text, data, content_hash, private, created_at";

/// The conversation row of the room's storage.
#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub tenant_id: String,
    pub visitor_id: String,
    pub status: String,
    pub department_id: Option<String>,
    pub assignee_id: Option<String>,
    pub locale: Option<String>,
    pub menu_path: Option<String>,
    pub last_seq: i64,
    pub last_message_preview: Option<String>,
    pub last_message_at: Option<i64>,
    pub queued_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub flushed_version: i64,
    pub flushed_seq: i64,
    pub d1_failures: i64,
    pub dirty_since: Option<i64>,
    pub visitor_name: Option<String>,
    pub visitor_email: Option<String>,
    pub visitor_verified: i64,
    pub told_version: i64,
    pub told_d1_version: i64,
    pub told_seq: i64,
    #[serde(default)]
    pub after_close: Option<String>,
    #[serde(default)]
    pub preferred_id: Option<String>,
    #[serde(default)]
    pub rating: Option<i64>,
    #[serde(default)]
    pub rating_comment: Option<String>,
    #[serde(default)]
    pub rated_at: Option<i64>,
    #[serde(default)]
    pub category_id: Option<String>,
    /// Who chose it: `operator` (kept, even when none) or `rules`.
    #[serde(default)]
    pub category_by: Option<String>,
}

impl Conversation {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            id: self.id.clone(),
            tenant_id: self.tenant_id.clone(),
            visitor_id: self.visitor_id.clone(),
            status: self.status.clone(),
            department_id: self.department_id.clone(),
            assignee_id: self.assignee_id.clone(),
            last_seq: self.last_seq,
            last_message_preview: self.last_message_preview.clone(),
            last_message_at: self.last_message_at,
            queued_at: self.queued_at,
            closed_at: self.closed_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            locale: self.locale.clone(),
            menu_path: self.menu_path.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()),
            rating: self.rating,
            rating_comment: self.rating_comment.clone(),
            rated_at: self.rated_at,
            category_id: self.category_id.clone(),
        }
    }

    /// Whether D1 is behind this room.
    pub fn dirty(&self) -> bool {
        self.flushed_version < self.version || self.flushed_seq < self.last_seq
    }

    /// Whether the tenant's inbox has not heard the latest (of the room or of D1's progress).
    pub fn untold(&self) -> bool {
        self.told_version < self.version || self.told_d1_version < self.flushed_version
    }

    pub fn visitor(&self) -> super::wire::VisitorInfo {
        super::wire::VisitorInfo { name: self.visitor_name.clone(), email: self.visitor_email.clone(), verified: self.visitor_verified == 1 }
    }
}

/// A new conversation's first state.
pub struct NewConversation<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub visitor_id: &'a str,
    pub visitor: &'a super::wire::VisitorInfo,
    pub status: &'a str,
    pub locale: Option<&'a str>,
    pub menu_path: Option<&'a str>,
    pub after_close: Option<&'a str>,
    pub now: i64,
}

/// An event to append; `seq` is the room's to assign.
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub author: (&'a str, Option<&'a str>, Option<&'a str>),
    pub client_msg_id: &'a str,
    pub text: Option<&'a str>,
    pub data: Option<&'a str>,
    pub content_hash: &'a str,
    pub private: bool,
    /// Shown in lists as the conversation's last message.
    pub preview: Option<&'a str>,
}

/// What `append` did: the stored event (new, or the one stored before), and the conversation's status.
pub struct Appended {
    pub row: EventRow,
    pub outcome: SendOutcome,
    pub status: String,
}

/// A state change decided by the state machine.
pub struct NewState<'a> {
    pub status: &'a str,
    pub assignee_id: Option<&'a str>,
    pub department_id: Option<&'a str>,
    /// Entering the queue stamps `queued_at` unless the conversation keeps its place (a release).
    pub keep_place: bool,
    /// A reopened conversation waits for whoever had it (kept only while queued).
    pub preferred_id: Option<&'a str>,
}

/// A reader whose marker D1 does not have yet.
#[derive(Debug, Clone, Deserialize)]
pub struct ReadMarker {
    pub reader: String,
    pub seq: i64,
}

#[derive(Deserialize)]
struct Num {
    n: i64,
}

pub struct RoomDb {
    sql: SqlStorage,
    /// The conversation's status as last written or read here (every write goes through this
    /// handle), so a send learns it without a query.
    status: std::cell::RefCell<Option<String>>,
}

pub type DbResult<T> = worker::Result<T>;

impl RoomDb {
    /// Opens the storage, creating its tables the first time. A failure here shows again, and is
    /// answered, at the first query.
    pub fn open(sql: SqlStorage) -> RoomDb {
        super::create_schema(&sql, SCHEMA, "room");
        super::add_column(&sql, "conversation", "after_close", "TEXT", "room");
        super::add_column(&sql, "conversation", "preferred_id", "TEXT", "room");
        super::add_column(&sql, "conversation", "rating", "INTEGER", "room");
        super::add_column(&sql, "conversation", "rating_comment", "TEXT", "room");
        super::add_column(&sql, "conversation", "rated_at", "INTEGER", "room");
        super::add_column(&sql, "conversation", "category_id", "TEXT", "room");
        super::add_column(&sql, "conversation", "category_by", "TEXT", "room");
        RoomDb { sql, status: std::cell::RefCell::new(None) }
    }

    pub fn conversation(&self) -> DbResult<Option<Conversation>> {
        let c = self.sql.exec("SELECT * FROM conversation LIMIT 1", None)?.to_array::<Conversation>()?.into_iter().next();
        *self.status.borrow_mut() = c.as_ref().map(|c| c.status.clone());
        Ok(c)
    }

    /// The conversation's status (None: no conversation), from memory when this handle knows it.
    pub fn status(&self) -> DbResult<Option<String>> {
        if let Some(known) = self.status.borrow().clone() {
            return Ok(Some(known));
        }
        Ok(self.conversation()?.map(|c| c.status))
    }

    fn note_status(&self, status: Option<&str>) {
        *self.status.borrow_mut() = status.map(str::to_string);
    }

    pub fn create(&self, c: &NewConversation<'_>) -> DbResult<()> {
        self.sql.exec(
            "INSERT INTO conversation (id, tenant_id, visitor_id, status, locale, menu_path, created_at, updated_at, dirty_since,
               visitor_name, visitor_email, visitor_verified, after_close)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                s(c.id),
                s(c.tenant_id),
                s(c.visitor_id),
                s(c.status),
                opt(c.locale),
                opt(c.menu_path),
                int(c.now),
                int(c.now),
                int(c.now),
                opt(c.visitor.name.as_deref()),
                opt(c.visitor.email.as_deref()),
                int(c.visitor.verified as i64),
                opt(c.after_close),
            ],
        )?;
        self.note_status(Some(c.status));
        Ok(())
    }

    /// Takes over a conversation that so far lived only in D1 (made before rooms kept their own
    /// storage): its row and events, all marked as already in D1.
    pub fn adopt(&self, row: &crate::store::conversations::ConversationRow, events: &[EventRow]) -> DbResult<()> {
        let last_seq = events.last().map(|e| e.seq).unwrap_or(0);
        self.sql.exec(
            "INSERT INTO conversation (id, tenant_id, visitor_id, status, department_id, assignee_id, locale, menu_path, last_seq,
               last_message_preview, last_message_at, queued_at, closed_at, created_at, updated_at, version, flushed_version, flushed_seq)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?)",
            vec![
                s(&row.id),
                s(&row.tenant_id),
                s(&row.visitor_id),
                s(&row.status),
                opt(row.department_id.as_deref()),
                opt(row.assignee_id.as_deref()),
                opt(row.locale.as_deref()),
                opt(row.menu_path.as_deref()),
                int(last_seq),
                opt(row.last_message_preview.as_deref()),
                opt_int(row.last_message_at),
                opt_int(row.queued_at),
                opt_int(row.closed_at),
                int(row.created_at),
                int(row.updated_at),
                int(last_seq),
            ],
        )?;
        for e in events {
            self.insert_event(e)?;
        }
        self.note_status(Some(&row.status));
        Ok(())
    }

    fn insert_event(&self, e: &EventRow) -> DbResult<()> {
        self.sql.exec(
            &format!("INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            vec![
                int(e.seq),
                s(&e.kind),
                s(&e.author_type),
                opt(e.author_id.as_deref()),
                opt(e.author_name.as_deref()),
                s(&e.client_msg_id),
                opt(e.text.as_deref()),
                opt(e.data.as_deref()),
                s(&e.content_hash),
                int(e.private),
                int(e.created_at),
            ],
        )?;
        Ok(())
    }

    pub fn event_by_client_msg_id(&self, client_msg_id: &str) -> DbResult<Option<EventRow>> {
        Ok(self.sql.exec(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE client_msg_id = ?"), vec![s(client_msg_id)])?.to_array::<EventRow>()?.into_iter().next())
    }

    /// Appends an event with the next seq, unless its `client_msg_id` is already in the log: then the
    /// stored event comes back as a duplicate (same content) or a conflict (other content). Also
    /// answers the conversation's status. Two statements on the usual path: the insert takes its seq
    /// from the conversation row (and writes nothing for a known `client_msg_id`), the update returns
    /// the status.
    pub fn append(&self, e: &NewEvent<'_>, now: i64) -> DbResult<Appended> {
        #[derive(Deserialize)]
        struct Seq {
            seq: i64,
        }
        #[derive(Deserialize)]
        struct Status {
            status: String,
        }
        let inserted = self
            .sql
            .exec(
                &format!(
                    "INSERT INTO events ({EVENT_COLUMNS}) SELECT last_seq + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM conversation WHERE true
                     ON CONFLICT (client_msg_id) DO NOTHING RETURNING seq"
                ),
                vec![
                    s(e.kind),
                    s(e.author.0),
                    opt(e.author.1),
                    opt(e.author.2),
                    s(e.client_msg_id),
                    opt(e.text),
                    opt(e.data),
                    s(e.content_hash),
                    int(e.private as i64),
                    int(now),
                ],
            )?
            .to_array::<Seq>()?;
        let Some(seq) = inserted.first().map(|r| r.seq) else {
            let existing = self.event_by_client_msg_id(e.client_msg_id)?.ok_or_else(|| worker::Error::RustError("event vanished".into()))?;
            let outcome = classify_send(false, &existing.content_hash, e.content_hash);
            let status = self.sql.exec("SELECT status FROM conversation", None)?.one::<Status>()?.status;
            self.note_status(Some(&status));
            return Ok(Appended { row: existing, outcome, status });
        };
        let status = self
            .sql
            .exec(
                "UPDATE conversation SET last_seq = ?1,
                   last_message_preview = COALESCE(?2, last_message_preview),
                   last_message_at = CASE WHEN ?2 IS NULL THEN last_message_at ELSE ?3 END,
                   updated_at = ?3, version = version + 1, dirty_since = COALESCE(dirty_since, ?3)
                 RETURNING status",
                vec![int(seq), opt(e.preview), int(now)],
            )?
            .one::<Status>()?
            .status;
        self.note_status(Some(&status));
        let row = EventRow {
            seq,
            kind: e.kind.to_string(),
            author_type: e.author.0.to_string(),
            author_id: e.author.1.map(str::to_string),
            author_name: e.author.2.map(str::to_string),
            client_msg_id: e.client_msg_id.to_string(),
            text: e.text.map(str::to_string),
            data: e.data.map(str::to_string),
            content_hash: e.content_hash.to_string(),
            private: e.private as i64,
            created_at: now,
        };
        Ok(Appended { row, outcome: SendOutcome::Created, status })
    }

    pub fn set_state(&self, c: &NewState<'_>, now: i64) -> DbResult<()> {
        self.sql.exec(
            "UPDATE conversation SET status = ?1, assignee_id = ?2, department_id = ?3,
               queued_at = CASE WHEN ?1 = 'queued' THEN (CASE WHEN ?4 = 1 THEN COALESCE(queued_at, ?5) ELSE ?5 END) ELSE queued_at END,
               closed_at = CASE WHEN ?1 = 'closed' THEN ?5 ELSE NULL END, preferred_id = CASE WHEN ?1 = 'queued' THEN ?6 END,
               updated_at = ?5, version = version + 1, dirty_since = COALESCE(dirty_since, ?5)",
            vec![s(c.status), opt(c.assignee_id), opt(c.department_id), int(c.keep_place as i64), int(now), opt(c.preferred_id)],
        )?;
        self.note_status(Some(c.status));
        Ok(())
    }

    /// Records the visitor's rating on the conversation (the `rating` event is appended beside it).
    pub fn rate(&self, score: i64, comment: Option<&str>, now: i64) -> DbResult<()> {
        self.sql.exec(
            "UPDATE conversation SET rating = ?1, rating_comment = ?2, rated_at = ?3, updated_at = ?3,
               version = version + 1, dirty_since = COALESCE(dirty_since, ?3)",
            vec![int(score), opt(comment), int(now)],
        )?;
        Ok(())
    }

    /// Puts the conversation in a category (or in none).
    pub fn set_category(&self, category_id: Option<&str>, by: &str, now: i64) -> DbResult<()> {
        self.sql.exec(
            "UPDATE conversation SET category_id = ?1, category_by = ?2, updated_at = ?3, version = version + 1, dirty_since = COALESCE(dirty_since, ?3)",
            vec![opt(category_id), s(by), int(now)],
        )?;
        Ok(())
    }

    /// The FAQ entries the bot answered with in this conversation.
    pub fn answered_faq_ids(&self) -> DbResult<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct Answer {
            faq_id: String,
        }
        let sql = "SELECT DISTINCT json_extract(data, '$.faq_id') AS faq_id FROM events WHERE author_type = 'bot' AND json_extract(data, '$.faq_id') IS NOT NULL";
        Ok(self.sql.exec(sql, None)?.to_array::<Answer>()?.into_iter().map(|a| a.faq_id).collect())
    }

    /// The latest event of a type.
    pub fn last_event_of(&self, kind: &str) -> DbResult<Option<EventRow>> {
        Ok(self.sql.exec(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1"), vec![s(kind)])?.to_array::<EventRow>()?.into_iter().next())
    }

    /// How many `mail` events of a kind (`transcript`, `confirmed`, `offline`) the conversation has,
    /// with this nonce when one is given.
    pub fn count_mail(&self, kind: &str, nonce: Option<&str>) -> DbResult<i64> {
        #[derive(serde::Deserialize)]
        struct Count {
            n: i64,
        }
        let sql = "SELECT COUNT(*) AS n FROM events WHERE type = 'mail' AND json_extract(data, '$.kind') = ?1 AND (?2 IS NULL OR json_extract(data, '$.nonce') = ?2)";
        let rows = self.sql.exec(sql, vec![s(kind), opt(nonce)])?.to_array::<Count>()?;
        Ok(rows.first().map(|r| r.n).unwrap_or(0))
    }

    /// The public messages (and files) of the conversation: the visitor's first `visitor_limit`, and
    /// the last `recent` of anyone, both in order.
    pub fn messages_for_summary(&self, visitor_limit: i64, recent: i64) -> DbResult<(Vec<EventRow>, Vec<EventRow>)> {
        let visitor = self
            .sql
            .exec(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE private = 0 AND type = 'message' AND author_type = 'visitor' ORDER BY seq LIMIT ?"), vec![int(visitor_limit)])?
            .to_array::<EventRow>()?;
        let mut last = self
            .sql
            .exec(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE private = 0 AND type IN ('message', 'attachment') ORDER BY seq DESC LIMIT ?"), vec![int(recent)])?
            .to_array::<EventRow>()?;
        last.reverse();
        Ok((visitor, last))
    }

    /// The latest message or file visitors see.
    pub fn last_message(&self) -> DbResult<Option<EventRow>> {
        Ok(self.sql.exec(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE private = 0 AND type IN ('message', 'attachment') ORDER BY seq DESC LIMIT 1"), vec![])?.to_array::<EventRow>()?.into_iter().next())
    }

    /// The latest event visitors see.
    pub fn last_public_event(&self) -> DbResult<Option<EventRow>> {
        Ok(self.sql.exec(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE private = 0 ORDER BY seq DESC LIMIT 1"), vec![])?.to_array::<EventRow>()?.into_iter().next())
    }

    /// Events after `after_seq`, in order, at most `limit`; private notes only when asked for.
    pub fn events_after(&self, after_seq: i64, limit: i64, include_private: bool) -> DbResult<Vec<EventRow>> {
        self.sql
            .exec(
                &format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > ? AND (private = 0 OR ? = 1) ORDER BY seq LIMIT ?"),
                vec![int(after_seq), int(include_private as i64), int(limit)],
            )?
            .to_array::<EventRow>()
    }

    pub fn read_marker(&self, reader: &str) -> DbResult<i64> {
        Ok(self.sql.exec("SELECT seq AS n FROM reads WHERE reader = ?", vec![s(reader)])?.to_array::<Num>()?.first().map(|r| r.n).unwrap_or(0))
    }

    /// Moves a read marker forward; false when it was already there or beyond.
    pub fn advance_read_marker(&self, reader: &str, seq: i64, now: i64) -> DbResult<bool> {
        if seq <= self.read_marker(reader)? {
            return Ok(false);
        }
        self.sql.exec(
            "INSERT INTO reads (reader, seq) VALUES (?1, ?2) ON CONFLICT (reader) DO UPDATE SET seq = MAX(seq, excluded.seq)",
            vec![s(reader), int(seq)],
        )?;
        self.sql.exec("UPDATE conversation SET version = version + 1, dirty_since = COALESCE(dirty_since, ?)", vec![int(now)])?;
        Ok(true)
    }

    /// Keeps the visitor's name, email and verification as the latest visitor request told them.
    pub fn note_visitor(&self, v: &super::wire::VisitorInfo, now: i64) -> DbResult<bool> {
        let changed = self.sql.exec(
            "UPDATE conversation SET visitor_name = ?1, visitor_email = COALESCE(?2, visitor_email), visitor_verified = ?3,
               version = version + 1, dirty_since = COALESCE(dirty_since, ?4)
             WHERE visitor_name IS NOT ?1 OR (?2 IS NOT NULL AND visitor_email IS NOT ?2) OR visitor_verified != ?3
             RETURNING version AS n",
            vec![opt(v.name.as_deref()), opt(v.email.as_deref()), int(v.verified as i64), int(now)],
        )?;
        Ok(!changed.to_array::<Num>()?.is_empty())
    }

    /// Visitor messages after `seq` (their seqs), for the inbox's unread counts.
    pub fn visitor_message_seqs_after(&self, seq: i64, limit: i64) -> DbResult<Vec<i64>> {
        #[derive(Deserialize)]
        struct Seq {
            seq: i64,
        }
        let rows = self.sql.exec(
            "SELECT seq FROM events WHERE seq > ? AND author_type = 'visitor' AND type IN ('message', 'attachment') ORDER BY seq LIMIT ?",
            vec![int(seq), int(limit)],
        )?;
        Ok(rows.to_array::<Seq>()?.into_iter().map(|r| r.seq).collect())
    }

    /// Operators' read markers the inbox has not heard.
    pub fn untold_operator_reads(&self) -> DbResult<Vec<ReadMarker>> {
        self.sql.exec("SELECT reader, seq FROM reads WHERE seq > told_seq AND reader LIKE 'operator:%'", None)?.to_array::<ReadMarker>()
    }

    /// Records what the inbox now knows.
    pub fn mark_told(&self, version: i64, d1_version: i64, seq: i64, reads: &[ReadMarker]) -> DbResult<()> {
        self.sql.exec(
            "UPDATE conversation SET told_version = MAX(told_version, ?1), told_d1_version = MAX(told_d1_version, ?2), told_seq = MAX(told_seq, ?3)",
            vec![int(version), int(d1_version), int(seq)],
        )?;
        for r in reads {
            self.sql.exec("UPDATE reads SET told_seq = MAX(told_seq, ?2) WHERE reader = ?1", vec![s(&r.reader), int(r.seq)])?;
        }
        Ok(())
    }

    pub fn unflushed_reads(&self) -> DbResult<Vec<ReadMarker>> {
        self.sql.exec("SELECT reader, seq FROM reads WHERE seq > flushed_seq", None)?.to_array::<ReadMarker>()
    }

    /// Records what D1 now has: events up to `seq`, the state of `version`, and these read markers.
    pub fn mark_flushed(&self, seq: i64, version: i64, reads: &[ReadMarker], now: i64) -> DbResult<()> {
        self.sql.exec(
            "UPDATE conversation SET flushed_seq = MAX(flushed_seq, ?1), flushed_version = MAX(flushed_version, ?2), d1_failures = 0,
               dirty_since = CASE WHEN MAX(flushed_seq, ?1) >= last_seq AND MAX(flushed_version, ?2) >= version THEN NULL ELSE ?3 END",
            vec![int(seq), int(version), int(now)],
        )?;
        for r in reads {
            self.sql.exec("UPDATE reads SET flushed_seq = MAX(flushed_seq, ?2) WHERE reader = ?1", vec![s(&r.reader), int(r.seq)])?;
        }
        Ok(())
    }

    /// Counts a failed D1 write and answers how many in a row have failed.
    pub fn note_flush_failure(&self) -> DbResult<i64> {
        self.sql.exec("UPDATE conversation SET d1_failures = d1_failures + 1", None)?;
        Ok(self.sql.exec("SELECT d1_failures AS n FROM conversation", None)?.one::<Num>()?.n)
    }

    /// Forgets the conversation entirely (it was deleted).
    pub fn wipe(&self) -> DbResult<()> {
        for table in ["events", "reads", "conversation"] {
            self.sql.exec(&format!("DELETE FROM {table}"), None)?;
        }
        self.note_status(None);
        Ok(())
    }
}
