//! The connections the endpoint holds, and which one goes when it holds as many as it may: not
//! the newcomer (a local process must not starve the real clients by opening many slow ones) but
//! the connection doing the least: first those that never showed the endpoint's secret (oldest
//! first), then idle keep-alive ones (longest idle first). Connections that are answering a
//! request are never dropped; when every connection is answering, new ones wait in the
//! listening socket's queue instead of being reset.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tokio::sync::Notify;
use tokio::time::Instant;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the first byte of a request head.
    Waiting,
    /// Reading a request head.
    Head,
    /// Answering a request (asking for a token, writing the reply).
    Busy,
}

/// One connection's state, shared between its task and the accept loop.
pub struct Slot {
    opened: Instant,
    phase: Cell<Phase>,
    since: Cell<Instant>,
    /// It has sent a request carrying the endpoint's secret.
    trusted: Cell<bool>,
    dropped: Cell<bool>,
    wake: Notify,
}

impl Slot {
    fn new(now: Instant) -> Self {
        Self {
            opened: now,
            phase: Cell::new(Phase::Waiting),
            since: Cell::new(now),
            trusted: Cell::new(false),
            dropped: Cell::new(false),
            wake: Notify::new(),
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        self.phase.set(phase);
        self.since.set(Instant::now());
    }

    pub fn trust(&self) {
        self.trusted.set(true);
    }

    /// True once the connection was chosen to make room (or the endpoint is stopping).
    #[must_use]
    pub fn is_dropped(&self) -> bool {
        self.dropped.get()
    }

    /// Resolves when the connection is dropped to make room.
    pub async fn dropped(&self) {
        if !self.dropped.get() {
            self.wake.notified().await;
        }
    }

    fn drop_now(&self) {
        self.dropped.set(true);
        self.wake.notify_one();
    }
}

/// Every open connection, up to a cap.
pub struct Slots {
    cap: usize,
    open: RefCell<Vec<Rc<Slot>>>,
}

impl Slots {
    #[must_use]
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            open: RefCell::new(Vec::new()),
        }
    }

    /// The connections still open (not dropped, their task not ended).
    #[must_use]
    pub fn len(&self) -> usize {
        self.prune();
        self.open.borrow().len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A slot for a new connection: there is room, or a connection that is not answering a
    /// request is dropped to make it. `None` when every connection is answering one (the
    /// newcomer waits in the queue).
    #[must_use]
    pub fn admit(&self) -> Option<Rc<Slot>> {
        self.prune();
        let mut open = self.open.borrow_mut();
        if open.len() >= self.cap {
            let victim = open
                .iter()
                .filter(|s| s.phase.get() != Phase::Busy)
                .min_by_key(|s| {
                    // Untrusted before trusted; then the oldest, or the longest idle.
                    let trusted = s.trusted.get();
                    (trusted, if trusted { s.since.get() } else { s.opened })
                })
                .cloned()?;
            victim.drop_now();
            open.retain(|s| !Rc::ptr_eq(s, &victim));
        }
        let slot = Rc::new(Slot::new(Instant::now()));
        open.push(Rc::clone(&slot));
        Some(slot)
    }

    /// Room could be made now (some connection is not answering a request, or there is room).
    #[must_use]
    pub fn has_room(&self) -> bool {
        self.prune();
        let open = self.open.borrow();
        open.len() < self.cap || open.iter().any(|s| s.phase.get() != Phase::Busy)
    }

    /// Stopping: every connection that is not answering a request is dropped; the others close
    /// after their reply.
    pub fn drop_all(&self) {
        for slot in self.open.borrow().iter() {
            slot.dropped.set(true);
            if slot.phase.get() != Phase::Busy {
                slot.wake.notify_one();
            }
        }
    }

    fn prune(&self) {
        self.open
            .borrow_mut()
            .retain(|s| Rc::strong_count(s) > 1 && !s.dropped.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_untrusted_and_idle_go_first_and_busy_ones_never() {
        let slots = Slots::new(3);
        let trusted_idle = slots.admit().unwrap();
        trusted_idle.trust();
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        let untrusted = slots.admit().unwrap();
        let busy = slots.admit().unwrap();
        busy.set_phase(Phase::Busy);
        busy.trust();
        assert_eq!(slots.len(), 3);
        let fourth = slots.admit().unwrap();
        assert!(untrusted.is_dropped(), "the untrusted one goes first");
        assert!(!trusted_idle.is_dropped() && !busy.is_dropped());
        fourth.set_phase(Phase::Busy);
        let fifth = slots.admit().unwrap();
        fifth.set_phase(Phase::Busy);
        assert!(trusted_idle.is_dropped(), "then the idle trusted one");
        assert!(!busy.is_dropped());
        assert!(!slots.has_room(), "every connection is answering");
        assert!(slots.admit().is_none());
        busy.set_phase(Phase::Waiting);
        assert!(slots.has_room());
        drop(untrusted);
        assert_eq!(slots.len(), 3);
    }

    #[tokio::test]
    async fn a_dropped_slot_wakes_its_connection() {
        let slots = Slots::new(1);
        let first = slots.admit().unwrap();
        let _second = slots.admit().unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(1), first.dropped())
            .await
            .expect("woken");
    }
}
