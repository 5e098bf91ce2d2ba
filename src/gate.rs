//! How many requests one client has in flight: a gate with a limit (by
//! default the 6 a browser sends at once to one HTTP/1.1 origin), and two
//! queues before it. A request's own time limit starts when it passes the
//! gate, so time spent queued, here or in the browser, never counts as the
//! server's silence.
//!
//! The order: a poll goes before every createTask asked for after its task
//! was created (a task that exists, and is paid for, is never starved by
//! new ones), and after the createTasks that were already waiting then, as
//! a browser's own queue would send them; unless it has waited
//! [`POLL_PATIENCE_MS`], when it goes before them too (so that a burst
//! of createTasks cannot hold a paid task's answer back past its
//! deadline). A poll whose call is about to reach its deadline (its
//! `urgent_at` passed) goes first of all, at the next free slot: a place in
//! the queue would spend the last moments in which its answer can still be
//! seen. Polls put before every waiting createTask instead held the
//! last createTask of a burst back by the polls of all the tasks before
//! it: 1,000 solves at once on a busy machine took 1.23× the time of a
//! bare fetch loop (mean of six rounds), against 1.09× in this order.
//!
//! The price of the limit: with a few requests in flight, the next is sent
//! only once the page has handled an answer, so every answer's round trip
//! through the page's main thread paces the rest, where a client that hands
//! all its requests to the browser at once lets the browser send the next
//! without waiting for the page. Waiting for 1,000 solved tasks at once on a
//! busy machine (BENCHMARKS.md, the poll phase alone) took 1.20× the time of
//! such a client at 6 in flight and 1.09× at 64; 9 or 12 were no faster
//! than 6 (measured for issue 25), and leaving out the request's timers,
//! races and abort signal made 6 no faster either.
//!
//! Pure (wakers, no JS; the clock is given): the client races
//! [`Gate::enter`] against the caller's signal and the call's deadline;
//! dropping a waiting entry leaves the queue, and a slot handed to an
//! entry dropped before it saw it is passed on.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The longest a poll waits behind createTasks older than its task: the
/// schedule's longest interval between two polls
/// ([`crate::schedule::MAX_INTERVAL`]), in ms.
pub const POLL_PATIENCE_MS: f64 = crate::schedule::MAX_INTERVAL * 1000.0;

/// What a request is, for its place in the queue. Times are ms on the
/// gate's clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Class {
    /// getTaskResult (or getBalance): about a task that exists, created at
    /// `since`.
    Poll {
        /// When the task was created.
        since: f64,
        /// From when it goes before every other waiting request: just
        /// before its call's deadline.
        urgent_at: f64,
    },
    /// createTask: a new task.
    Create,
}

#[derive(Debug)]
struct Waiting {
    ticket: u64,
    waker: Waker,
    /// A poll's task's creation, or when a createTask was asked for.
    since: f64,
    /// When it was queued.
    queued: f64,
    /// A poll's `urgent_at`; infinity for a createTask.
    urgent_at: f64,
}

#[derive(Debug)]
struct State {
    limit: usize,
    busy: usize,
    next_ticket: u64,
    polls: VecDeque<Waiting>,
    creates: VecDeque<Waiting>,
    /// Tickets handed a slot whose entry has not taken it yet.
    granted: Vec<u64>,
    clock: fn() -> f64,
}

impl State {
    fn queue(&mut self, class: Class) -> &mut VecDeque<Waiting> {
        match class {
            Class::Poll { .. } => &mut self.polls,
            Class::Create => &mut self.creates,
        }
    }

    /// Whether the first waiting poll goes before the first waiting
    /// createTask.
    fn poll_next(&self) -> bool {
        match (self.polls.front(), self.creates.front()) {
            (Some(poll), Some(create)) => {
                poll.since <= create.since || (self.clock)() - poll.queued >= POLL_PATIENCE_MS
            }
            (poll, _) => poll.is_some(),
        }
    }

    /// A slot is free: hand it to the next waiting request, or leave it
    /// free.
    fn release(&mut self) {
        let now = (self.clock)();
        let next = match self.polls.iter().position(|w| w.urgent_at <= now) {
            Some(urgent) => self.polls.remove(urgent),
            None if self.poll_next() => self.polls.pop_front(),
            None => self.creates.pop_front(),
        };
        match next {
            Some(next) => {
                self.granted.push(next.ticket);
                next.waker.wake();
            }
            None => self.busy = self.busy.saturating_sub(1),
        }
    }
}

/// The gate of one client.
#[derive(Debug)]
pub struct Gate {
    state: RefCell<State>,
}

impl Gate {
    /// A gate letting `limit` requests (at least one) through at once,
    /// telling time (ms) by `clock`.
    pub fn new(limit: usize, clock: fn() -> f64) -> Rc<Self> {
        Rc::new(Self {
            state: RefCell::new(State {
                limit: limit.max(1),
                busy: 0,
                next_ticket: 0,
                polls: VecDeque::new(),
                creates: VecDeque::new(),
                granted: Vec::new(),
                clock,
            }),
        })
    }

    /// Waits for a slot for a request of `class`; the slot is held until
    /// the [`Slot`] is dropped.
    pub fn enter(self: &Rc<Self>, class: Class) -> Enter {
        Enter {
            gate: Rc::clone(self),
            class,
            ticket: None,
        }
    }

    /// Requests in flight.
    #[cfg(test)]
    fn busy(&self) -> usize {
        self.state.borrow().busy
    }
}

/// A request's place in flight: dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    gate: Rc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gate.state.borrow_mut().release();
    }
}

/// The future of [`Gate::enter`].
#[derive(Debug)]
pub struct Enter {
    gate: Rc<Gate>,
    class: Class,
    /// Set once queued.
    ticket: Option<u64>,
}

impl Future for Enter {
    type Output = Slot;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Slot> {
        let gate = Rc::clone(&self.gate);
        let mut s = gate.state.borrow_mut();
        match self.ticket {
            None => {
                let queued = !s.polls.is_empty() || !s.creates.is_empty();
                if s.busy < s.limit && !queued {
                    s.busy += 1;
                    drop(s);
                    return Poll::Ready(Slot { gate });
                }
                let ticket = s.next_ticket;
                s.next_ticket += 1;
                let queued = (s.clock)();
                let class = self.class;
                let (since, urgent_at) = match class {
                    Class::Poll { since, urgent_at } => (since, urgent_at),
                    Class::Create => (queued, f64::INFINITY),
                };
                s.queue(class).push_back(Waiting {
                    ticket,
                    waker: cx.waker().clone(),
                    since,
                    queued,
                    urgent_at,
                });
                self.ticket = Some(ticket);
                Poll::Pending
            }
            Some(ticket) => {
                if let Some(i) = s.granted.iter().position(|t| *t == ticket) {
                    s.granted.swap_remove(i);
                    self.ticket = None;
                    drop(s);
                    return Poll::Ready(Slot { gate });
                }
                // Still queued: keep the newest waker.
                let class = self.class;
                if let Some(w) = s.queue(class).iter_mut().find(|w| w.ticket == ticket) {
                    w.waker = cx.waker().clone();
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket else {
            return;
        };
        let mut s = self.gate.state.borrow_mut();
        if let Some(i) = s.granted.iter().position(|t| *t == ticket) {
            // Handed a slot it never took: pass it on.
            s.granted.swap_remove(i);
            s.release();
        } else {
            let class = self.class;
            s.queue(class).retain(|w| w.ticket != ticket);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// A waker that counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll(f: &mut Pin<Box<Enter>>) -> Option<Slot> {
        let waker = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        match f.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(s) => Some(s),
            Poll::Pending => None,
        }
    }

    thread_local! {
        static NOW: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    }

    fn clock() -> f64 {
        NOW.with(std::cell::Cell::get)
    }

    fn at(ms: f64) {
        NOW.with(|now| now.set(ms));
    }

    fn poll_of(since: f64) -> Class {
        Class::Poll {
            since,
            urgent_at: f64::INFINITY,
        }
    }

    #[test]
    fn at_most_the_limit_in_flight_and_polls_before_new_creates() {
        at(0.0);
        let gate = Gate::new(2, clock);
        let a = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        let b = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        assert_eq!(gate.busy(), 2);
        at(10.0);
        let mut older = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut older).is_none());
        at(20.0);
        // A task created at 15, after `older` was asked for.
        let mut poll_ = Box::pin(gate.enter(poll_of(15.0)));
        assert!(poll(&mut poll_).is_none());
        at(25.0);
        let mut newer = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut newer).is_none());
        // Slots free: the createTask that was waiting before the task
        // existed, then the poll, queued later but before the new one.
        drop(a);
        let o = poll(&mut older).unwrap();
        assert!(poll(&mut poll_).is_none());
        drop(b);
        assert!(poll(&mut newer).is_none());
        let p = poll(&mut poll_).unwrap();
        drop(o);
        let n = poll(&mut newer).unwrap();
        assert_eq!(gate.busy(), 2);
        drop((p, n));
        assert_eq!(gate.busy(), 0);
    }

    #[test]
    fn a_poll_waits_behind_older_creates_no_longer_than_its_patience() {
        at(0.0);
        let gate = Gate::new(1, clock);
        let a = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        let mut first = Box::pin(gate.enter(Class::Create));
        let mut second = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut first).is_none() && poll(&mut second).is_none());
        at(100.0);
        let mut poll_ = Box::pin(gate.enter(poll_of(50.0)));
        assert!(poll(&mut poll_).is_none());
        at(100.0 + POLL_PATIENCE_MS - 1.0);
        drop(a);
        let f = poll(&mut first).unwrap();
        at(100.0 + POLL_PATIENCE_MS);
        drop(f);
        assert!(poll(&mut second).is_none());
        let p = poll(&mut poll_).unwrap();
        drop(p);
        assert!(poll(&mut second).is_some());
    }

    #[test]
    fn a_poll_near_its_deadline_goes_before_every_waiting_request() {
        at(0.0);
        let gate = Gate::new(1, clock);
        let a = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        let mut create = Box::pin(gate.enter(Class::Create));
        let mut older_poll = Box::pin(gate.enter(poll_of(0.0)));
        // A task created after the createTask was asked for, whose call
        // nears its deadline at 500.
        at(10.0);
        let mut near = Box::pin(gate.enter(Class::Poll {
            since: 5.0,
            urgent_at: 500.0,
        }));
        assert!(poll(&mut create).is_none() && poll(&mut older_poll).is_none());
        assert!(poll(&mut near).is_none());
        // Before 500 it keeps its place: behind both.
        at(499.0);
        drop(a);
        let p = poll(&mut older_poll).unwrap();
        assert!(poll(&mut near).is_none());
        // From 500 it goes first, before the createTask asked for earlier.
        at(500.0);
        drop(p);
        assert!(poll(&mut create).is_none());
        let n = poll(&mut near).unwrap();
        drop(n);
        assert!(poll(&mut create).is_some());
    }

    #[test]
    fn a_queued_entry_dropped_leaves_and_a_granted_one_passes_its_slot_on() {
        let gate = Gate::new(1, clock);
        let a = poll(&mut Box::pin(gate.enter(poll_of(0.0)))).unwrap();
        let mut gone = Box::pin(gate.enter(poll_of(0.0)));
        assert!(poll(&mut gone).is_none());
        let mut next = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut next).is_none());
        // The first in the queue is granted the slot, then dropped (its call
        // aborted) before it took it: the slot goes to the next.
        drop(a);
        drop(gone);
        let n = poll(&mut next).unwrap();
        assert_eq!(gate.busy(), 1);
        drop(n);
        assert_eq!(gate.busy(), 0);
        // Dropped while still queued: nothing is left behind.
        let a = poll(&mut Box::pin(gate.enter(poll_of(0.0)))).unwrap();
        let mut queued = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut queued).is_none());
        drop(queued);
        drop(a);
        assert_eq!(gate.busy(), 0);
        assert!(poll(&mut Box::pin(gate.enter(Class::Create))).is_some());
    }
}
