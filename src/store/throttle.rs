//! Fixed-window counters of failed sign-ins, per account and per client address.

use super::{int, text, Store, StoreResult, FromRow, Row};

struct ThrottleRow {
    window_start: i64,
    failures: i64,
}

impl Store {
    /// Failures counted in the window that is still open at `now`.
    pub async fn login_failures(&self, bucket: &str, now: i64, window_ms: i64) -> StoreResult<i64> {
        let row: Option<ThrottleRow> = self.first("SELECT window_start, failures FROM login_throttle WHERE bucket = ?1", &[text(bucket)]).await?;
        Ok(match row {
            Some(r) if now - r.window_start < window_ms => r.failures,
            _ => 0,
        })
    }

    pub async fn record_login_failure(&self, bucket: &str, now: i64, window_ms: i64) -> StoreResult<usize> {
        self.run(
            "INSERT INTO login_throttle (bucket, window_start, failures) VALUES (?1, ?2, 1)
             ON CONFLICT (bucket) DO UPDATE SET
               failures = CASE WHEN ?2 - window_start >= ?3 THEN 1 ELSE failures + 1 END,
               window_start = CASE WHEN ?2 - window_start >= ?3 THEN ?2 ELSE window_start END",
            &[text(bucket), int(now), int(window_ms)],
        )
        .await
    }

    pub async fn clear_login_failures(&self, bucket: &str) -> StoreResult<usize> {
        self.run("DELETE FROM login_throttle WHERE bucket = ?1", &[text(bucket)]).await
    }
}

impl FromRow for ThrottleRow {
    fn from_row(r: &Row) -> Self {
        ThrottleRow { window_start: r.i64("window_start"), failures: r.i64("failures") }
    }
}
