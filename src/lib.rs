//! # anysolver-coordinates
//!
//! Turns an image on a web page into click coordinates through AnySolver's
//! `CoordinatesRecognition` task, from WebAssembly: pages, workers,
//! extension service workers and Node.
//!
//! Two layers: a Rust API ([`Client`], [`Config`], [`Image`],
//! [`SolveOptions`], results as plain serde types) that a Rust program
//! (Leptos, Yew, Dioxus, plain web-sys) calls directly, and the JS class
//! `CoordinatesClient` over it.
//!
//! From Rust:
//!
//! ```no_run
//! # #[cfg(target_arch = "wasm32")]
//! # async fn run(img: web_sys::HtmlImageElement) -> Result<(), anysolver_coordinates::Error> {
//! use anysolver_coordinates::{Client, Config, SolveOptions};
//!
//! let client = Client::new(Config::new("anysolver_..."))?;
//! let options = SolveOptions::default().with_comment("click on all bicycles");
//! let points = client.solve(img, options).await?; // Vec<Point>, in the image's pixels
//! # Ok(())
//! # }
//! ```
//!
//! Dropping the future cancels the call: its request in flight is aborted
//! and nothing more is sent.
//!
//! From JS:
//!
//! ```js
//! import init, { CoordinatesClient } from "anysolver-coordinates";
//! await init();
//! const client = new CoordinatesClient({ clientKey: "anysolver_..." });
//! const points = await client.solve(canvas, { comment: "click on all bicycles" });
//! ```
//!
//! The pure parts (wire protocol, polling schedule, image sniffing,
//! base64, geometry, option validation) compile natively and are tested
//! with `cargo test`; the client itself needs a JS engine, so [`Client`],
//! [`Image`] and the JS class exist on `wasm32` only (docs.rs documents
//! that target).

#![deny(missing_docs, missing_debug_implementations)]

// Leaf modules: the shared vocabulary, which imports nothing else of the
// crate (but `geometry` and `lenient`, which read numbers with
// `js_number`).
mod geometry;
mod js_number;
mod lenient;
mod message;
mod platform_text;
// Pure, and tested natively; only the client (wasm) uses it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod runtime;
mod task_id;

mod config;
mod error;
// Pure, and tested natively; only the client (wasm) uses it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod gate;
mod image;
mod protocol;
// Pure, and tested natively; only the client (wasm) uses it.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod recovery;
mod schedule;
mod task;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod transport;

pub use config::{
    Auth, Config, DEFAULT_REQUEST_TIMEOUT, DEFAULT_TIMEOUT, MAX_CLICKS, MAX_COMMENT_BYTES,
    MAX_TIMEOUT, SolveOptions, WaitOptions,
};
pub use error::{Error, Kind, Result};
pub use geometry::point::{Point, RejectedPoint};
pub use geometry::region::{Placement, Region};
pub use geometry::scaling::Scaling;
pub use image::sizing::Limits;
pub use protocol::{DEFAULT_ENDPOINT, KeyPoolMode, Raw, Routing, SelectionMode};
pub use task::{Progress, Recognition, Status, Task, TaskState, Timing};
pub use task_id::TaskId;

#[cfg(target_arch = "wasm32")]
pub use client::Client;
#[cfg(target_arch = "wasm32")]
pub use config::OnProgress;
#[cfg(target_arch = "wasm32")]
pub use image::Image;

/// The JS API as Rust sees it: the class `CoordinatesClient` and the
/// function `toClientPoints` that the npm package exports, for Rust code
/// that builds the JS objects itself or tests the JS contract. A Rust
/// program solves with [`Client`] instead.
#[cfg(target_arch = "wasm32")]
pub mod js {
    pub use crate::bindings::{CoordinatesClient, to_client_points};
}

/// Not part of the API, and outside semver: the internals that this
/// repository's fuzz targets, benchmarks, load generator and tests drive
/// directly. Nothing here is for other crates.
#[doc(hidden)]
pub mod __private {
    /// The wire protocol: request and answer types, the answer parser.
    pub mod protocol {
        pub use crate::protocol::*;
    }
    /// When to poll.
    pub mod schedule {
        pub use crate::schedule::*;
    }
    /// Base64 and data URLs.
    pub mod encoding {
        pub use crate::image::encoding::*;
        pub use crate::platform_text::Chars;
    }
    /// Image formats and sizes from their headers.
    pub mod sniff {
        pub use crate::image::sniff::*;
    }
    /// Where an image pixel lands over a displayed `<img>` or `<canvas>`.
    pub mod layout {
        pub use crate::geometry::layout::*;
    }
    /// The decision about an image, and the pure-Rust painter.
    pub mod image {
        #[cfg(feature = "codec")]
        pub use crate::image::codec::prepare;
        pub use crate::image::plan::*;
        pub use crate::image::source::Source;
    }
    pub use crate::config::loopback::is_loopback_url;
}

/// With the `small-allocator` feature (the npm package's build): talc as
/// the global allocator, in place of dlmalloc.
#[cfg(all(target_arch = "wasm32", feature = "small-allocator"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
