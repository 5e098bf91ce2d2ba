//! How many requests one client has in flight: a gate with a limit (by
//! default the 6 a browser sends at once to one HTTP/1.1 origin), and two
//! queues before it, served polls first: a task that exists (and is paid
//! for) is never starved by new ones. A request's own time limit starts
//! when it passes the gate, so time spent queued, here or in the browser,
//! never counts as the server's silence.
//!
//! Pure (wakers, no JS): the client races [`Gate::enter`] against the
//! caller's signal and the call's deadline; dropping a waiting entry leaves
//! the queue, and a slot handed to an entry dropped before it saw it is
//! passed on.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// What a request is, for its place in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// getTaskResult (or getBalance): about a task that exists.
    Poll,
    /// createTask: a new task.
    Create,
}

#[derive(Debug)]
struct Waiting {
    ticket: u64,
    waker: Waker,
}

#[derive(Debug, Default)]
struct State {
    limit: usize,
    busy: usize,
    next_ticket: u64,
    polls: VecDeque<Waiting>,
    creates: VecDeque<Waiting>,
    /// Tickets handed a slot whose entry has not taken it yet.
    granted: Vec<u64>,
}

impl State {
    fn queue(&mut self, class: Class) -> &mut VecDeque<Waiting> {
        match class {
            Class::Poll => &mut self.polls,
            Class::Create => &mut self.creates,
        }
    }

    /// A slot is free: hand it to the first waiting poll, else the first
    /// waiting create, else leave it free.
    fn release(&mut self) {
        match self.polls.pop_front().or_else(|| self.creates.pop_front()) {
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
    /// A gate letting `limit` requests (at least one) through at once.
    pub fn new(limit: usize) -> Rc<Self> {
        Rc::new(Self {
            state: RefCell::new(State {
                limit: limit.max(1),
                ..State::default()
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
                let class = self.class;
                s.queue(class).push_back(Waiting {
                    ticket,
                    waker: cx.waker().clone(),
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

    #[test]
    fn at_most_the_limit_in_flight_and_polls_first() {
        let gate = Gate::new(2);
        let a = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        let b = poll(&mut Box::pin(gate.enter(Class::Create))).unwrap();
        assert_eq!(gate.busy(), 2);
        let mut create = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut create).is_none());
        let mut poll_ = Box::pin(gate.enter(Class::Poll));
        assert!(poll(&mut poll_).is_none());
        // A slot frees: the poll, queued later, goes first.
        drop(a);
        assert!(poll(&mut create).is_none());
        let p = poll(&mut poll_).unwrap();
        drop(b);
        let c = poll(&mut create).unwrap();
        assert_eq!(gate.busy(), 2);
        drop((p, c));
        assert_eq!(gate.busy(), 0);
    }

    #[test]
    fn a_queued_entry_dropped_leaves_and_a_granted_one_passes_its_slot_on() {
        let gate = Gate::new(1);
        let a = poll(&mut Box::pin(gate.enter(Class::Poll))).unwrap();
        let mut gone = Box::pin(gate.enter(Class::Poll));
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
        let a = poll(&mut Box::pin(gate.enter(Class::Poll))).unwrap();
        let mut queued = Box::pin(gate.enter(Class::Create));
        assert!(poll(&mut queued).is_none());
        drop(queued);
        drop(a);
        assert_eq!(gate.busy(), 0);
        assert!(poll(&mut Box::pin(gate.enter(Class::Create))).is_some());
    }
}
