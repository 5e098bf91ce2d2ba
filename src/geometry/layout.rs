//! Where an image pixel lands on screen when an `<img>` or `<canvas>`
//! shows the image: CSS `object-fit` and `object-position` over the
//! element's content box. Pure: what the page's layout says is read by the
//! caller (`toClientPoints`) and handed in.

use super::point::Point;

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
            // (Split at a char, not at " + ": a `str` pattern's searcher
            // costs the wasm build about 5 KB of core's panic printing.)
            let (a, rest) = inner.split_once(' ')?;
            let (sign, b) = match rest.strip_prefix("+ ") {
                Some(b) => (1.0, b),
                None => (-1.0, rest.strip_prefix("- ")?),
            };
            let a = Offset::parse(a)?;
            let b = Offset::parse(b)?;
            return Some(Offset {
                percent: a.percent + sign * b.percent,
                px: a.px + sign * b.px,
            });
        }
        if let Some(p) = t.strip_suffix('%') {
            return crate::js_number::number(p).and_then(pct);
        }
        let px = crate::js_number::number(t.strip_suffix("px").unwrap_or(t))?;
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
