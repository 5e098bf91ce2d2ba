//! How big an image may be sent and how far to shrink it: [`Limits`] and
//! [`fit_within`]; [`Scaling`](crate::geometry::scaling::Scaling) maps the
//! answer back.

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
}
