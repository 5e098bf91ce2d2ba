//! How big an image may be sent, how far to shrink it, and how the
//! answer maps back: [`Limits`], [`fit_within`] and [`Scaling`].

use crate::point::Point;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// Limits an image must meet before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest payload, bytes (of the image, before base64).
    pub max_bytes: usize,
    /// Largest side, pixels.
    pub max_side: u32,
}

impl Limits {
    /// At most `max_bytes` bytes and `max_side` pixels on a side.
    pub const fn new(max_bytes: usize, max_side: u32) -> Self {
        Self {
            max_bytes,
            max_side,
        }
    }

    /// What every known provider accepts: Anti-Captcha takes at most
    /// 500,000 bytes, 2Captcha at most 1000 px on a side.
    pub const DEFAULT: Limits = Limits {
        max_bytes: 500_000,
        max_side: 1000,
    };
    /// The instruction image: at most 100 kB (2Captcha's limit).
    pub const INSTRUCTIONS: Limits = Limits {
        max_bytes: 100_000,
        max_side: 1000,
    };

    /// Whether an image of this size and payload is within the limits.
    pub fn admits(&self, width: u32, height: u32, bytes: usize) -> bool {
        bytes <= self.max_bytes && width.max(height) <= self.max_side
    }
}

/// The size an image of `width`×`height` is shrunk to so that neither side
/// exceeds `max_side` (aspect ratio kept; never enlarged; never below 1 px).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn fit_within(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || longest == 0 {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, max_side);
    (side(width), side(height))
}

/// The sizes on both ends of a downscale: answers come in `sent` pixels
/// and are returned in `original` pixels.
///
/// Serialized as `{originalWidth, originalHeight, sentWidth, sentHeight,
/// scale}`, where `scale` is sent pixels per original pixel (read back, it
/// is ignored).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Scaling {
    /// The caller's image width.
    pub original_width: u32,
    /// The caller's image height.
    pub original_height: u32,
    /// The sent image's width.
    pub sent_width: u32,
    /// The sent image's height.
    pub sent_height: u32,
}

impl Serialize for Scaling {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Scaling", 5)?;
        o.serialize_field("originalWidth", &self.original_width)?;
        o.serialize_field("originalHeight", &self.original_height)?;
        o.serialize_field("sentWidth", &self.sent_width)?;
        o.serialize_field("sentHeight", &self.sent_height)?;
        o.serialize_field("scale", &self.scale())?;
        o.end()
    }
}

impl Scaling {
    /// Sent pixels per original pixel, horizontally (1 when sent as it is).
    pub fn scale(&self) -> f64 {
        let (fx, _) = self.factors();
        if fx > 0.0 { 1.0 / fx } else { 1.0 }
    }

    /// Whether every side is at least one pixel.
    pub fn is_valid(&self) -> bool {
        self.original_width
            .min(self.original_height)
            .min(self.sent_width)
            .min(self.sent_height)
            >= 1
    }

    /// No scaling: an image sent at its own size.
    pub fn identity(width: u32, height: u32) -> Self {
        Self {
            original_width: width,
            original_height: height,
            sent_width: width,
            sent_height: height,
        }
    }

    /// Original pixels per sent pixel, horizontally and vertically.
    pub fn factors(&self) -> (f64, f64) {
        let f = |o: u32, s: u32| {
            if s == 0 {
                1.0
            } else {
                f64::from(o) / f64::from(s)
            }
        };
        (
            f(self.original_width, self.sent_width),
            f(self.original_height, self.sent_height),
        )
    }

    /// `p`, given in sent pixels, in original pixels.
    pub fn to_original(&self, p: Point) -> Point {
        let (fx, fy) = self.factors();
        Point {
            x: p.x * fx,
            y: p.y * fy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinks_to_the_longest_side() {
        assert_eq!(fit_within(3000, 2000, 1000), (1000, 667));
        assert_eq!(fit_within(800, 600, 1000), (800, 600));
        assert_eq!(fit_within(5000, 1, 1000), (1000, 1));
        assert_eq!(fit_within(0, 0, 1000), (0, 0));
    }

    #[test]
    fn maps_back_to_original_pixels() {
        let s = Scaling {
            original_width: 3000,
            original_height: 2000,
            sent_width: 1000,
            sent_height: 667,
        };
        let p = s.to_original(Point { x: 500.0, y: 333.5 });
        assert!((p.x - 1500.0).abs() < 1e-9 && (p.y - 1000.0).abs() < 1e-9);
    }
}
