//! Prints the polling simulation table of BENCHMARKS.md: this crate's
//! adaptive schedule against the fixed cadences other clients use, over
//! 10,000 tasks of a fast machine provider and of a human provider.
//!
//! The simulator lives here, outside the crate's API: it drives the
//! crate's own [`Cadence`] and [`Learner`] as the client does.

use anysolver_coordinates::__private::schedule::{Cadence, Learner};

fn row(name: &str, r: &Report) -> String {
    format!(
        "| {name} | {:.3} | {:.3} | {:.2} | {} | {:.2} |",
        r.mean_overhead, r.p95_overhead, r.mean_polls, r.max_polls, r.min_gap
    )
}

fn main() {
    let tasks = 10_000;
    for (label, dist) in [("fast machine provider", FAST), ("human provider", HUMAN)] {
        let Distribution { median, sigma } = dist;
        println!(
            "\n**{label}** (log-normal, median {median} s, σ {sigma}; {tasks} tasks in a row, seed 7)\n"
        );
        println!(
            "| schedule | mean overhead (s) | p95 overhead (s) | polls/task | max polls | min gap (s) |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        let ours = simulate(dist, tasks, 7, None);
        let at_once = simulate(dist, tasks, 7, Some((0.0, 1.7)));
        println!("{}", row("**ours** (adaptive, learning)", &ours));
        println!(
            "{}",
            row(
                "every 5 s from 5 s",
                &simulate(dist, tasks, 7, Some((5.0, 5.0)))
            )
        );
        println!(
            "{}",
            row(
                "5 s, then every 2 s",
                &simulate(dist, tasks, 7, Some((5.0, 2.0)))
            )
        );
        println!("{}", row("at once, then every 1.7 s", &at_once));
        let goal = ours.mean_overhead <= 0.6 && ours.mean_polls <= at_once.mean_polls;
        println!(
            "\nGoal (mean overhead ≤ 0.6 s with no more polls than at-once-then-1.7 s): {}",
            if goal { "met" } else { "not met" }
        );
    }
}

/// A log-normal solve-time distribution for simulation.
#[derive(Clone, Copy, Debug)]
struct Distribution {
    /// Median solve time, seconds.
    median: f64,
    /// σ of ln t.
    sigma: f64,
}

/// What a simulation measured.
#[derive(Clone, Copy, Debug, Default)]
struct Report {
    /// Mean time from a result being ready to it being seen, seconds.
    mean_overhead: f64,
    /// 95th percentile of that overhead, seconds.
    p95_overhead: f64,
    /// Mean polls per task.
    mean_polls: f64,
    /// The most polls any task took.
    max_polls: u32,
    /// The shortest gap between two polls of one task, seconds.
    min_gap: f64,
    /// Tasks never seen ready within `MAX_POLLS`.
    #[cfg_attr(not(test), allow(dead_code))]
    unfinished: usize,
}

/// A small deterministic generator (SplitMix64) so that simulations are
/// reproducible without a dependency.
#[derive(Clone, Debug)]
struct SplitMix(u64);

impl SplitMix {
    /// A generator from `seed`.
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A uniform number in [0, 1).
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A draw from `d`.
    fn solve_time(&mut self, d: Distribution) -> f64 {
        let u1 = self.next_f64().max(1e-12);
        let u2 = self.next_f64();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        d.median * (d.sigma * z).exp()
    }
}

/// Replays `tasks` tasks drawn from `dist` one after another. With
/// `fixed = None` the adaptive schedule is used and learns as it goes;
/// otherwise the fixed cadence `(first, every)`.
fn simulate(dist: Distribution, tasks: usize, seed: u64, fixed: Option<(f64, f64)>) -> Report {
    let mut rng = SplitMix::new(seed);
    let mut learner = Learner::default();
    let mut overheads = Vec::with_capacity(tasks);
    let (mut total_polls, mut max_polls, mut min_gap, mut unfinished) =
        (0u64, 0u32, f64::INFINITY, 0usize);
    for _ in 0..tasks {
        let solve = rng.solve_time(dist);
        let cadence = match fixed {
            Some((first, every)) => Cadence::Fixed { first, every },
            None => Cadence::Adaptive(learner.fit(Some("sim"))),
        };
        let (mut polls, mut last, mut before) = (0u32, 0.0, 0.0);
        let mut seen = None;
        while let Some(at) = cadence.next_poll(polls, last) {
            if polls > 0 {
                min_gap = f64::min(min_gap, at - last);
            }
            polls += 1;
            before = last;
            last = at;
            if at >= solve {
                seen = Some(at);
                break;
            }
        }
        total_polls += u64::from(polls);
        max_polls = max_polls.max(polls);
        match seen {
            Some(at) => {
                overheads.push(at - solve);
                learner.observe(Some("sim"), if polls > 1 { before } else { 0.0 }, at);
            }
            None => unfinished += 1,
        }
    }
    overheads.sort_by(f64::total_cmp);
    let n = overheads.len().max(1) as f64;
    let p95_index =
        ((overheads.len() as f64 * 0.95) as usize).min(overheads.len().saturating_sub(1));
    Report {
        mean_overhead: overheads.iter().sum::<f64>() / n,
        p95_overhead: overheads.get(p95_index).copied().unwrap_or(0.0),
        mean_polls: total_polls as f64 / tasks.max(1) as f64,
        max_polls,
        min_gap,
        unfinished,
    }
}

/// The fast machine provider of the benchmark: median 4 s.
const FAST: Distribution = Distribution {
    median: 4.0,
    sigma: 0.45,
};
/// The human provider of the benchmark: median 15 s.
const HUMAN: Distribution = Distribution {
    median: 15.0,
    sigma: 0.5,
};

#[cfg(test)]
mod tests {
    use super::*;
    use anysolver_coordinates::__private::schedule::{MAX_POLLS, MIN_INTERVAL};

    #[test]
    fn simulation_beats_the_fixed_cadences() {
        for dist in [FAST, HUMAN] {
            let ours = simulate(dist, 10_000, 7, None);
            let every_1_7 = simulate(dist, 10_000, 7, Some((0.0, 1.7)));
            assert!(ours.min_gap >= MIN_INTERVAL - 1e-9);
            assert!(ours.max_polls <= MAX_POLLS);
            assert_eq!(ours.unfinished, 0);
            assert!(ours.mean_overhead <= 0.6, "{ours:?}");
            assert!(
                ours.mean_polls <= every_1_7.mean_polls,
                "{ours:?} vs {every_1_7:?}"
            );
        }
    }
}
