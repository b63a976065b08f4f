//! D1 follows the room: what the room committed is written into D1 behind it, in order, in batches,
//! idempotently by `(conversation_id, seq)`. A failed batch is retried from the room's alarm with
//! backoff; after a restart the unflushed tail is still in the room's storage, and the alarm is set
//! in the same commit as the change, so nothing is left behind even if the room dies right after.

use std::cell::RefCell;
use std::collections::VecDeque;

use serde_json::{json, Value};
use worker::{Env, Storage};

use super::room_db::RoomDb;
use crate::store::events::EventRow;
use crate::store::Store;

/// Most events in one D1 batch.
const BATCH_EVENTS: i64 = 256;
/// Lag samples kept for the status answer.
const LAG_SAMPLES: usize = 512;
/// A backstop: if the inline flush never runs (the room was evicted or killed), the alarm does.
pub const BACKSTOP_MS: i64 = 5_000;

/// Delay before retry number `failures` (1, 2, …): 250 ms doubling, at most 4 s, so a room catches
/// up within seconds of D1's return.
pub fn backoff_ms(failures: i64) -> i64 {
    (250_i64 << failures.clamp(1, 5).saturating_sub(1)).min(4_000)
}

#[derive(Default)]
struct FollowState {
    running: bool,
    /// No D1 attempt before this time (the alarm retries).
    retry_at: Option<i64>,
    /// Whether an alarm is known to be set (unknown after a wake-up).
    alarm_at: Option<i64>,
    /// Flush lag of recent events: from commit in the room to commit in D1, in ms.
    lags: VecDeque<i64>,
    flushed_events: u64,
    failed_batches: u64,
    last_error: Option<String>,
}

pub struct Flushed {
    /// D1 transactions written.
    pub batches: usize,
    pub events: usize,
}

#[derive(Default)]
pub struct Follower {
    state: RefCell<FollowState>,
}

fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

impl Follower {
    /// Makes sure an alarm will fire by `at` (a synchronous call, so it joins the current commit).
    pub fn ensure_alarm(&self, storage: &Storage, at: i64) {
        let current = self.state.borrow().alarm_at;
        if current.is_some_and(|c| c <= at) {
            return;
        }
        let date = worker::js_sys::Date::new(&(at as f64).into());
        if storage.as_raw().set_alarm(date, worker::js_sys::Object::new()).is_ok() {
            self.state.borrow_mut().alarm_at = Some(at);
        }
    }

    /// The alarm fired: retries are due now.
    pub fn alarm_fired(&self) {
        let mut s = self.state.borrow_mut();
        s.alarm_at = None;
        s.retry_at = None;
    }

    /// Writes everything D1 lacks, batch by batch, until D1 has caught up, a batch fails (then the
    /// alarm retries after a backoff), or another call is already doing it.
    pub async fn flush(&self, db: &RoomDb, env: &Env, storage: &Storage) -> Option<Flushed> {
        let now = crate::realtime::now_ms();
        {
            let mut s = self.state.borrow_mut();
            if s.running || s.retry_at.is_some_and(|at| at > now) {
                return None;
            }
            s.running = true;
        }
        let result = self.flush_until_caught_up(db, env, storage).await;
        self.state.borrow_mut().running = false;
        result
    }

    async fn flush_until_caught_up(&self, db: &RoomDb, env: &Env, storage: &Storage) -> Option<Flushed> {
        let mut done = Flushed { batches: 0, events: 0 };
        loop {
            let conversation = match db.conversation() {
                Ok(Some(c)) if c.dirty() => c,
                Ok(_) => return Some(done),
                Err(e) => {
                    worker::console_error!("room storage unreadable: {e:?}");
                    return Some(done);
                }
            };
            let events = db.events_after(conversation.flushed_seq, BATCH_EVENTS, true).unwrap_or_default();
            let reads = db.unflushed_reads().unwrap_or_default();
            let upto = events.last().map(|e| e.seq).unwrap_or(conversation.flushed_seq);
            let snapshot = conversation.snapshot();
            let written = match Store::open(env) {
                Ok(store) => write_batch(&store, &snapshot, upto, &events, &reads).await,
                Err(e) => Err(e.to_string()),
            };
            let now = crate::realtime::now_ms();
            match written {
                Ok(()) => {
                    let _ = db.mark_flushed(upto, conversation.version, &reads, now);
                    let mut s = self.state.borrow_mut();
                    if s.last_error.take().is_some() {
                        worker::console_log!("room {}: D1 is back; caught up to seq {upto}", conversation.id);
                    }
                    for e in &events {
                        if s.lags.len() == LAG_SAMPLES {
                            s.lags.pop_front();
                        }
                        s.lags.push_back(now - e.created_at);
                    }
                    s.flushed_events += events.len() as u64;
                    done.batches += 1;
                    done.events += events.len();
                }
                Err(message) => {
                    let failures = db.note_flush_failure().unwrap_or(1);
                    let retry_at = now + backoff_ms(failures);
                    {
                        let mut s = self.state.borrow_mut();
                        s.failed_batches += 1;
                        s.retry_at = Some(retry_at);
                        s.last_error = Some(message.clone());
                    }
                    worker::console_error!(
                        "room {}: D1 write failed ({failures} in a row, {} events waiting), retry in {} ms: {message}",
                        conversation.id,
                        conversation.last_seq - conversation.flushed_seq,
                        retry_at - now
                    );
                    self.state.borrow_mut().alarm_at = None;
                    self.ensure_alarm(storage, retry_at);
                    return if done.batches > 0 { Some(done) } else { None };
                }
            }
        }
    }

    /// How far D1 is behind this room, for the deployment's operators (`GET /api/ops/rooms/{id}`).
    pub fn status(&self, db: &RoomDb) -> Value {
        let conversation = db.conversation().ok().flatten();
        let s = self.state.borrow();
        let mut lags: Vec<i64> = s.lags.iter().copied().collect();
        lags.sort_unstable();
        let now = crate::realtime::now_ms();
        json!({
            "last_seq": conversation.as_ref().map(|c| c.last_seq),
            "flushed_seq": conversation.as_ref().map(|c| c.flushed_seq),
            "pending_events": conversation.as_ref().map(|c| c.last_seq - c.flushed_seq),
            "caught_up": conversation.as_ref().map(|c| !c.dirty()),
            "behind_ms": conversation.as_ref().and_then(|c| c.dirty_since).map(|t| now - t),
            "consecutive_failures": conversation.as_ref().map(|c| c.d1_failures),
            "next_retry_at": s.retry_at,
            "last_error": s.last_error,
            "flushed_events": s.flushed_events,
            "failed_batches": s.failed_batches,
            "lag_ms": { "samples": lags.len(), "p50": percentile(&lags, 0.5), "p99": percentile(&lags, 0.99), "max": lags.last() },
        })
    }
}

/// One D1 transaction: the conversation row, the events and the read markers.
async fn write_batch(store: &Store, c: &crate::realtime::wire::Snapshot, upto: i64, events: &[EventRow], reads: &[super::room_db::ReadMarker]) -> Result<(), String> {
    let build = || -> crate::store::StoreResult<Vec<worker::D1PreparedStatement>> {
        let mut statements = vec![store.follow_conversation_statement(c, upto)?];
        statements.extend(store.tenant(&c.tenant_id).follow_events_statements(&c.id, events)?);
        for e in events {
            if let (true, Some(Value::String(op))) = (e.kind == "assigned" || e.kind == "transferred", assignee_of(e)) {
                statements.push(store.tenant(&c.tenant_id).mark_assigned_statement(&op, e.created_at)?);
            }
        }
        for r in reads {
            if let Some(operator) = r.reader.strip_prefix("operator:") {
                statements.push(store.tenant(&c.tenant_id).mark_read_statement(operator, &c.id, r.seq)?);
            }
        }
        Ok(statements)
    };
    let statements = build().map_err(|e| format!("{e:?}"))?;
    store.batch(statements).await.map_err(|e| format!("{e:?}"))
}

fn assignee_of(e: &EventRow) -> Option<Value> {
    let data: Value = serde_json::from_str(e.data.as_deref()?).ok()?;
    Some(data.get("assignee_id")?.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_quarter_second_to_four_seconds() {
        let delays: Vec<i64> = (1..=8).map(backoff_ms).collect();
        assert_eq!(delays, vec![250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
        assert_eq!(backoff_ms(0), 250);
    }

    #[test]
    fn percentiles_of_lag_samples() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!((percentile(&v, 0.5), percentile(&v, 0.99)), (Some(50), Some(99)));
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.99), Some(7));
    }
}
