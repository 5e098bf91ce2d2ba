//! Turning any accepted input into bytes + format + size, and checking it
//! against the limits providers accept.
//!
//! The pure half ([`encoding`], [`sniff`], [`sizing`], [`source`], and
//! [`plan`], the one decision about every image) never touches `web-sys`
//! and is tested natively; in wasm, `capture` reads JS inputs,
//! `canvas_painter` paints with the platform's canvas (through `canvas`,
//! the platform's image calls), and `png_sample` tells from a sample
//! whether a PNG would fit; `codec` (the `codec` feature) paints in pure
//! Rust where there is no canvas.

#[cfg(feature = "codec")]
pub mod codec;
pub mod encoding;
pub mod plan;
pub mod sizing;
pub mod sniff;
pub mod source;

#[cfg(target_arch = "wasm32")]
mod canvas;
#[cfg(target_arch = "wasm32")]
mod canvas_painter;
#[cfg(target_arch = "wasm32")]
pub(crate) mod capture;
#[cfg(target_arch = "wasm32")]
mod input;
#[cfg(target_arch = "wasm32")]
mod png_sample;

#[cfg(target_arch = "wasm32")]
pub use input::Image;
