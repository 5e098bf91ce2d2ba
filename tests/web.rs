//! The suite in a page of headless Chromium.
#![cfg(target_arch = "wasm32")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

#[path = "common/inputs.rs"]
mod inputs;

#[path = "common/dom.rs"]
mod dom;

#[path = "common/corpus.rs"]
mod corpus;

#[path = "common/rust_api.rs"]
mod rust_api;
