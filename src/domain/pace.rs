//! Pacing of background work that follows commits (reports to the inbox, batches to D1): the first
//! change after a quiet spell goes out at once; changes made while a run is due or under way wait
//! for the next run, at most one `interval` after the previous one started. Under load that turns
//! one run per event into one run per interval; when quiet it adds no delay. Pure: tested natively.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pacer {
    interval_ms: i64,
    last_start: Option<i64>,
    scheduled: bool,
}

impl Pacer {
    pub fn new(interval_ms: i64) -> Self {
        Pacer { interval_ms, last_start: None, scheduled: false }
    }

    /// A change wants a run: `Some(delay)` = schedule one after `delay` ms; `None` = one is
    /// already scheduled and will see this change.
    pub fn request(&mut self, now: i64) -> Option<i64> {
        if std::mem::replace(&mut self.scheduled, true) {
            return None;
        }
        Some(self.last_start.map(|t| (t + self.interval_ms - now).clamp(0, self.interval_ms)).unwrap_or(0))
    }

    /// The scheduled run starts now: later changes need a new request.
    pub fn start(&mut self, now: i64) {
        self.scheduled = false;
        self.last_start = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::Pacer;

    #[test]
    fn the_first_change_runs_at_once_and_a_burst_becomes_one_run_per_interval() {
        let mut p = Pacer::new(50);
        assert_eq!(p.request(1000), Some(0), "quiet: at once");
        assert_eq!(p.request(1001), None, "already scheduled");
        p.start(1000);
        assert_eq!(p.request(1010), Some(40), "during the interval: at its end");
        assert_eq!(p.request(1020), None);
        p.start(1050);
        assert_eq!(p.request(1200), Some(0), "after a quiet spell: at once again");
    }

    #[test]
    fn a_clock_going_back_never_waits_longer_than_one_interval() {
        let mut p = Pacer::new(50);
        p.request(1000);
        p.start(1000);
        assert_eq!(p.request(900), Some(50));
    }
}
