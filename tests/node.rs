//! The suite in Node.
#![cfg(target_arch = "wasm32")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "cases/basics.rs"]
mod basics;

#[path = "cases/custom_fetch.rs"]
mod custom_fetch;

#[path = "cases/faults.rs"]
mod faults;

#[path = "cases/lifetime.rs"]
mod lifetime;

#[path = "cases/progress.rs"]
mod progress;

#[path = "cases/queue.rs"]
mod queue;

#[path = "cases/rust_api.rs"]
mod rust_api;

#[path = "cases/saturation.rs"]
mod saturation;

#[path = "cases/task_ids.rs"]
mod task_ids;

#[path = "cases/validation.rs"]
mod validation;
