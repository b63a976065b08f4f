//! Durable Objects: `ConversationRoom` (one per conversation: sockets, sequence, live state) and
//! `TenantInbox` (one per tenant: operators' console sockets and the routing queue).

pub mod bot;
pub mod conversation;
pub mod protocol;
pub mod inbox;

use std::collections::VecDeque;

/// The work queue of a Durable Object that must do its I/O one step at a time: handlers push work,
/// and the first one that finds nobody running becomes the runner and takes batches until the queue
/// is dry. Everything that arrives while a step awaits D1 waits its turn (and rides the next batch).
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

    /// Queues work from inside a running step (the runner picks it up next).
    pub fn push_back(&mut self, op: T) {
        self.queue.push_back(op);
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
        p.push_back(3);
        assert_eq!(p.take(), vec![3]);
        assert!(p.take().is_empty());
        assert!(p.push(4), "after a dry run the next pusher runs again");
    }
}
