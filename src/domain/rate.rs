//! A token bucket: `burst` frames at once, then `rate` per second. Pure, so it is tested natively;
//! the rooms keep one per socket.

#[derive(Debug, Clone, PartialEq)]
pub struct TokenBucket {
    tokens: f64,
    at_ms: f64,
}

impl TokenBucket {
    /// A full bucket at `now_ms`.
    pub fn full(burst: f64, now_ms: f64) -> Self {
        TokenBucket { tokens: burst, at_ms: now_ms }
    }

    /// Refills for the time passed, then takes one token if there is one.
    pub fn take(&mut self, rate: f64, burst: f64, now_ms: f64) -> bool {
        let elapsed = (now_ms - self.at_ms).max(0.0);
        self.tokens = (self.tokens + elapsed / 1000.0 * rate).min(burst);
        self.at_ms = now_ms.max(self.at_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenBucket;

    #[test]
    fn a_burst_passes_then_the_rate_applies() {
        let mut b = TokenBucket::full(3.0, 0.0);
        assert_eq!((0..5).map(|_| b.take(10.0, 3.0, 0.0)).collect::<Vec<_>>(), vec![true, true, true, false, false]);
        assert!(!b.take(10.0, 3.0, 50.0), "half a token after 50 ms at 10/s");
        assert!(b.take(10.0, 3.0, 100.0), "a whole one after 100 ms");
        assert!(!b.take(10.0, 3.0, 100.0));
    }

    #[test]
    fn refill_never_exceeds_the_burst_and_a_clock_going_back_adds_nothing() {
        let mut b = TokenBucket::full(2.0, 0.0);
        assert!(b.take(1.0, 2.0, 0.0) && b.take(1.0, 2.0, 0.0));
        assert_eq!((0..3).map(|_| b.take(1.0, 2.0, 1_000_000.0)).collect::<Vec<_>>(), vec![true, true, false]);
        assert!(!b.take(1.0, 2.0, 0.0), "time going backwards refills nothing");
    }
}
