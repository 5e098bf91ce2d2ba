//! The suite in a page of headless Chromium.
#![cfg(target_arch = "wasm32")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

#[path = "cases/basics.rs"]
mod basics;

#[path = "cases/inputs.rs"]
mod inputs;

#[path = "cases/dom.rs"]
mod dom;

#[path = "cases/corpus.rs"]
mod corpus;

#[path = "cases/rust_api.rs"]
mod rust_api;

#[path = "cases/saturation.rs"]
mod saturation;
