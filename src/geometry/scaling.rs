//! [`Scaling`]: the sizes on both ends of a downscale, and how a point
//! the service answered in the sent image maps back onto the original.

use super::point::Point;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

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
