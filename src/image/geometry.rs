//! Sizes and coordinates: how far to shrink an image for the providers,
//! how to map the answer back onto the original, and where an image pixel
//! lands on screen for a displayed `<img>` or `<canvas>`.

use crate::protocol::Point;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// Limits an image must meet before it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload, bytes (of the image, before base64).
    pub max_bytes: usize,
    /// Largest side, pixels.
    pub max_side: u32,
}

impl Limits {
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

/// CSS `object-fit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectFit {
    /// Stretch to the box (the default).
    Fill,
    /// Scale to fit inside, keeping aspect.
    Contain,
    /// Scale to cover, keeping aspect (cropped).
    Cover,
    /// Natural size.
    None,
    /// The smaller of `none` and `contain`.
    ScaleDown,
}

impl ObjectFit {
    /// Reads a computed `object-fit` value; anything unknown is `fill`.
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "contain" => ObjectFit::Contain,
            "cover" => ObjectFit::Cover,
            "none" => ObjectFit::None,
            "scale-down" => ObjectFit::ScaleDown,
            _ => ObjectFit::Fill,
        }
    }
}

/// One axis of `object-position`: `percent` of the free space plus `px`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Offset {
    /// Percentage of (box − object), 0–100.
    pub percent: f64,
    /// Plus this many CSS pixels.
    pub px: f64,
}

impl Offset {
    const CENTER: Offset = Offset {
        percent: 50.0,
        px: 0.0,
    };

    fn resolve(&self, free: f64) -> f64 {
        free * self.percent / 100.0 + self.px
    }

    fn parse(token: &str) -> Option<Offset> {
        let t = token.trim();
        let pct = |p: f64| {
            Some(Offset {
                percent: p,
                px: 0.0,
            })
        };
        match t {
            "left" | "top" => return pct(0.0),
            "center" => return pct(50.0),
            "right" | "bottom" => return pct(100.0),
            _ => {}
        }
        if let Some(inner) = t.strip_prefix("calc(").and_then(|r| r.strip_suffix(')')) {
            // `calc(A% + Bpx)` or `calc(A% - Bpx)`, as browsers serialise
            // a mixed position.
            let (a, sign, b) = if let Some((a, b)) = inner.split_once(" + ") {
                (a, 1.0, b)
            } else {
                let (a, b) = inner.split_once(" - ")?;
                (a, -1.0, b)
            };
            let a = Offset::parse(a)?;
            let b = Offset::parse(b)?;
            return Some(Offset {
                percent: a.percent + sign * b.percent,
                px: a.px + sign * b.px,
            });
        }
        if let Some(p) = t.strip_suffix('%') {
            return crate::text::number(p).and_then(pct);
        }
        let px = crate::text::number(t.strip_suffix("px").unwrap_or(t))?;
        Some(Offset { percent: 0.0, px })
    }
}

/// CSS `object-position`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ObjectPosition {
    /// Horizontal.
    pub x: Offset,
    /// Vertical.
    pub y: Offset,
}

impl ObjectPosition {
    /// Reads a computed `object-position` (two values, each a percentage,
    /// a length, a keyword or a `calc()` of a percentage and a length);
    /// anything unreadable is centred.
    pub fn parse(s: &str) -> Self {
        let mut tokens = Vec::new();
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ' ' if depth == 0 => {
                    if let Some(tok) = s.get(start..i).filter(|t| !t.is_empty()) {
                        tokens.push(tok);
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        if let Some(tok) = s.get(start..).filter(|t| !t.is_empty()) {
            tokens.push(tok);
        }
        let (x, y) = match tokens.as_slice() {
            [x, y] => (Offset::parse(x), Offset::parse(y)),
            [x] => (Offset::parse(x), Some(Offset::CENTER)),
            _ => (None, None),
        };
        ObjectPosition {
            x: x.unwrap_or(Offset::CENTER),
            y: y.unwrap_or(Offset::CENTER),
        }
    }
}

/// A rectangle in CSS pixels relative to the viewport.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// Where the image's pixel `p` lands, in viewport CSS pixels, when an image
/// of `natural` size is drawn into the content box `content` with `fit` and
/// `position`.
pub fn to_client(
    p: Point,
    natural: (f64, f64),
    content: Rect,
    fit: ObjectFit,
    position: ObjectPosition,
) -> Point {
    let (nw, nh) = natural;
    if nw <= 0.0 || nh <= 0.0 {
        return Point {
            x: content.left,
            y: content.top,
        };
    }
    let contain = (content.width / nw).min(content.height / nh);
    let (ow, oh) = match fit {
        ObjectFit::Fill => (content.width, content.height),
        ObjectFit::Contain => (nw * contain, nh * contain),
        ObjectFit::Cover => {
            let s = (content.width / nw).max(content.height / nh);
            (nw * s, nh * s)
        }
        ObjectFit::None => (nw, nh),
        ObjectFit::ScaleDown => {
            let s = contain.min(1.0);
            (nw * s, nh * s)
        }
    };
    let dx = position.x.resolve(content.width - ow);
    let dy = position.y.resolve(content.height - oh);
    Point {
        x: content.left + dx + p.x * ow / nw,
        y: content.top + dy + p.y * oh / nh,
    }
}

/// The part of a screenshot that shows an element, in CSS pixels: the
/// element's box measured from the screenshot's top-left corner, and how
/// many CSS pixels wide the whole screenshot is. The client crops the
/// screenshot to the box and answers points in the element's own CSS
/// pixels (0,0 is the box's top-left corner), whatever the screen's
/// `devicePixelRatio`: the screenshot's scale is measured, never assumed.
///
/// ```
/// use anysolver_coordinates::{Point, Region};
/// // A 1280×720 CSS viewport captured at 2 device pixels per CSS pixel,
/// // with the element at (100, 50), 600×400 CSS pixels.
/// let region = Region { x: 100.0, y: 50.0, width: 600.0, height: 400.0, viewport_width: Some(1280.0) };
/// let (crop, placement) = region.locate(2560, 1440).unwrap();
/// assert_eq!((crop.x, crop.y, crop.width, crop.height), (200, 100, 1200, 800));
/// // A point 240 screenshot pixels into the crop is 120 CSS pixels into the element.
/// assert_eq!(placement.to_css(Point { x: 240.0, y: 80.0 }), Point { x: 120.0, y: 40.0 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    pub fn locate(&self, width: u32, height: u32) -> Option<(Crop, Placement)> {
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

    const CENTER: ObjectPosition = ObjectPosition {
        x: Offset::CENTER,
        y: Offset::CENTER,
    };
    const BOX: Rect = Rect {
        left: 10.0,
        top: 20.0,
        width: 200.0,
        height: 100.0,
    };

    fn close(a: Point, b: Point) -> bool {
        (a.x - b.x).abs() < 1e-9 && (a.y - b.y).abs() < 1e-9
    }

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

    #[test]
    fn places_points_for_each_object_fit() {
        let p = Point { x: 100.0, y: 50.0 };
        let n = (400.0, 100.0); // 4:1 into a 2:1 box
        // fill: stretched 0.5 × 1.0
        assert!(close(
            to_client(p, n, BOX, ObjectFit::Fill, CENTER),
            Point { x: 60.0, y: 70.0 }
        ));
        // contain: 0.5 scale → 200×50, centred vertically (offset 25)
        assert!(close(
            to_client(p, n, BOX, ObjectFit::Contain, CENTER),
            Point {
                x: 60.0,
                y: 20.0 + 25.0 + 25.0
            }
        ));
        // cover: 1.0 scale → 400×100, centred horizontally (offset −100)
        assert!(close(
            to_client(p, n, BOX, ObjectFit::Cover, CENTER),
            Point {
                x: 10.0 - 100.0 + 100.0,
                y: 70.0
            }
        ));
        // none: natural, centred
        assert!(close(
            to_client(p, n, BOX, ObjectFit::None, CENTER),
            Point {
                x: 10.0 - 100.0 + 100.0,
                y: 70.0
            }
        ));
        // scale-down: same as contain here
        assert!(close(
            to_client(p, n, BOX, ObjectFit::ScaleDown, CENTER),
            Point { x: 60.0, y: 70.0 }
        ));
        let small = (20.0, 10.0);
        let q = Point { x: 10.0, y: 5.0 };
        // scale-down of a small image: natural size, centred
        assert!(close(
            to_client(q, small, BOX, ObjectFit::ScaleDown, CENTER),
            Point {
                x: 10.0 + 90.0 + 10.0,
                y: 20.0 + 45.0 + 5.0
            }
        ));
    }

    #[test]
    fn honours_object_position() {
        let n = (400.0, 100.0);
        let p = Point { x: 0.0, y: 0.0 };
        let top_left = ObjectPosition::parse("0% 0%");
        assert!(close(
            to_client(p, n, BOX, ObjectFit::Contain, top_left),
            Point { x: 10.0, y: 20.0 }
        ));
        let px = ObjectPosition::parse("7px 3px");
        assert!(close(
            to_client(p, n, BOX, ObjectFit::Contain, px),
            Point { x: 17.0, y: 23.0 }
        ));
        let calc = ObjectPosition::parse("calc(100% - 10px) right");
        assert_eq!(
            calc.x,
            Offset {
                percent: 100.0,
                px: -10.0
            }
        );
        assert_eq!(
            calc.y,
            Offset {
                percent: 100.0,
                px: 0.0
            }
        );
        assert_eq!(ObjectPosition::parse("garbage"), CENTER);
    }

    #[test]
    fn property_round_trip_for_fill_and_contain() {
        // For any box and natural size, the image corners map onto the
        // object's corners: (0,0) → object origin, (nw,nh) → far corner.
        // A grid of sizes and boxes, from one pixel to thousands, with
        // odd fractions and extreme aspect ratios.
        let sides = [1.0, 2.5, 37.3, 320.0, 999.9, 1999.0, 3001.0];
        let boxes = [
            (0.0, 0.0, 1.0, 1.0),
            (12.5, 40.0, 300.0, 150.0),
            (499.0, 3.3, 64.0, 1000.0),
            (250.0, 250.0, 1001.0, 777.7),
        ];
        let cases = sides
            .iter()
            .flat_map(|w| sides.iter().map(move |h| (*w, *h)))
            .flat_map(|(w, h)| boxes.iter().map(move |b| (w, h, *b)));
        for (nw, nh, (left, top, width, height)) in cases {
            let b = Rect {
                left,
                top,
                width,
                height,
            };
            for fit in [ObjectFit::Fill, ObjectFit::Contain, ObjectFit::ScaleDown] {
                let a = to_client(Point { x: 0.0, y: 0.0 }, (nw, nh), b, fit, CENTER);
                let z = to_client(Point { x: nw, y: nh }, (nw, nh), b, fit, CENTER);
                // the drawn object stays inside the box and keeps aspect unless fill
                assert!(a.x >= b.left - 1e-6 && a.y >= b.top - 1e-6);
                assert!(z.x <= b.left + b.width + 1e-6 && z.y <= b.top + b.height + 1e-6);
                if fit != ObjectFit::Fill {
                    let ratio = (z.x - a.x) / (z.y - a.y);
                    assert!((ratio - nw / nh).abs() / (nw / nh) < 1e-9);
                }
            }
        }
    }
}
