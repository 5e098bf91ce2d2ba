//! Prints the polling simulation table of BENCHMARKS.md: this crate's
//! adaptive schedule against the fixed cadences other clients use, over
//! 10,000 tasks of a fast machine provider and of a human provider.

use anysolver_coordinates::schedule::{Distribution, FAST, HUMAN, Report, simulate};

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
