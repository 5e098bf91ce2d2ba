//! When to poll: a pure function of the time since the task was created,
//! the polls made so far, and what this client has learned of solve times.
//!
//! The schedule polls densely (once a second, the least any provider
//! tolerates) only while a result is likely, and sparsely before and after:
//! it keeps a log-normal fit of the solve times it has seen, per provider
//! and overall, makes its first poll when 8 % of tasks are expected done
//! (but never within [`MIN_INTERVAL`] of the task's creation),
//! and then spaces polls by `0.32 · √(S(t)/f(t))` (survival over density of
//! the fit), the spacing that minimises waiting plus polls. Before it has
//! seen anything it assumes a median of 5 s with a wide spread.
//!
//! Guarantees, whatever the input: never two polls of one task less than
//! [`MIN_INTERVAL`] apart, nor the first one sooner than that after the
//! task was created, and never more than [`MAX_POLLS`] polls of one task.
//! The client gives it the time each poll was sent, after any wait for its
//! turn (`gate`), so that this holds for the requests themselves.
//!
//! `simulate` (in `examples/poll_sim.rs`, run by `cargo xtask bench`)
//! replays the schedule over a solve-time distribution, feeding
//! tasks one after another so the learning is measured as it behaves in use.

/// The least time between two polls of one task, seconds.
pub const MIN_INTERVAL: f64 = 1.0;
/// The most polls of one task.
pub const MAX_POLLS: u32 = 120;
/// The longest wait between two polls, seconds.
pub const MAX_INTERVAL: f64 = 6.0;
/// How many recent solve times are kept per provider.
const HISTORY: usize = 64;
/// The prior: median 5 s, σ of ln 0.8, worth this many observations.
const PRIOR_MU: f64 = 1.609_437_912; // ln 5
const PRIOR_SIGMA: f64 = 0.8;
const PRIOR_WEIGHT: f64 = 2.0;
/// The first poll comes when this fraction of tasks is expected done.
const FIRST_AT: f64 = 0.08;
/// Scale of the interval: `interval = SPACING · √(S(t) / f(t))`, the
/// spacing that minimises overhead plus polls (√ of survival over density,
/// i.e. inversely proportional to the square root of the hazard rate).
const SPACING: f64 = 0.32;

/// A log-normal fit of solve times: `ln t ~ N(mu, sigma²)`, t in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// Mean of ln t.
    pub mu: f64,
    /// Standard deviation of ln t.
    pub sigma: f64,
}

impl Fit {
    /// The solve time below which a fraction `p` of tasks finish, seconds.
    pub fn quantile(&self, p: f64) -> f64 {
        (self.mu + self.sigma * probit(p)).exp()
    }

    /// `√(S(t) / f(t))`: survival over density at `t` seconds, the inverse
    /// square root of the hazard rate. Large where a result is unlikely.
    fn inverse_root_hazard(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return f64::INFINITY;
        }
        let z = (t.ln() - self.mu) / self.sigma;
        let density = (-0.5 * z * z).exp() / (t * self.sigma * (std::f64::consts::TAU).sqrt());
        let survival = 0.5 * erfc(z / std::f64::consts::SQRT_2);
        if density <= 0.0 {
            return f64::INFINITY;
        }
        (survival / density).sqrt()
    }
}

/// The complementary error function (Numerical Recipes' erfcc, fractional
/// error below 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    const K: [f64; 10] = [
        -1.265_512_23,
        1.000_023_68,
        0.374_091_96,
        0.096_784_18,
        -0.186_288_06,
        0.278_868_07,
        -1.135_203_98,
        1.488_515_87,
        -0.822_152_23,
        0.170_872_77,
    ];
    let poly = K.iter().rev().fold(0.0, |acc, k| acc * t + k);
    let r = t * (-z * z + poly).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9 over (0, 1)).
fn probit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    const A: [f64; 6] = [
        -39.696_830_286_653_76,
        220.946_098_424_520_5,
        -275.928_510_446_968_7,
        138.357_751_867_269,
        -30.664_798_066_147_16,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -54.476_098_798_224_06,
        161.585_836_858_040_9,
        -155.698_979_859_886_6,
        66.801_311_887_719_72,
        -13.280_681_552_885_72,
    ];
    const C: [f64; 6] = [
        -0.007_784_894_002_430_293,
        -0.322_396_458_041_136_5,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        0.007_784_695_709_041_462,
        0.322_467_129_070_039_8,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let poly = |c: &[f64], x: f64| c.iter().fold(0.0, |acc, k| acc * x + k);
    let tail = |q: f64| poly(&C, q) / (poly(&D, q) * q + 1.0);
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        poly(&A, r) * q / (poly(&B, r) * r + 1.0)
    }
}

/// Recent solve times (as ln seconds) of one provider.
#[derive(Clone, Debug, Default)]
struct History {
    logs: Vec<f64>,
}

impl History {
    fn push(&mut self, seconds: f64) {
        if self.logs.len() == HISTORY {
            self.logs.remove(0);
        }
        self.logs.push(seconds.max(0.05).ln());
    }

    fn fit(&self) -> Fit {
        let n = self.logs.len() as f64;
        let w = PRIOR_WEIGHT;
        let mu = (self.logs.iter().sum::<f64>() + w * PRIOR_MU) / (n + w);
        let ss: f64 = self.logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>()
            + w * (PRIOR_SIGMA.powi(2) + (PRIOR_MU - mu).powi(2));
        let sigma = (ss / (n + w)).sqrt().clamp(0.15, 1.5);
        Fit { mu, sigma }
    }
}

/// What a client has learned of solve times, per provider and overall.
#[derive(Clone, Debug, Default)]
pub struct Learner {
    overall: History,
    /// At most 32 providers, looked up by a linear scan (a handful in practice).
    by_provider: Vec<(String, History)>,
}

impl Learner {
    /// Records that a task of `provider` was found ready after `first_seen`
    /// seconds, the poll before having found it unfinished at `last_unfinished`.
    pub fn observe(&mut self, provider: Option<&str>, last_unfinished: f64, first_seen: f64) {
        // Solved between the two polls: their midpoint. Found solved at the
        // first poll (nothing seen unfinished): it took at most that long,
        // and the midpoint of (0, first poll) would tell the schedule to
        // poll earlier and earlier, each time too soon.
        let estimate = if last_unfinished > 0.0 {
            (last_unfinished + first_seen) / 2.0
        } else {
            first_seen
        };
        if !estimate.is_finite() || estimate <= 0.0 {
            return;
        }
        self.overall.push(estimate);
        if let Some(p) = provider {
            let known = self.by_provider.iter().position(|(name, _)| name == p);
            let index = match known {
                Some(i) => i,
                None if self.by_provider.len() < 32 => {
                    self.by_provider.push((p.to_owned(), History::default()));
                    self.by_provider.len() - 1
                }
                None => return,
            };
            if let Some((_, history)) = self.by_provider.get_mut(index) {
                history.push(estimate);
            }
        }
    }

    /// The fit for `provider`, or the overall one when it is unknown.
    pub fn fit(&self, provider: Option<&str>) -> Fit {
        provider
            .and_then(|p| self.by_provider.iter().find(|(name, _)| name == p))
            .map_or(&self.overall, |(_, history)| history)
            .fit()
    }
}

/// How to pace the polls of one task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cadence {
    /// This crate's schedule, driven by a [`Fit`].
    Adaptive(Fit),
    /// First poll at `first` seconds, then every `every` seconds (how other
    /// clients poll; used as baselines by the benchmark).
    Fixed {
        /// The first poll, seconds after creation.
        first: f64,
        /// The interval after it, seconds.
        every: f64,
    },
}

impl Cadence {
    /// When to make the next poll, in seconds after the task was created,
    /// given that `polls` polls were made and the last one at `last`
    /// (ignored when `polls` is 0). `None` once [`MAX_POLLS`] are spent.
    pub fn next_poll(&self, polls: u32, last: f64) -> Option<f64> {
        if polls >= MAX_POLLS {
            return None;
        }
        let at = match *self {
            Cadence::Fixed { first, every } => {
                if polls == 0 {
                    first
                } else {
                    last + every
                }
            }
            Cadence::Adaptive(fit) => {
                if polls == 0 {
                    // Never within MIN_INTERVAL of the task's creation
                    // either: a first poll sooner than the least spacing
                    // any provider tolerates mostly finds nothing (a fit
                    // of solve times near 1 s puts its 8 % quantile below
                    // it), and it is the second request of nearly every
                    // task.
                    fit.quantile(FIRST_AT).max(MIN_INTERVAL)
                } else {
                    let interval = SPACING * fit.inverse_root_hazard(last + MIN_INTERVAL);
                    last + interval.clamp(MIN_INTERVAL, MAX_INTERVAL)
                }
            }
        };
        let earliest = if polls == 0 { 0.0 } else { last + MIN_INTERVAL };
        Some(at.max(earliest))
    }
}

/// How long to wait before retrying after a transient fault, ms:
/// exponential from 1 s (capped at 8 s), with `jitter` in 0..1 spreading it
/// by ±25 %, and never less than what the server asked for in `Retry-After`.
pub fn backoff_ms(attempt: u32, retry_after_ms: Option<u64>, jitter: f64) -> f64 {
    let base = (2f64.powi(attempt.min(3) as i32)).min(8.0);
    let spread = base * (0.75 + 0.5 * jitter.clamp(0.0, 1.0));
    let asked = retry_after_ms.map_or(0.0, |ms| ms as f64);
    (spread.max(MIN_INTERVAL) * 1000.0).max(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probit_matches_known_values() {
        assert!((probit(0.5)).abs() < 1e-9);
        assert!((probit(0.975) - 1.959_964).abs() < 1e-5);
        assert!((probit(0.05) + 1.644_854).abs() < 1e-5);
    }

    #[test]
    fn never_polls_within_a_second_nor_past_the_limit() {
        for fit in [
            Fit {
                mu: -3.0,
                sigma: 0.15,
            },
            Fit {
                mu: 1.0,
                sigma: 1.5,
            },
            Fit {
                mu: 5.0,
                sigma: 0.2,
            },
        ] {
            let c = Cadence::Adaptive(fit);
            let (mut polls, mut last) = (0, 0.0);
            while let Some(at) = c.next_poll(polls, last) {
                // From the creation (last = 0) as well as between polls.
                assert!(at - last >= MIN_INTERVAL - 1e-12);
                assert!(at.is_finite());
                polls += 1;
                last = at;
            }
            assert_eq!(polls, MAX_POLLS);
        }
    }

    #[test]
    fn learns_per_provider() {
        let mut l = Learner::default();
        for _ in 0..50 {
            l.observe(Some("fast"), 1.5, 2.5);
            l.observe(Some("slow"), 29.0, 31.0);
        }
        assert!(l.fit(Some("fast")).quantile(0.5) < 3.0);
        assert!(l.fit(Some("slow")).quantile(0.5) > 20.0);
        let unknown = l.fit(Some("other")).quantile(0.5);
        assert!(unknown > 3.0 && unknown < 20.0);
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        assert!(backoff_ms(0, None, 0.5) >= 1000.0);
        assert!(backoff_ms(3, None, 0.5) > backoff_ms(1, None, 0.5));
        assert!(backoff_ms(10, None, 1.0) <= 10_000.0);
        assert_eq!(backoff_ms(0, Some(7000), 0.0), 7000.0);
    }
}
