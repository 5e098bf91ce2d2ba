//! How many requests one client has in flight: a gate with a limit, and
//! two queues before it. A request's own time limit starts when it passes
//! the gate, so time spent queued here never counts as the server's
//! silence.
//!
//! The limit stands in for the platform's own queue, which would hold
//! requests with their timers running: a browser (a page, a worker, an
//! extension's service worker, a Cloudflare Worker) sends at most
//! [`HTTP1_LIMIT`] requests at once to one HTTP/1.1 origin and multiplexes
//! them over HTTP/2 and HTTP/3; Node's, Deno's and Bun's `fetch` queue
//! nothing. So the gate starts at [`initial_limit`] for the runtime and
//! follows [`limit_for_protocol`] once an answer shows the protocol.
//!
//! The order, while requests wait: a poll goes before every createTask
//! asked for after its task was created (a task that exists, and is paid
//! for, is never starved by new ones), and after the createTasks that were
//! already waiting then, as a browser's own queue would send them; unless
//! it has waited [`POLL_PATIENCE_MS`], when it goes before them too (so
//! that a burst of createTasks cannot hold a paid task's answer back past
//! its deadline). A poll whose call is about to reach its deadline (its
//! `urgent_at` passed) goes first of all, at the next free slot: a place in
//! the queue would spend the last moments in which its answer can still be
//! seen.
//!
//! Pure (wakers, no JS; the clock is given): the client races
//! [`Gate::enter`] against the caller's signal and the call's deadline;
//! dropping a waiting entry leaves the queue, and a slot handed to an
//! entry dropped before it saw it is passed on.

use crate::runtime::Runtime;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// What a browser sends at once to one HTTP/1.1 origin; the rest wait in
/// its queue.
pub const HTTP1_LIMIT: usize = 6;

/// No limit: every request goes at once.
pub const UNLIMITED: usize = usize::MAX;

/// The limit a client starts with unless it is given one, in `runtime`:
/// [`UNLIMITED`] where its `fetch` queues nothing (Node, Deno, Bun), else
/// [`HTTP1_LIMIT`], since every other runtime's `fetch` may queue beyond it
/// until [`limit_for_protocol`] says otherwise.
pub fn initial_limit(runtime: Runtime) -> usize {
    if runtime.fetch_queues_nothing() {
        UNLIMITED
    } else {
        HTTP1_LIMIT
    }
}

/// The limit once an answer came over `protocol` (its ALPN id, as
/// `PerformanceResourceTiming.nextHopProtocol` names it): [`UNLIMITED`]
/// over HTTP/2 and HTTP/3, [`HTTP1_LIMIT`] over HTTP/1.x; `None` when it
/// is not known (an empty string: a cross-origin answer without
/// `Timing-Allow-Origin`).
pub fn limit_for_protocol(protocol: &str) -> Option<usize> {
    match protocol {
        "h2" | "h2c" | "h3" => Some(UNLIMITED),
        p if p.starts_with("http/1") => Some(HTTP1_LIMIT),
        _ => None,
    }
}

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
        if self.busy > self.limit {
            // The limit was lowered: this slot goes.
            self.busy -= 1;
            return;
        }
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

    /// Sets the limit (at least one); waiting requests go at once up to it.
    pub fn set_limit(&self, limit: usize) {
        let mut s = self.state.borrow_mut();
        s.limit = limit.max(1);
        while s.busy < s.limit && !(s.polls.is_empty() && s.creates.is_empty()) {
            // A new slot, handed on as a finished request's would be.
            s.busy += 1;
            s.release();
        }
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
    fn a_raised_limit_lets_the_waiting_through_in_their_order_a_lowered_one_holds_them() {
        at(0.0);
        let gate = Gate::new(1, clock);
        let a = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        let mut create = Box::pin(gate.enter(Class::Create));
        at(10.0);
        let mut poll_ = Box::pin(gate.enter(poll_of(5.0)));
        let mut last = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut create).is_none() && poll(&mut poll_).is_none());
        // Two more slots: the createTask asked for before the task existed,
        // then the poll; the newest createTask still waits.
        gate.set_limit(3);
        let c = poll(&mut create).unwrap();
        let p = poll(&mut poll_).unwrap();
        assert!(poll(&mut last).is_none());
        assert_eq!(gate.busy(), 3);
        gate.set_limit(UNLIMITED);
        let l = poll(&mut last).unwrap();
        assert_eq!(gate.busy(), 4);
        // Lowered to one: nothing new goes until fewer than one are busy.
        gate.set_limit(1);
        let mut next = Box::pin(gate.enter(Class::Create));
        drop((a, c, p));
        assert!(poll(&mut next).is_none());
        drop(l);
        assert!(poll(&mut next).is_some());
    }

    #[test]
    fn the_limit_follows_the_platform_and_the_protocol() {
        for runtime in [Runtime::Node, Runtime::Deno, Runtime::Bun] {
            assert_eq!(initial_limit(runtime), UNLIMITED);
        }
        assert_eq!(initial_limit(Runtime::Other), HTTP1_LIMIT);
        assert_eq!(initial_limit(Runtime::Workers), HTTP1_LIMIT);
        assert_eq!(limit_for_protocol("h2"), Some(UNLIMITED));
        assert_eq!(limit_for_protocol("h3"), Some(UNLIMITED));
        assert_eq!(limit_for_protocol("http/1.1"), Some(HTTP1_LIMIT));
        assert_eq!(limit_for_protocol(""), None);
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
