//! The sandbox's memory: accounts, tasks, routing statistics.

use crate::accounts::Ledger;
use crate::challenge::Point;
use crate::providers::{Provider, Stats};
use crate::upload::Limits;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Settings fixed at start-up.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Limits for the task image.
    pub image: Limits,
    /// Limits for `imgInstructions`.
    pub instructions: Limits,
    /// How long the vision provider keeps a task `processing`.
    pub solve_delay: Duration,
    /// How long a finished task stays readable.
    pub retention: Duration,
}

/// How a task ends (or that it has not yet).
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Solved: the points and the provider's raw answer.
    Solved {
        /// Click points in the sent image's pixels.
        points: Vec<Point>,
        /// What the provider said.
        raw: Value,
    },
    /// Failed with an `errorId 1` code.
    Failed {
        /// The code.
        code: String,
        /// The description.
        description: String,
    },
    /// Waiting for a person, or for ever.
    Pending,
}

/// What the worker page shows of a human task.
#[derive(Clone, Debug)]
pub struct Shown {
    /// The image as a data URL.
    pub image: String,
    /// The instruction text.
    pub comment: Option<String>,
    /// The instruction image as a data URL.
    pub instructions: Option<String>,
    /// `minClicks`.
    pub min_clicks: Option<u64>,
    /// `maxClicks`.
    pub max_clicks: Option<u64>,
    /// The image's width in pixels.
    pub width: u32,
    /// The image's height in pixels.
    pub height: u32,
}

/// One task.
#[derive(Debug)]
pub struct Task {
    /// The key that created it.
    pub key: String,
    /// Who solves it.
    pub provider: Provider,
    /// When it was created.
    pub created: Instant,
    /// When its outcome becomes visible; `None` while pending.
    pub ready_at: Option<Instant>,
    /// Its outcome.
    pub outcome: Outcome,
    /// What was deducted at creation, micro-dollars.
    pub estimate_micros: i64,
    /// What it finally cost (set when settled), micro-dollars.
    pub cost_micros: Option<i64>,
    /// When it was settled.
    pub settled_at: Option<Instant>,
    /// getTaskResult calls so far.
    pub polls: u32,
    /// The sent image's width and height in pixels.
    pub size: (u32, u32),
    /// For the human provider: what the worker sees.
    pub shown: Option<Shown>,
}

impl Task {
    /// Whether the outcome is visible at `now`.
    pub fn is_due(&self, now: Instant) -> bool {
        self.ready_at.is_some_and(|t| now >= t)
    }
}

/// Everything the server shares between requests.
#[derive(Debug)]
pub struct AppState {
    /// Settings.
    pub settings: Settings,
    /// Accounts by key.
    pub ledgers: Mutex<HashMap<String, Ledger>>,
    /// Tasks by id.
    pub tasks: Mutex<HashMap<String, Task>>,
    /// What routing has learned.
    pub stats: Mutex<Stats>,
    /// Where the images of tasks found unsolvable are written, if anywhere.
    pub keep_unsolvable: Option<std::path::PathBuf>,
}

impl AppState {
    /// Settles `task` (charge or refund) once its outcome is due.
    /// Callers hold the tasks lock; this takes the ledger and stats locks.
    pub fn settle(&self, task: &mut Task, now: Instant) {
        if task.settled_at.is_some() || !task.is_due(now) {
            return;
        }
        let (ok, cost) = match task.outcome {
            Outcome::Solved { .. } => (true, task.provider.price_micros),
            Outcome::Failed { .. } => (false, 0),
            Outcome::Pending => return,
        };
        if let Ok(mut ledgers) = self.ledgers.lock()
            && let Some(l) = ledgers.get_mut(&task.key)
        {
            l.balance_micros += task.estimate_micros - cost;
        }
        let solve_ms = task.ready_at.map_or(0, |t| {
            t.saturating_duration_since(task.created).as_millis() as u64
        });
        if let Ok(mut stats) = self.stats.lock() {
            stats.record(&task.provider.name, ok, solve_ms);
        }
        task.cost_micros = Some(cost);
        task.settled_at = Some(now);
    }

    /// Drops settled tasks older than the retention time.
    pub fn purge(&self, tasks: &mut HashMap<String, Task>, now: Instant) {
        let keep = self.settings.retention;
        tasks.retain(|_, t| {
            t.settled_at
                .is_none_or(|s| now.saturating_duration_since(s) < keep)
        });
    }
}
