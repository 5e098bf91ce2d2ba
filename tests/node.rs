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

#[path = "cases/faults.rs"]
mod faults;

#[path = "cases/rust_api.rs"]
mod rust_api;

#[path = "cases/saturation.rs"]
mod saturation;
