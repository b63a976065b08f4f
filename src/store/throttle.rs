//! Fixed-window counters of sign-in attempts, per account and per client address. An attempt is
//! counted before the password is checked, in one statement that answers the new count, so parallel
//! guesses cannot all pass a check made before any of them was recorded.

use super::{int, text, Store, StoreResult, FromRow, Row};

struct ThrottleRow {
    failures: i64,
}

impl Store {
    /// Counts one attempt in the bucket's window (a new window when the last one is over) and
    /// answers how many the window now holds, this one included.
    pub async fn take_login_attempt(&self, bucket: &str, now: i64, window_ms: i64) -> StoreResult<i64> {
        let row: Option<ThrottleRow> = self
            .first(
                "INSERT INTO login_throttle (bucket, window_start, failures) VALUES (?1, ?2, 1)
                 ON CONFLICT (bucket) DO UPDATE SET
                   failures = CASE WHEN ?2 - window_start >= ?3 THEN 1 ELSE failures + 1 END,
                   window_start = CASE WHEN ?2 - window_start >= ?3 THEN ?2 ELSE window_start END
                 RETURNING failures",
                &[text(bucket), int(now), int(window_ms)],
            )
            .await?;
        Ok(row.map(|r| r.failures).unwrap_or(1))
    }

    /// Gives back an attempt that turned out well (a right password does not count against an address).
    pub async fn return_login_attempt(&self, bucket: &str) -> StoreResult<usize> {
        self.run("UPDATE login_throttle SET failures = MAX(failures - 1, 0) WHERE bucket = ?1", &[text(bucket)]).await
    }

    pub async fn clear_login_failures(&self, bucket: &str) -> StoreResult<usize> {
        self.run("DELETE FROM login_throttle WHERE bucket = ?1", &[text(bucket)]).await
    }
}

impl FromRow for ThrottleRow {
    fn from_row(r: &Row) -> Self {
        ThrottleRow { failures: r.i64("failures") }
    }
}
