//! The one decision about an image, whatever does the pixel work: whether
//! it can be sent as it came, and if not, which part of it is drawn at
//! which sizes and in which encodings until one fits the limits.
//!
//! Two painters do the pixel work behind [`Painter`]: the platform's
//! canvas in browsers and workers (`canvas_painter`), and a pure-Rust
//! codec where there is no canvas (`codec`, the `codec` feature: Node,
//! Deno, Bun, native Rust). Both are driven by [`encode_within`], so that
//! the same image comes out at the same size, in the same format, on both.

use super::encoding::{base64_bytes, data_url};
use super::sizing::{Limits, fit_within};
use super::sniff::{Format, ImageInfo};
use crate::error::{Error, Result};
use crate::geometry::region::{Crop, Placement, Region};
use crate::geometry::scaling::Scaling;
use crate::platform_text::Chars;

/// An image ready to send.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The data URL that goes into the request: `data:<type>;base64,` and
    /// standard base64, checked or written by the platform (so that it
    /// goes into the JSON text unescaped, see
    /// [`crate::protocol::create_task_body`]).
    pub data_url: Chars,
    /// Original and sent sizes.
    pub scaling: Scaling,
    /// With a region: how the sent crop's points map to its CSS pixels.
    pub placement: Option<Placement>,
}

/// The encodings tried at each size, in order: PNG when it fits (lossless,
/// and small for screenshots and drawings), else JPEG at falling quality.
pub const LADDER: [Encoding; 4] = [
    Encoding::Png,
    Encoding::Jpeg(0.92),
    Encoding::Jpeg(0.8),
    Encoding::Jpeg(0.65),
];

/// The encodings tried for a picture that came as a JPEG (a photo, whose
/// pixels are already lossy and would make a PNG many times larger).
pub const PHOTO_LADDER: [Encoding; 3] = [
    Encoding::Jpeg(0.92),
    Encoding::Jpeg(0.8),
    Encoding::Jpeg(0.65),
];

/// How many times the size is cut (to 70 %) when no encoding fits.
const SHRINKS: usize = 6;

/// An encoding of the sent image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Encoding {
    /// PNG.
    Png,
    /// JPEG at this quality, 0–1.
    Jpeg(f64),
}

impl Encoding {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Encoding::Png => "image/png",
            Encoding::Jpeg(_) => "image/jpeg",
        }
    }
}

/// An encoded picture: its bytes (the codec's), or a data URL the
/// platform wrote (the canvas's: base64 made natively, never copied out as
/// bytes).
#[derive(Clone, Debug, PartialEq)]
pub enum Encoded {
    /// The encoded bytes.
    Bytes(Vec<u8>),
    /// `data:<mime>;base64,...`.
    DataUrl(Chars),
}

impl Encoded {
    /// Bytes of the encoded picture (for a data URL, what its base64 holds).
    pub fn len(&self) -> usize {
        match self {
            Encoded::Bytes(b) => b.len(),
            Encoded::DataUrl(url) => base64_bytes(url),
        }
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The data URL that goes into the request.
    fn into_data_url(self, mime: &str) -> Chars {
        match self {
            Encoded::Bytes(b) => data_url(mime, &b),
            Encoded::DataUrl(url) => url,
        }
    }
}

/// What to do with an image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    /// Send the bytes as they came.
    AsIs {
        /// Its size (sent as it is).
        scaling: Scaling,
        /// With a region covering the whole picture: how points map back.
        placement: Option<Placement>,
    },
    /// Draw `crop` (in the pixels the image shows, orientation applied)
    /// and encode it within the limits.
    Redraw {
        /// The part to send.
        crop: Crop,
        /// With a region: how points map back.
        placement: Option<Placement>,
        /// The encodings to try at each size.
        ladder: &'static [Encoding],
    },
}

/// The plan for encoded bytes of `len` bytes described by `info`: as they
/// are when every provider takes the format, the size and the payload,
/// nothing is to be cut out and no EXIF orientation is to be applied
/// (a provider might show the pixels unrotated); else redrawn, trying PNG
/// first unless the picture came as a JPEG (a photo), or as a PNG so dense
/// that at the size sent it would still be over the byte limit (a noisy
/// screenshot: a PNG of it cannot fit, and only costs time to find out).
pub fn for_bytes(
    info: &ImageInfo,
    len: usize,
    limits: Limits,
    region: Option<Region>,
) -> Result<Plan> {
    let (width, height) = info.shown_size();
    let (crop, placement) = locate(region, width, height)?;
    let as_is = info.format.is_accepted()
        && info.orientation.is_none()
        && limits.admits(width, height, len)
        && crop.is_whole(width, height);
    Ok(if as_is {
        Plan::AsIs {
            scaling: Scaling::identity(width, height),
            placement,
        }
    } else {
        Plan::Redraw {
            crop,
            placement,
            ladder: if info.format == Format::Jpeg || png_cannot_fit(info, len, crop, limits) {
                &PHOTO_LADDER
            } else {
                &LADDER
            },
        }
    })
}

/// Whether a PNG of `crop`, at its size within the limits and as dense as
/// the PNG it came from (`len` bytes for all of `info`'s pixels), would be
/// over `limits.max_bytes`.
fn png_cannot_fit(info: &ImageInfo, len: usize, crop: Crop, limits: Limits) -> bool {
    if info.format != Format::Png {
        return false;
    }
    let (w, h) = fit_within(crop.width, crop.height, limits.max_side);
    let density = len as f64 / pixels(info.width, info.height).max(1.0);
    png_over(density, w, h, limits.max_bytes)
}

fn pixels(width: u32, height: u32) -> f64 {
    f64::from(width) * f64::from(height)
}

/// Whether a PNG of `width`×`height` pixels, at `density` bytes a pixel,
/// would be over `max_bytes`.
pub fn png_over(density: f64, width: u32, height: u32, max_bytes: usize) -> bool {
    density * pixels(width, height) > max_bytes as f64
}

/// Whether any PNG of `width`×`height` pixels fits `max_bytes`: even with
/// no compression at all (4 bytes a pixel), so that a painter need not
/// sample the picture to know.
pub fn png_always_fits(width: u32, height: u32, max_bytes: usize) -> bool {
    !png_over(4.0, width, height, max_bytes)
}

/// The part of a `width`×`height` picture to draw (all of it, or what
/// `region` covers) and how points map back.
pub fn locate(
    region: Option<Region>,
    width: u32,
    height: u32,
) -> Result<(Crop, Option<Placement>)> {
    let Some(region) = region else {
        return Ok((Crop::whole(width, height), None));
    };
    let (crop, placement) = region.locate(width, height).ok_or_else(|| {
        Error::image(
            "REGION_OUTSIDE_IMAGE",
            format!(
                "region lies outside the {width}×{height} pixel screenshot (check x, y and viewportWidth)"
            ),
        )
    })?;
    Ok((crop, Some(placement)))
}

/// `e` with its message naming the argument (`what`: "image" or
/// "instructions").
pub fn named(mut e: Error, what: &str) -> Error {
    e.message = format!("{what}: {}", e.message);
    e
}

/// Draws a part of a picture at a size and encodes it: the platform's
/// canvas, or the pure-Rust codec.
#[allow(async_fn_in_trait)]
pub trait Painter {
    /// `crop` of the picture drawn at `width`×`height`, encoded as
    /// `encoding`; `None` when the painter knows, before it is done, that
    /// the result would be more than `max_bytes` (it may also return a
    /// larger result, which the caller refuses).
    async fn paint(
        &mut self,
        crop: Crop,
        width: u32,
        height: u32,
        encoding: Encoding,
        max_bytes: usize,
    ) -> Result<Option<Encoded>>;
}

/// Draws `crop` at the largest size within `limits.max_side`, and tries
/// each encoding of `ladder`; when none is within `limits.max_bytes`,
/// does the same at 70 % of the size, up to six times. `what` names the
/// argument in the message when nothing fits.
pub async fn encode_within<P: Painter>(
    painter: &mut P,
    crop: Crop,
    limits: Limits,
    placement: Option<Placement>,
    ladder: &[Encoding],
    what: &str,
) -> Result<Prepared> {
    for (width, height) in sizes(crop, limits.max_side) {
        for &encoding in ladder {
            let painted = painter
                .paint(crop, width, height, encoding, limits.max_bytes)
                .await?;
            if let Some(encoded) = painted.filter(|e| e.len() <= limits.max_bytes) {
                return Ok(Prepared {
                    data_url: encoded.into_data_url(encoding.mime()),
                    scaling: Scaling {
                        original_width: crop.width,
                        original_height: crop.height,
                        sent_width: width,
                        sent_height: height,
                    },
                    placement,
                });
            }
        }
    }
    Err(Error::image(
        "IMAGE_TOO_LARGE",
        format!(
            "the {what} could not be brought under {} bytes",
            limits.max_bytes
        ),
    ))
}

/// The sizes tried for `crop`: within `max_side`, then 70 % of the one
/// before, six times in all.
pub fn sizes(crop: Crop, max_side: u32) -> impl Iterator<Item = (u32, u32)> {
    let first = fit_within(crop.width, crop.height, max_side);
    std::iter::successors(Some(first), |&(w, h)| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let side = (f64::from(w.max(h)) * 0.7) as u32;
        Some(fit_within(w, h, side.max(1)))
    })
    .take(SHRINKS)
}

/// The output of a future that never waits (a painter that answers at
/// once, as the codec does): one poll completes it.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::panic)]
pub(crate) fn ready<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => panic!("a future that waits"),
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::image::sniff::{Format, Orientation};

    fn info(format: Format, width: u32, height: u32) -> ImageInfo {
        ImageInfo {
            format,
            width,
            height,
            orientation: None,
        }
    }

    #[test]
    fn sent_as_is_only_when_nothing_needs_changing() {
        let limits = Limits::DEFAULT;
        let png = info(Format::Png, 800, 600);
        assert!(matches!(
            for_bytes(&png, 10_000, limits, None).unwrap(),
            Plan::AsIs { .. }
        ));
        // Too wide, too heavy, a format not every provider takes, a crop.
        for (i, len, region) in [
            (info(Format::Png, 1280, 800), 10_000, None),
            (png, 600_000, None),
            (info(Format::Webp, 800, 600), 10_000, None),
            (
                png,
                10_000,
                Some(Region::new(10.0, 10.0, 100.0, 100.0).with_viewport_width(800.0)),
            ),
        ] {
            assert!(
                matches!(
                    for_bytes(&i, len, limits, region).unwrap(),
                    Plan::Redraw { .. }
                ),
                "{i:?} {len} {region:?}"
            );
        }
    }

    #[test]
    fn an_exif_orientation_is_applied_and_the_shown_size_planned() {
        let mut jpeg = info(Format::Jpeg, 800, 600);
        jpeg.orientation = Some(Orientation::Rotate90);
        let Plan::Redraw { crop, ladder, .. } =
            for_bytes(&jpeg, 10_000, Limits::DEFAULT, None).unwrap()
        else {
            panic!("an oriented JPEG is redrawn");
        };
        assert_eq!((crop.width, crop.height), (600, 800));
        // A photo is sent as a JPEG again; anything else tries PNG first.
        assert_eq!(ladder, &PHOTO_LADDER);
        let Plan::Redraw { ladder, .. } =
            for_bytes(&info(Format::Webp, 8, 8), 100, Limits::DEFAULT, None).unwrap()
        else {
            panic!("a WebP is redrawn");
        };
        assert_eq!(ladder, &LADDER);
        // A PNG of noise: 11 MB for 2560×1600, so 1.9 MB even at 1000 px.
        let Plan::Redraw { ladder, .. } = for_bytes(
            &info(Format::Png, 2560, 1600),
            11_000_000,
            Limits::DEFAULT,
            None,
        )
        .unwrap() else {
            panic!("a wide PNG is redrawn");
        };
        assert_eq!(ladder, &PHOTO_LADDER);
        // An ordinary screenshot, 300 kB for the same size: PNG first.
        let Plan::Redraw { ladder, .. } = for_bytes(
            &info(Format::Png, 2560, 1600),
            300_000,
            Limits::DEFAULT,
            None,
        )
        .unwrap() else {
            panic!("a wide PNG is redrawn");
        };
        assert_eq!(ladder, &LADDER);
    }

    #[test]
    fn a_png_is_sampled_only_when_it_might_not_fit() {
        // 500,000 bytes: any PNG of up to 125,000 pixels fits.
        assert!(png_always_fits(350, 350, 500_000));
        assert!(!png_always_fits(640, 480, 500_000));
        // The benchmark's 640×480 photo: 2.60 bytes a pixel by its sample.
        assert!(png_over(2.60, 640, 480, 500_000));
        assert!(!png_over(0.145, 640, 480, 500_000));
    }

    #[test]
    fn a_data_url_counts_the_bytes_its_base64_holds() {
        for n in 0..10 {
            let bytes = vec![7u8; n];
            let url = data_url("image/png", &bytes);
            assert_eq!(Encoded::DataUrl(url).len(), n);
        }
    }

    #[test]
    fn sizes_shrink_to_seventy_percent_six_times() {
        let all: Vec<_> = sizes(Crop::whole(4000, 3000), 1000).collect();
        assert_eq!(
            all,
            vec![
                (1000, 750),
                (700, 525),
                (489, 367),
                (342, 257),
                (239, 180),
                (167, 126)
            ]
        );
    }

    /// A painter whose encodings are `sizes(width, height, encoding)` bytes.
    struct Counting<F: Fn(u32, u32, Encoding) -> usize>(F, Vec<(u32, u32, Encoding)>);

    impl<F: Fn(u32, u32, Encoding) -> usize> Painter for Counting<F> {
        async fn paint(
            &mut self,
            _: Crop,
            w: u32,
            h: u32,
            e: Encoding,
            _: usize,
        ) -> Result<Option<Encoded>> {
            self.1.push((w, h, e));
            Ok(Some(Encoded::Bytes(vec![0; (self.0)(w, h, e)])))
        }
    }

    fn run<F: Fn(u32, u32, Encoding) -> usize>(
        p: &mut Counting<F>,
        limits: Limits,
    ) -> Result<Prepared> {
        ready(encode_within(
            p,
            Crop::whole(2000, 1000),
            limits,
            None,
            &LADDER,
            "image",
        ))
    }

    #[test]
    fn the_ladder_goes_png_then_jpeg_then_smaller() {
        // PNG is always too big; JPEG 0.8 fits from the second size on.
        let mut p = Counting(
            |w, _, e| match e {
                Encoding::Png => 10_000_000,
                Encoding::Jpeg(q) if q < 0.9 && w < 1000 => 1_000,
                Encoding::Jpeg(_) => 900_000,
            },
            Vec::new(),
        );
        let prepared = run(&mut p, Limits::DEFAULT).unwrap();
        assert!(
            prepared
                .data_url
                .as_ref()
                .starts_with("data:image/jpeg;base64,")
        );
        assert_eq!(
            (prepared.scaling.sent_width, prepared.scaling.sent_height),
            (700, 350)
        );
        assert_eq!(
            p.1,
            vec![
                (1000, 500, Encoding::Png),
                (1000, 500, Encoding::Jpeg(0.92)),
                (1000, 500, Encoding::Jpeg(0.8)),
                (1000, 500, Encoding::Jpeg(0.65)),
                (700, 350, Encoding::Png),
                (700, 350, Encoding::Jpeg(0.92)),
                (700, 350, Encoding::Jpeg(0.8)),
            ]
        );
        let mut never = Counting(|_, _, _| 10_000_000, Vec::new());
        assert_eq!(
            run(&mut never, Limits::DEFAULT).unwrap_err().code,
            "IMAGE_TOO_LARGE"
        );
        assert_eq!(never.1.len(), 24);
    }
}
