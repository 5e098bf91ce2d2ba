//! The suite in a service worker of headless Chromium, as in a Manifest V3 extension.
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
wasm_bindgen_test_configure!(run_in_service_worker);

#[path = "cases/basics.rs"]
mod basics;
