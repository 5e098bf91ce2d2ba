//! The vision provider's eyes: finds the shapes an instruction names in a
//! decoded image, by colour and form, and answers their centres.

use crate::challenge::{Colour, Point, Shape};
use serde::Serialize;

/// What the instruction asks for, read from a task's `comment`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The colour named.
    pub colour: Colour,
    /// The shape named.
    pub shape: Shape,
}

/// Reads "click on every red circle" (any wording that names one colour
/// and one shape, singular or plural) into a [`Target`].
pub fn parse_instruction(comment: &str) -> Option<Target> {
    let lower = comment.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let colour = Colour::ALL
        .into_iter()
        .find(|c| words.contains(&c.name()))?;
    let shape = Shape::ALL.into_iter().find(|s| {
        words
            .iter()
            .any(|w| *w == s.name() || w.strip_suffix('s') == Some(s.name()))
    })?;
    Some(Target { colour, shape })
}

/// One blob of a known colour the provider found.
#[derive(Clone, Debug, Serialize)]
pub struct Found {
    /// Its colour.
    pub colour: Colour,
    /// Its shape, as classified from how much of its bounding box it fills.
    pub shape: Shape,
    /// Its centroid, horizontally.
    pub x: f64,
    /// Its centroid, vertically.
    pub y: f64,
    /// Its area in pixels.
    pub area: usize,
    /// Area divided by bounding-box area.
    pub fill: f64,
}

/// Blobs smaller than this many pixels are noise.
const MIN_AREA: usize = 40;
/// How far (Euclidean RGB) a pixel may be from a palette colour to count.
const MAX_DISTANCE: f64 = 95.0;
/// How colourful (largest minus smallest channel) a pixel must be to count:
/// every palette colour is (125 and more), greys are not, however close
/// (a mid grey is within [`MAX_DISTANCE`] of purple). Without it, the
/// anti-aliased edge of a dark border, shrunk, reads as a purple line.
const MIN_CHROMA: u8 = 50;

/// Finds every blob of a palette colour in `img`.
pub fn find_shapes(img: &image::RgbImage) -> Vec<Found> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Label each pixel with the palette colour it is close to, if any.
    let labels: Vec<Option<Colour>> = img.pixels().map(|p| classify(p.0)).collect();
    let mut seen = vec![false; w * h];
    let mut found = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        let Some(Some(colour)) = labels.get(start).copied() else {
            continue;
        };
        if seen.get(start).copied().unwrap_or(true) {
            continue;
        }
        let (mut area, mut sx, mut sy) = (0usize, 0f64, 0f64);
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0usize, 0usize);
        stack.push(start);
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            area += 1;
            sx += x as f64 + 0.5;
            sy += y as f64 + 0.5;
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for n in neighbours.into_iter().flatten() {
                let same = labels.get(n).copied().flatten() == Some(colour);
                if let Some(s) = seen.get_mut(n)
                    && !*s
                    && same
                {
                    *s = true;
                    stack.push(n);
                }
            }
        }
        if area < MIN_AREA {
            continue;
        }
        let bbox = ((x1 - x0 + 1) * (y1 - y0 + 1)) as f64;
        let fill = area as f64 / bbox;
        let shape = if fill > 0.9 {
            Shape::Square
        } else if fill > 0.64 {
            Shape::Circle
        } else {
            Shape::Triangle
        };
        found.push(Found {
            colour,
            shape,
            x: sx / area as f64,
            y: sy / area as f64,
            area,
            fill,
        });
    }
    found
}

/// The centres of the blobs that match `target`.
pub fn answer(found: &[Found], target: Target) -> Vec<Point> {
    found
        .iter()
        .filter(|f| f.colour == target.colour && f.shape == target.shape)
        .map(|f| Point { x: f.x, y: f.y })
        .collect()
}

fn classify(rgb: [u8; 3]) -> Option<Colour> {
    let (lo, hi) = rgb
        .iter()
        .fold((u8::MAX, u8::MIN), |(lo, hi), &c| (lo.min(c), hi.max(c)));
    if hi - lo < MIN_CHROMA {
        return None;
    }
    let mut best: Option<(Colour, f64)> = None;
    for c in Colour::ALL {
        let p = c.rgb();
        let d = rgb
            .iter()
            .zip(p.iter())
            .map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2))
            .sum::<f64>()
            .sqrt();
        if d <= MAX_DISTANCE && best.is_none_or(|(_, bd)| d < bd) {
            best = Some((c, d));
        }
    }
    best.map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::{ChallengeSpec, generate};

    fn within(answer: &[Point], truth: &[Point], tol: f64) -> bool {
        answer.len() == truth.len()
            && truth
                .iter()
                .all(|t| answer.iter().any(|a| (a.x - t.x).hypot(a.y - t.y) <= tol))
    }

    #[test]
    fn greys_are_no_colour() {
        // A mid grey is 90 from purple, within MAX_DISTANCE, yet no colour.
        assert_eq!(classify([117, 117, 117]), None);
        assert_eq!(classify([135, 50, 175]), Some(Colour::Purple));
        // A shape's edge, half on the grey background, still counts.
        assert_eq!(classify([170, 110, 190]), Some(Colour::Purple));
    }

    #[test]
    fn reads_instructions() {
        let t = parse_instruction("Click on every RED circle!").unwrap();
        assert_eq!((t.colour, t.shape), (Colour::Red, Shape::Circle));
        let t = parse_instruction("click on all blue triangles").unwrap();
        assert_eq!((t.colour, t.shape), (Colour::Blue, Shape::Triangle));
        assert!(parse_instruction("click on all bicycles").is_none());
    }

    #[test]
    fn solves_500_challenges_within_3_px() {
        for seed in 0..500 {
            let c = generate(ChallengeSpec {
                seed,
                width: 400,
                height: 300,
            });
            let target = parse_instruction(&c.comment).unwrap();
            let got = answer(&find_shapes(&c.image), target);
            assert!(
                within(&got, &c.answer, 3.0),
                "seed {seed}: {got:?} vs {:?}",
                c.answer
            );
        }
    }

    #[test]
    fn solves_jpeg_reencoded_challenges() {
        for seed in 0..60 {
            let c = generate(ChallengeSpec {
                seed,
                width: 480,
                height: 320,
            });
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
                .encode_image(&c.image)
                .unwrap();
            let back = image::load_from_memory(&jpeg).unwrap().to_rgb8();
            let target = parse_instruction(&c.comment).unwrap();
            let got = answer(&find_shapes(&back), target);
            assert!(
                within(&got, &c.answer, 3.0),
                "seed {seed}: {got:?} vs {:?}",
                c.answer
            );
        }
    }
}
