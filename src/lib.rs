//! # anysolver-coordinates
//!
//! Turns an image on a web page into click coordinates through AnySolver's
//! `CoordinatesRecognition` task, from WebAssembly: pages, workers,
//! extension service workers and Node.
//!
//! ```js
//! import init, { CoordinatesClient } from "anysolver-coordinates";
//! await init();
//! const client = new CoordinatesClient({ clientKey: "anysolver_..." });
//! const points = await client.solve(canvas, { comment: "click on all bicycles" });
//! ```
//!
//! The pure parts (wire protocol, polling schedule, image sniffing,
//! base64, geometry) compile natively and are tested with `cargo test`;
//! the client itself needs a JS engine.

#![deny(missing_docs, missing_debug_implementations)]

pub mod error;
pub mod image;
pub mod protocol;
pub mod schedule;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod js;
#[cfg(target_arch = "wasm32")]
mod options;
#[cfg(target_arch = "wasm32")]
mod transport;
#[cfg(target_arch = "wasm32")]
mod typescript;

#[cfg(target_arch = "wasm32")]
pub use client::CoordinatesClient;
#[cfg(target_arch = "wasm32")]
pub use image::display::to_client_points;
