//! The suite in a dedicated worker of headless Chromium: no `window`.
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
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[path = "cases/basics.rs"]
mod basics;

#[path = "cases/inputs.rs"]
mod inputs;
