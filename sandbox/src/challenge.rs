//! Synthetic challenges: coloured shapes on a noisy background, an
//! instruction such as "click on every red circle", and the true answer.
//!
//! A challenge is a pure function of its [`ChallengeSpec`]: the same seed
//! always draws the same image and the same answer.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A colour the generator paints shapes with and the vision provider knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    /// Red.
    Red,
    /// Green.
    Green,
    /// Blue.
    Blue,
    /// Yellow.
    Yellow,
    /// Purple.
    Purple,
    /// Orange.
    Orange,
}

impl Colour {
    /// Every colour, in a fixed order.
    pub const ALL: [Colour; 6] = [
        Colour::Red,
        Colour::Green,
        Colour::Blue,
        Colour::Yellow,
        Colour::Purple,
        Colour::Orange,
    ];

    /// The colour's RGB value.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Colour::Red => [215, 35, 35],
            Colour::Green => [30, 160, 60],
            Colour::Blue => [35, 75, 215],
            Colour::Yellow => [235, 205, 20],
            Colour::Purple => [135, 50, 175],
            Colour::Orange => [245, 125, 15],
        }
    }

    /// The English word for the colour.
    pub fn name(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Green => "green",
            Colour::Blue => "blue",
            Colour::Yellow => "yellow",
            Colour::Purple => "purple",
            Colour::Orange => "orange",
        }
    }
}

/// A shape the generator draws and the vision provider recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// A filled disc.
    Circle,
    /// An axis-aligned filled square.
    Square,
    /// A filled triangle pointing up.
    Triangle,
}

impl Shape {
    /// Every shape, in a fixed order.
    pub const ALL: [Shape; 3] = [Shape::Circle, Shape::Square, Shape::Triangle];

    /// The English word for the shape.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Circle => "circle",
            Shape::Square => "square",
            Shape::Triangle => "triangle",
        }
    }

    /// Whether the pixel whose centre is `(px, py)` lies inside the shape of
    /// half-size `r` centred (for a triangle: centroid) at `(cx, cy)`.
    fn covers(self, cx: f64, cy: f64, r: f64, px: f64, py: f64) -> bool {
        let (dx, dy) = (px - cx, py - cy);
        match self {
            Shape::Circle => dx * dx + dy * dy <= r * r,
            Shape::Square => dx.abs() <= r && dy.abs() <= r,
            Shape::Triangle => {
                // Apex at (0, -r·4/3), base at y = +r·2/3 spanning ±r·(2/√3)·…;
                // an isosceles triangle whose centroid is the origin.
                let top = -r * 4.0 / 3.0;
                let bottom = r * 2.0 / 3.0;
                if dy < top || dy > bottom {
                    return false;
                }
                let half_width = 1.2 * r * (dy - top) / (bottom - top);
                dx.abs() <= half_width
            }
        }
    }
}

/// What to generate: every field has a default, and the seed decides the rest.
#[derive(Clone, Copy, Debug)]
pub struct ChallengeSpec {
    /// The seed: equal specs give equal challenges.
    pub seed: u64,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
}

/// One point of the true answer, in image pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Point {
    /// Horizontal position from the left edge.
    pub x: f64,
    /// Vertical position from the top edge.
    pub y: f64,
}

/// A generated challenge.
#[derive(Debug)]
pub struct Challenge {
    /// The drawn image.
    pub image: image::RgbImage,
    /// The instruction, e.g. "click on every red circle".
    pub comment: String,
    /// The colour asked for.
    pub colour: Colour,
    /// The shape asked for.
    pub shape: Shape,
    /// The centres of every shape that answers the instruction.
    pub answer: Vec<Point>,
}

struct Placed {
    colour: Colour,
    shape: Shape,
    cx: f64,
    cy: f64,
    r: f64,
}

/// The smallest side the generator accepts, in pixels.
pub const MIN_SIDE: u32 = 64;
/// The largest side the generator accepts, in pixels.
pub const MAX_SIDE: u32 = 6000;

/// Draws the challenge `spec` describes. Sides are clamped to
/// [`MIN_SIDE`]..=[`MAX_SIDE`].
pub fn generate(spec: ChallengeSpec) -> Challenge {
    let width = spec.width.clamp(MIN_SIDE, MAX_SIDE);
    let height = spec.height.clamp(MIN_SIDE, MAX_SIDE);
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let colour = pick(&mut rng, &Colour::ALL, Colour::Red);
    let shape = pick(&mut rng, &Shape::ALL, Shape::Circle);
    let targets = rng.random_range(1..=3);
    let distractors = rng.random_range(2..=5);

    let (w, h) = (f64::from(width), f64::from(height));
    let side = w.min(h);
    let mut placed: Vec<Placed> = Vec::new();
    for i in 0..(targets + distractors) {
        let (c, s) = if i < targets {
            (colour, shape)
        } else {
            loop {
                let c = pick(&mut rng, &Colour::ALL, Colour::Red);
                let s = pick(&mut rng, &Shape::ALL, Shape::Circle);
                if (c, s) != (colour, shape) {
                    break (c, s);
                }
            }
        };
        // Rejection sampling for a spot that overlaps nothing; a crowded
        // image simply gets fewer distractors.
        for _ in 0..200 {
            let r = side * rng.random_range(0.05..0.085);
            let margin = r * 1.5 + 2.0;
            if w <= 2.0 * margin || h <= 2.0 * margin {
                break;
            }
            let cx = rng.random_range(margin..w - margin);
            let cy = rng.random_range(margin..h - margin);
            let free = placed.iter().all(|p| {
                let d = ((p.cx - cx).powi(2) + (p.cy - cy).powi(2)).sqrt();
                d > 1.5 * (p.r + r) + 4.0
            });
            if free {
                placed.push(Placed {
                    colour: c,
                    shape: s,
                    cx,
                    cy,
                    r,
                });
                break;
            }
        }
    }

    let mut image = image::RgbImage::new(width, height);
    for (x, y, px) in image.enumerate_pixels_mut() {
        let base = 200.0 + 40.0 * f64::from(x) / w - 20.0 * f64::from(y) / h;
        let noise: f64 = rng.random_range(-22.0..22.0);
        let v = (base + noise).clamp(0.0, 255.0) as u8;
        *px = image::Rgb([v, v.saturating_sub(4), v.saturating_add(6)]);
    }
    for p in &placed {
        let rgb = p.colour.rgb();
        let reach = p.r * 1.5;
        let x0 = (p.cx - reach).floor().max(0.0) as u32;
        let y0 = (p.cy - reach).floor().max(0.0) as u32;
        let x1 = ((p.cx + reach).ceil() as u32).min(width);
        let y1 = ((p.cy + reach).ceil() as u32).min(height);
        for y in y0..y1 {
            for x in x0..x1 {
                if p.shape
                    .covers(p.cx, p.cy, p.r, f64::from(x) + 0.5, f64::from(y) + 0.5)
                {
                    let n: i16 = rng.random_range(-12..=12);
                    let ch = |v: u8| (i16::from(v) + n).clamp(0, 255) as u8;
                    image.put_pixel(x, y, image::Rgb([ch(rgb[0]), ch(rgb[1]), ch(rgb[2])]));
                }
            }
        }
    }

    let answer = placed
        .iter()
        .filter(|p| p.colour == colour && p.shape == shape)
        .map(|p| Point { x: p.cx, y: p.cy })
        .collect();
    Challenge {
        image,
        comment: format!("click on every {} {}", colour.name(), shape.name()),
        colour,
        shape,
        answer,
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
    items.choose(rng).copied().unwrap_or(fallback)
}
