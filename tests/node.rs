//! The suite in Node.
#![cfg(target_arch = "wasm32")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

#[path = "common/faults.rs"]
mod faults;

#[path = "common/rust_api.rs"]
mod rust_api;
