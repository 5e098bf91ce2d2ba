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
//! let options = SolveOptions {
//!     comment: Some("click on all bicycles".into()),
//!     ..SolveOptions::default()
//! };
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
//! with `cargo test`; the client itself needs a JS engine.

#![deny(missing_docs, missing_debug_implementations)]

pub mod config;
pub mod error;
pub mod image;
pub mod protocol;
pub mod schedule;
pub mod task;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod transport;

pub use config::{Config, SolveOptions, WaitOptions};
pub use error::{Error, Kind};
pub use image::geometry::{Crop, Limits, Placement, Region, Scaling};
pub use protocol::{Point, RejectedPoint, Routing};
pub use task::{Progress, Recognition, Task, TaskId, TaskState, Timing};

#[cfg(target_arch = "wasm32")]
pub use bindings::{CoordinatesClient, to_client_points};
#[cfg(target_arch = "wasm32")]
pub use client::Client;
#[cfg(target_arch = "wasm32")]
pub use config::OnProgress;
#[cfg(target_arch = "wasm32")]
pub use image::Image;

/// With the `small-allocator` feature (the npm package's build): talc as
/// the global allocator, in place of dlmalloc.
#[cfg(all(target_arch = "wasm32", feature = "small-allocator"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
