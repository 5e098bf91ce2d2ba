//! What a call does when the service says it is saturated, as its
//! error-handling and provider-limits pages ask (`PROTOCOL.md`): a pure
//! decision, given the error, where it came from and the time left.
//!
//! - `PROVIDER_RATE_LIMITED`, from createTask or as a task's failure
//!   (refunded): create the task again after 1-3 s, backing off with
//!   jitter, at most [`MAX_RETRIES`] times per provider; then the next
//!   fallback provider.
//! - `PROVIDER_GLOBAL_LIMIT_REACHED`, from either: the next fallback
//!   provider at once.
//! - `errorId` 2 from createTask (an answer came, so nothing was created):
//!   create again after 1-5 s, at most [`MAX_RETRIES`] times.
//!
//! Nothing else is created again, and nothing is created again that
//! would have too little time to be solved before the deadline: when the
//! wait and [`SOLVE_MARGIN_MS`] after it would not fit, or no provider is
//! left, the call fails with the service's error (still `retryable`), its
//! message saying why.

use crate::error::{Error, GLOBAL_LIMIT, Kind, RATE_LIMITED};

/// The most times one kind of refusal is met by creating the task again
/// (per provider, for `PROVIDER_RATE_LIMITED`).
pub const MAX_RETRIES: u32 = 3;

/// The least time a task created again must have before the deadline to
/// be solved and seen (the schedule's prior median solve time): with
/// less, it would be charged and most likely never seen done.
pub const SOLVE_MARGIN_MS: f64 = 5_000.0;

/// Where an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// createTask's answer: no task exists.
    Create,
    /// The wait for a task's result.
    Task,
}

/// What the call does next.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// Create the task again, with [`Recovery::provider`], after `wait_ms`;
    /// `code` is the refusal being answered.
    Again {
        /// How long to wait first, ms.
        wait_ms: f64,
        /// The code of the refusal.
        code: String,
    },
    /// Fail with this error.
    Fail(Error),
}

/// The providers a call may use, in order, and the retries spent.
#[derive(Debug)]
pub struct Recovery {
    /// The first: the routing's provider (`None`: the service's routing);
    /// then the fallbacks.
    providers: Vec<Option<String>>,
    current: usize,
    rate_retries: u32,
    internal_retries: u32,
}

impl Recovery {
    /// A call that starts with `provider` (`None`: the service routes it)
    /// and may fall back on `fallbacks`, in order.
    pub fn new(provider: Option<String>, fallbacks: &[String]) -> Self {
        let mut providers = vec![provider];
        providers.extend(fallbacks.iter().cloned().map(Some));
        Self {
            providers,
            current: 0,
            rate_retries: 0,
            internal_retries: 0,
        }
    }

    /// The provider to create the task with (`None`: the service routes it).
    pub fn provider(&self) -> Option<&str> {
        self.providers.get(self.current).and_then(Option::as_deref)
    }

    /// What to do after `e`, met at `stage`, with `remaining_ms` before
    /// the deadline; `jitter` is uniform in `[0, 1)`.
    pub fn after(&mut self, e: Error, stage: Stage, remaining_ms: f64, jitter: f64) -> Next {
        let refused = e.kind == Kind::Api
            && match stage {
                Stage::Create => true,
                Stage::Task => e.failed_task,
            };
        if !refused {
            return Next::Fail(e);
        }
        let wait_ms = match e.code.as_ref() {
            RATE_LIMITED if self.rate_retries < MAX_RETRIES => {
                self.rate_retries += 1;
                spread(1000.0, 3000.0, self.rate_retries, jitter)
            }
            RATE_LIMITED | GLOBAL_LIMIT => {
                if !self.switch() {
                    return Next::Fail(self.exhausted(e));
                }
                0.0
            }
            _ if stage == Stage::Create
                && e.error_id == Some(2)
                && self.internal_retries < MAX_RETRIES =>
            {
                self.internal_retries += 1;
                spread(1000.0, 5000.0, self.internal_retries, jitter)
            }
            _ => return Next::Fail(e),
        };
        if wait_ms + SOLVE_MARGIN_MS >= remaining_ms {
            return Next::Fail(e.noting("no time was left to create it again before the deadline"));
        }
        Next::Again {
            wait_ms,
            code: e.code.into_owned(),
        }
    }

    /// Moves on to the next provider, with its own retries; `false` when
    /// none is left.
    fn switch(&mut self) -> bool {
        if self.current + 1 >= self.providers.len() {
            return false;
        }
        self.current += 1;
        self.rate_retries = 0;
        true
    }

    /// `e`, its message saying that no provider is left to try.
    fn exhausted(&self, e: Error) -> Error {
        let tried: Vec<&str> = self
            .providers
            .iter()
            .map(|p| p.as_deref().unwrap_or("the service's routing"))
            .collect();
        let retried = if e.code == RATE_LIMITED {
            format!("still refused after {MAX_RETRIES} retries; ")
        } else {
            String::new()
        };
        e.noting(&format!(
            "{retried}no provider left to switch to (tried {}): name more in fallbackProviders, \
             or wait a minute before trying again",
            tried.join(", ")
        ))
    }
}

/// The wait before the `attempt`-th retry (from 1 to [`MAX_RETRIES`]),
/// ms: the attempt's share of `low..high`, later attempts higher, placed
/// within it by `jitter`.
fn spread(low: f64, high: f64, attempt: u32, jitter: f64) -> f64 {
    let step = (high - low) / f64::from(MAX_RETRIES);
    let from = f64::from(attempt.clamp(1, MAX_RETRIES) - 1);
    low + step * (from + jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOTS: f64 = 600_000.0;

    fn rate() -> Error {
        Error::api(1, RATE_LIMITED, "busy")
    }

    fn global() -> Error {
        Error::api(1, GLOBAL_LIMIT, "full")
    }

    fn waits(next: &Next) -> f64 {
        match next {
            Next::Again { wait_ms, .. } => *wait_ms,
            Next::Fail(e) => panic!("failed: {e:?}"),
        }
    }

    fn failed(next: Next) -> Error {
        match next {
            Next::Fail(e) => e,
            Next::Again { .. } => panic!("tried again"),
        }
    }

    #[test]
    fn rate_limits_are_retried_three_times_within_one_to_three_seconds() {
        let mut r = Recovery::new(Some("A".into()), &[]);
        let mut last = 0.0;
        for jitter in [0.0, 0.5, 0.999] {
            let w = waits(&r.after(rate(), Stage::Create, LOTS, jitter));
            assert!((1000.0..=3000.0).contains(&w) && w >= last, "{w}");
            last = w;
            assert_eq!(r.provider(), Some("A"));
        }
        let e = failed(r.after(rate(), Stage::Create, LOTS, 0.5));
        assert!(e.retryable && e.code == RATE_LIMITED);
        assert!(e.message.contains("fallbackProviders"), "{}", e.message);
        assert!(e.message.contains("wait a minute"), "{}", e.message);
        assert!(e.message.contains("after 3 retries"), "{}", e.message);
    }

    #[test]
    fn a_global_limit_switches_provider_at_once_until_none_is_left() {
        let mut r = Recovery::new(None, &["B".into(), "C".into()]);
        assert_eq!(r.provider(), None);
        assert_eq!(
            waits(&r.after(global().of_failed_task(), Stage::Task, LOTS, 0.3)),
            0.0
        );
        assert_eq!(r.provider(), Some("B"));
        // A rate limit spends its retries on each provider, then moves on.
        for _ in 0..MAX_RETRIES {
            assert!(waits(&r.after(rate(), Stage::Create, LOTS, 0.1)) >= 1000.0);
            assert_eq!(r.provider(), Some("B"));
        }
        assert_eq!(waits(&r.after(rate(), Stage::Create, LOTS, 0.1)), 0.0);
        assert_eq!(r.provider(), Some("C"));
        let e = failed(r.after(global(), Stage::Create, LOTS, 0.1));
        assert!(e.retryable && e.code == GLOBAL_LIMIT);
        assert!(
            e.message
                .contains("tried the service's routing, B, C): name more in fallbackProviders"),
            "{}",
            e.message
        );
    }

    #[test]
    fn internal_errors_at_create_are_retried_within_one_to_five_seconds() {
        let mut r = Recovery::new(None, &["B".into()]);
        let internal = || Error::api(2, "INTERNAL_ERROR", "");
        for jitter in [0.0, 0.99, 0.99] {
            let w = waits(&r.after(internal(), Stage::Create, LOTS, jitter));
            assert!((1000.0..=5000.0).contains(&w), "{w}");
        }
        assert_eq!(r.provider(), None, "an internal error keeps the provider");
        assert_eq!(
            failed(r.after(internal(), Stage::Create, LOTS, 0.0)).code,
            "INTERNAL_ERROR"
        );
        // Only at createTask: a wait's internal error is the wait's to handle.
        let mut r = Recovery::new(None, &[]);
        assert!(matches!(
            r.after(internal(), Stage::Task, LOTS, 0.0),
            Next::Fail(_)
        ));
    }

    #[test]
    fn nothing_else_is_created_again() {
        let mut r = Recovery::new(None, &["B".into()]);
        for e in [
            Error::api(1, "CAPTCHA_UNSOLVABLE", "").of_failed_task(),
            Error::api(1, "ERROR_ZERO_BALANCE", ""),
            Error::http(429, None),
            Error::network("reset"),
            Error::deadline(1000.0),
            Error::aborted(),
        ] {
            let code = e.code.clone();
            assert_eq!(failed(r.after(e, Stage::Create, LOTS, 0.0)).code, code);
        }
        // A provider limit met while polling, not as the task's failure:
        // the task may still be solved, so the wait goes on with it.
        assert!(matches!(
            r.after(rate(), Stage::Task, LOTS, 0.0),
            Next::Fail(_)
        ));
        assert_eq!(r.provider(), None);
    }

    #[test]
    fn nothing_is_created_again_without_time_to_be_solved() {
        let e = failed(Recovery::new(None, &[]).after(rate(), Stage::Create, 5900.0, 0.0));
        assert!(e.retryable && e.code == RATE_LIMITED);
        assert!(e.message.contains("no time was left"), "{}", e.message);
        let mut r = Recovery::new(None, &[]);
        assert_eq!(waits(&r.after(rate(), Stage::Create, 6100.0, 0.0)), 1000.0);
        // A switch waits for nothing, but the new task needs its time.
        let mut r = Recovery::new(None, &["B".into()]);
        assert!(matches!(
            r.after(global(), Stage::Create, 4900.0, 0.0),
            Next::Fail(_)
        ));
        let mut r = Recovery::new(None, &["B".into()]);
        assert_eq!(waits(&r.after(global(), Stage::Create, 5100.0, 0.0)), 0.0);
    }
}
