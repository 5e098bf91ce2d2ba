//! [`Point`] and [`RejectedPoint`]: the vocabulary of answers, shared by
//! the wire protocol, the geometry and the results. It imports nothing of
//! the crate.

use serde::{Deserialize, Serialize};

/// A click point: in the pixels of the image that was sent as it comes off
/// the wire, in the original image's pixels once a client returns it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// From the left edge.
    pub x: f64,
    /// From the top edge.
    pub y: f64,
}

/// A point the service sent that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RejectedPoint {
    /// Its position in the list.
    pub index: usize,
    /// Why it was rejected.
    pub reason: String,
}

impl RejectedPoint {
    /// The point at `index`, rejected for `reason`.
    pub fn new(index: usize, reason: impl Into<String>) -> Self {
        Self {
            index,
            reason: reason.into(),
        }
    }
}
