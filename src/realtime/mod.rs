//! Durable Objects: `ConversationRoom` (one per conversation: its owner, with its own storage, sockets
//! and live state; D1 follows behind it) and `TenantInbox` (one per tenant: operators' console sockets
//! and the routing queue), with the wire types and clients the Worker uses to call them.

pub mod client;
pub mod conversation;
pub mod follower;
pub mod inbox;
pub mod inbox_db;
pub mod protocol;
pub mod room_db;
pub mod sockets;
pub mod wire;

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::domain::rate::TokenBucket;
use crate::domain::vecmap::VecMap;

/// Values bound to the Durable Objects' own SQL statements.
pub mod sql_values {
    use worker::SqlStorageValue as V;

    pub fn s(v: &str) -> V {
        V::String(v.to_string())
    }

    pub fn opt(v: Option<&str>) -> V {
        v.map(s).unwrap_or(V::Null)
    }

    pub fn int(n: i64) -> V {
        V::Integer(n)
    }

    pub fn opt_int(n: Option<i64>) -> V {
        n.map(int).unwrap_or(V::Null)
    }
}

/// Creates a Durable Object's tables the first time (`schema`: statements separated by `;`). A
/// failure is logged here and answered at the first query that needs the table.
pub fn create_schema(sql: &worker::SqlStorage, schema: &str, owner: &str) {
    for statement in schema.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        if let Err(e) = sql.exec(statement, None) {
            worker::console_error!("{owner} schema: {e:?}");
        }
    }
}

/// Adds a column to a table made by an older version of the schema (`CREATE TABLE IF NOT EXISTS`
/// leaves such a table as it was).
pub fn add_column(sql: &worker::SqlStorage, table: &str, column: &str, declaration: &str, owner: &str) {
    if sql.exec(&format!("SELECT {column} FROM {table} LIMIT 0"), None).is_err() {
        if let Err(e) = sql.exec(&format!("ALTER TABLE {table} ADD COLUMN {column} {declaration}"), None) {
            worker::console_error!("{owner} schema: {e:?}");
        }
    }
}

pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// A minute, in ms, for the tenant's minute-based timings (auto-close). Local runs with the dev
/// switches on may shorten it (`DEV_MINUTE_MS`) so tests need not wait minutes.
pub fn minute_ms(env: &worker::Env) -> i64 {
    let dev = crate::store::faults::enabled(env).then(|| env.var("DEV_MINUTE_MS").ok().and_then(|v| v.to_string().parse::<i64>().ok())).flatten();
    dev.filter(|m| *m > 0).unwrap_or(60_000)
}

/// Per-socket frame limits; rates come from ROOM_RATE_PER_SEC and ROOM_RATE_BURST.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: RefCell<VecMap<String, TokenBucket>>,
}

impl RateLimiter {
    pub fn from_env(env: &worker::Env) -> Self {
        let setting = |name: &str, default: u32| env.var(name).ok().and_then(|v| v.to_string().parse::<u32>().ok()).unwrap_or(default) as f64;
        RateLimiter { rate: setting("ROOM_RATE_PER_SEC", 10), burst: setting("ROOM_RATE_BURST", 30), buckets: RefCell::new(VecMap::new()) }
    }

    pub fn take(&self, sid: &str) -> bool {
        let now = worker::Date::now().as_millis() as f64;
        let mut buckets = self.buckets.borrow_mut();
        let (rate, burst) = (self.rate, self.burst);
        buckets.slot(sid.to_string(), || TokenBucket::full(burst, now)).take(rate, burst, now)
    }

    pub fn forget(&self, sid: &str) {
        self.buckets.borrow_mut().remove(&sid.to_string());
    }
}

/// The work queue of a Durable Object that must do its I/O one step at a time: handlers push work,
/// and the first one that finds nobody running becomes the runner and takes batches until the queue
/// is dry. Everything that arrives while a step awaits waits its turn (and rides the next batch).
pub struct Pump<T> {
    queue: VecDeque<T>,
    running: bool,
}

impl<T> Default for Pump<T> {
    fn default() -> Self {
        Pump { queue: VecDeque::new(), running: false }
    }
}

impl<T> Pump<T> {
    /// Queues `op`; true when the caller must now run the queue (nobody else is).
    pub fn push(&mut self, op: T) -> bool {
        self.queue.push_back(op);
        !std::mem::replace(&mut self.running, true)
    }

    /// Everything queued so far; an empty batch ends the run.
    pub fn take(&mut self) -> Vec<T> {
        let batch: Vec<T> = self.queue.drain(..).collect();
        if batch.is_empty() {
            self.running = false;
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::Pump;

    #[test]
    fn one_runner_takes_everything_in_order_until_dry() {
        let mut p = Pump::default();
        assert!(p.push(1), "the first pusher runs");
        assert!(!p.push(2), "others only queue");
        assert_eq!(p.take(), vec![1, 2]);
        assert!(p.take().is_empty());
        assert!(p.push(4), "after a dry run the next pusher runs again");
    }
}
