//! A screenshot's part that shows a challenge: [`Region`] in CSS pixels,
//! the `Crop` of screenshot pixels it becomes at the screenshot's
//! measured scale, and the [`Placement`] that maps the answer back onto the
//! element's CSS pixels.

use super::point::Point;
use serde::{Deserialize, Serialize};

/// The part of a screenshot that shows an element, in CSS pixels: the
/// element's box measured from the screenshot's top-left corner, and how
/// many CSS pixels wide the whole screenshot is. The client crops the
/// screenshot to the box and answers points in the element's own CSS
/// pixels (0,0 is the box's top-left corner), whatever the screen's
/// `devicePixelRatio`: the screenshot's scale is measured, never assumed.
///
/// ```
/// use anysolver_coordinates::Region;
/// // The element at (100, 50), 600×400 CSS pixels, in a screenshot of a
/// // 1280 CSS pixels wide viewport, whatever its devicePixelRatio.
/// let region = Region::new(100.0, 50.0, 600.0, 400.0).with_viewport_width(1280.0);
/// assert!(region.is_valid());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Region {
    /// The box's left edge, CSS pixels from the screenshot's left edge.
    pub x: f64,
    /// The box's top edge, CSS pixels from the screenshot's top edge.
    pub y: f64,
    /// The box's width, CSS pixels.
    pub width: f64,
    /// The box's height, CSS pixels.
    pub height: f64,
    /// How many CSS pixels wide the whole screenshot is (`innerWidth` for
    /// a capture of the visible tab). `None`: the screenshot ends at the
    /// box's right edge, as a screenshot of the element alone does.
    pub viewport_width: Option<f64>,
}

/// A rectangle of whole image pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Crop {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width, at least 1.
    pub width: u32,
    /// Height, at least 1.
    pub height: u32,
}

impl Crop {
    /// All of an image of `width`×`height`.
    pub fn whole(width: u32, height: u32) -> Self {
        Self {
            x: 0,
            y: 0,
            width,
            height,
        }
    }

    /// Whether the crop is all of an image of `width`×`height`.
    pub fn is_whole(&self, width: u32, height: u32) -> bool {
        *self == Self::whole(width, height)
    }
}

/// How points in a cropped screenshot map to the element's CSS pixels:
/// `css = pixel / scale + offset`. Kept in a [`Task`](crate::Task) so that
/// a resumed wait maps its points the same way.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Placement {
    /// Screenshot pixels per CSS pixel (the `devicePixelRatio` the
    /// screenshot was taken at).
    pub scale: f64,
    /// Added to `x / scale`: where the crop begins, in the element's CSS pixels.
    pub offset_x: f64,
    /// Added to `y / scale`.
    pub offset_y: f64,
}

impl Placement {
    /// `p`, in pixels of the cropped screenshot, in the element's CSS pixels.
    pub fn to_css(&self, p: Point) -> Point {
        Point {
            x: p.x / self.scale + self.offset_x,
            y: p.y / self.scale + self.offset_y,
        }
    }
}

impl Region {
    /// The box at (`x`, `y`), `width`×`height` CSS pixels, in a screenshot
    /// that ends at the box's right edge (a screenshot of the element alone);
    /// see [`Region::with_viewport_width`] for a wider one.
    pub fn new(x: f64, y: f64, width: f64, height: f64) -> Self {
        Self {
            x,
            y,
            width,
            height,
            viewport_width: None,
        }
    }

    /// The same box in a screenshot `viewport_width` CSS pixels wide
    /// (`innerWidth` for a capture of the visible tab).
    #[must_use]
    pub fn with_viewport_width(mut self, viewport_width: f64) -> Self {
        self.viewport_width = Some(viewport_width);
        self
    }

    /// Whether every number is usable: finite, a box of positive size and a
    /// positive viewport width.
    pub fn is_valid(&self) -> bool {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        self.x.is_finite()
            && self.y.is_finite()
            && positive(self.width)
            && positive(self.height)
            && self.viewport_width.is_none_or(positive)
    }

    /// The screenshot pixels to send (the box, rounded out to whole pixels
    /// and clipped to a screenshot of `width`×`height`) and how the answer
    /// maps back; `None` when the box and the screenshot do not overlap.
    pub(crate) fn locate(&self, width: u32, height: u32) -> Option<(Crop, Placement)> {
        if !self.is_valid() || width == 0 {
            return None;
        }
        let scale = f64::from(width) / self.viewport_width.unwrap_or(self.x + self.width);
        if !(scale.is_finite() && scale > 0.0) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let span = |start: f64, len: f64, limit: u32| {
            let limit = f64::from(limit);
            // max/min, not clamp: clamp's NaN check brings float printing in.
            let mut a = (start * scale).floor().max(0.0).min(limit);
            let mut b = ((start + len) * scale).ceil().max(0.0).min(limit);
            // Within a CSS pixel of the edges (a screenshot of the element
            // alone, rounded): all of it, so that nothing needs cropping.
            if a <= scale.ceil() && limit - b <= scale.ceil() {
                (a, b) = (0.0, limit);
            }
            (b > a).then_some((a as u32, (b - a) as u32))
        };
        let (x, w) = span(self.x, self.width, width)?;
        let (y, h) = span(self.y, self.height, height)?;
        Some((
            Crop {
                x,
                y,
                width: w,
                height: h,
            },
            Placement {
                scale,
                offset_x: f64::from(x) / scale - self.x,
                offset_y: f64::from(y) / scale - self.y,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_crops_at_the_measured_scale_and_maps_back_exactly() {
        let region = Region {
            x: 20.25,
            y: 10.5,
            width: 300.0,
            height: 200.0,
            viewport_width: Some(640.0),
        };
        for (w, h, scale) in [(640, 360, 1.0), (1280, 720, 2.0), (960, 540, 1.5)] {
            let (crop, at) = region.locate(w, h).unwrap();
            assert_eq!(at.scale, scale);
            // The crop covers the box, rounded out.
            assert!(f64::from(crop.x) <= region.x * scale);
            assert!(f64::from(crop.x + crop.width) >= (region.x + region.width) * scale);
            assert!(f64::from(crop.width) <= region.width * scale + 2.0);
            // A point on the screenshot lands on the same CSS spot of the element.
            let screen = Point {
                x: 100.0 * scale,
                y: 60.0 * scale,
            };
            let in_crop = Point {
                x: screen.x - f64::from(crop.x),
                y: screen.y - f64::from(crop.y),
            };
            let css = at.to_css(in_crop);
            assert!(
                (css.x - (100.0 - region.x)).abs() < 1e-9,
                "{css:?} at {scale}"
            );
            assert!(
                (css.y - (60.0 - region.y)).abs() < 1e-9,
                "{css:?} at {scale}"
            );
        }
    }

    #[test]
    fn an_element_screenshot_is_its_own_viewport() {
        let region = Region {
            x: 0.0,
            y: 0.0,
            width: 300.0,
            height: 200.0,
            viewport_width: None,
        };
        let (crop, at) = region.locate(600, 400).unwrap();
        assert!(crop.is_whole(600, 400));
        assert_eq!(
            at.to_css(Point { x: 600.0, y: 400.0 }),
            Point { x: 300.0, y: 200.0 }
        );
    }

    #[test]
    fn a_region_is_clipped_to_the_screenshot_or_refused() {
        let part = Region {
            x: -50.0,
            y: 700.0,
            width: 100.0,
            height: 100.0,
            viewport_width: Some(1280.0),
        };
        let (crop, at) = part.locate(1280, 720).unwrap();
        assert_eq!((crop.x, crop.y, crop.width, crop.height), (0, 700, 50, 20));
        assert_eq!(
            at.to_css(Point { x: 0.0, y: 0.0 }),
            Point { x: 50.0, y: 0.0 }
        );
        let outside = Region { y: 800.0, ..part };
        assert_eq!(outside.locate(1280, 720), None);
        for bad in [
            Region { width: 0.0, ..part },
            Region {
                x: f64::NAN,
                ..part
            },
            Region {
                viewport_width: Some(0.0),
                ..part
            },
            Region {
                height: f64::INFINITY,
                ..part
            },
        ] {
            assert!(!bad.is_valid());
            assert_eq!(bad.locate(1280, 720), None);
        }
    }
}
