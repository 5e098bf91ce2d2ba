//! Turning any accepted input into bytes + format + size, checking it
//! against the limits providers accept, and mapping coordinates back.
//!
//! The pure half ([`encoding`], [`sniff`], [`sizing`], [`region`]) never
//! touches `web-sys` and is tested natively; `capture` reads JS inputs.

pub mod encoding;
pub mod region;
pub mod sizing;
pub mod sniff;

#[cfg(target_arch = "wasm32")]
pub(crate) mod capture;
#[cfg(target_arch = "wasm32")]
mod input;

#[cfg(target_arch = "wasm32")]
pub use input::Image;
