//! Reading every [`Image`] form a JS caller may pass, and sending it on:
//! encoded bytes and base64 to the plan (and, where it must be redrawn, to
//! the canvas painter, or to the pure-Rust codec where the platform has no
//! canvas and the crate has the `codec` feature); pictures the platform
//! draws (an `<img>`, `ImageData`, a bitmap, a canvas) to the canvas
//! painter.

use super::Image;
use super::canvas::{bitmap_from, js_message};
use super::canvas_painter::CanvasPainter;
use super::encoding;
use super::plan::{self, Prepared, named};
use super::sizing::Limits;
use super::sniff::Format;
use super::source::{Decision, Source};
use crate::error::{Error, Result};
use crate::geometry::region::Region;
use crate::platform_text::Chars;
#[cfg(feature = "codec")]
use js_sys::Reflect;
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// Reads `image`, crops it to `region` (if given), checks it, and shrinks
/// or re-encodes it when the plan says so. `what` names the argument in
/// messages ("image" or "instructions").
pub async fn prepare(
    image: Image,
    limits: Limits,
    what: &'static str,
    region: Option<Region>,
) -> Result<Prepared> {
    match read(image, what).await? {
        Input::Encoded(source) => from_source(source, limits, what, region).await,
        Input::Pixels(mut px) => {
            let (crop, placement) = plan::locate(region, px.width, px.height)?;
            plan::encode_within(&mut px, crop, limits, placement, &plan::LADDER, what).await
        }
    }
}

enum Input {
    /// Encoded bytes, or base64 not decoded yet.
    Encoded(Source),
    Pixels(CanvasPainter),
}

async fn read(image: Image, what: &'static str) -> Result<Input> {
    match image {
        Image::Text(s) => {
            let text = encoding::read(&Chars::from(s)).map_err(|e| named(e, what))?;
            Ok(Input::Encoded(Source::Text(text)))
        }
        Image::Bytes(bytes) => non_empty(bytes, what).map(|b| Input::Encoded(Source::Bytes(b))),
        Image::Blob(blob) => {
            let buf = JsFuture::from(blob.array_buffer()).await.map_err(|e| {
                Error::image(
                    "UNREADABLE_BLOB",
                    format!("the {what} Blob could not be read: {}", js_message(&e)),
                )
            })?;
            non_empty(Uint8Array::new(&buf).to_vec(), what)
                .map(|b| Input::Encoded(Source::Bytes(b)))
        }
        Image::Element(img) => {
            if !img.complete() || img.natural_width() == 0 {
                JsFuture::from(img.decode()).await.map_err(|_| {
                    Error::image(
                        "IMAGE_LOAD_FAILED",
                        format!(
                            "the {what} <img> did not load (check its src, and that it is an image)"
                        ),
                    )
                })?;
            }
            let (w, h) = (img.natural_width(), img.natural_height());
            if w == 0 || h == 0 {
                return Err(Error::image(
                    "IMAGE_LOAD_FAILED",
                    format!("the {what} <img> has no pixels (it failed to load)"),
                ));
            }
            Ok(Input::Pixels(CanvasPainter::borrowed(&img, w, h, what)))
        }
        Image::Data(data) => {
            let (w, h) = (data.width(), data.height());
            let bitmap = bitmap_from(&data, what).await?;
            Ok(Input::Pixels(CanvasPainter::new(bitmap, w, h, true, what)))
        }
        Image::Bitmap(bitmap) => {
            let (w, h) = (bitmap.width(), bitmap.height());
            if w == 0 || h == 0 {
                return Err(Error::image(
                    "CLOSED_BITMAP",
                    format!("the {what} ImageBitmap is closed or empty"),
                ));
            }
            Ok(Input::Pixels(CanvasPainter::borrowed(&bitmap, w, h, what)))
        }
        Image::Canvas(c) => canvas(&c, c.width(), c.height(), what),
        Image::OffscreenCanvas(c) => canvas(&c, c.width(), c.height(), what),
    }
}

fn canvas(source: &JsValue, w: u32, h: u32, what: &'static str) -> Result<Input> {
    if w == 0 || h == 0 {
        return Err(Error::image(
            "EMPTY_IMAGE",
            format!("the {what} canvas is {w}×{h} pixels"),
        ));
    }
    Ok(Input::Pixels(CanvasPainter::borrowed(source, w, h, what)))
}

fn non_empty(bytes: Vec<u8>, what: &str) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::image(
            "EMPTY_INPUT",
            format!("the {what} holds no bytes"),
        ));
    }
    Ok(bytes)
}

/// Whether the platform can decode and draw: `createImageBitmap` and
/// `OffscreenCanvas` (every browser page and worker; not Node). Asked only
/// by a build with the codec to fall back on: without it, the canvas path
/// itself reports what is missing.
/// An `OffscreenCanvas` without a 2D context (Deno's) does not count.
#[cfg(feature = "codec")]
fn has_canvas() -> bool {
    thread_local! {
        static DRAWS: bool = {
            let global = js_sys::global();
            let has = |name: &str| {
                Reflect::get(&global, &JsValue::from_str(name)).is_ok_and(|v| v.is_function())
            };
            has("createImageBitmap")
                && has("OffscreenCanvas")
                && web_sys::OffscreenCanvas::new(1, 1)
                    .ok()
                    .and_then(|c| c.get_context("2d").ok().flatten())
                    .is_some()
        };
    }
    DRAWS.with(|draws| *draws)
}

async fn from_source(
    source: Source,
    limits: Limits,
    what: &'static str,
    region: Option<Region>,
) -> Result<Prepared> {
    #[cfg(feature = "codec")]
    if !has_canvas() {
        return super::codec::prepare(source, limits, what, region).await;
    }
    match source.decide(limits, what, region)? {
        Decision::Send(prepared) => Ok(prepared),
        Decision::Redraw {
            bytes,
            info,
            crop,
            placement,
            ladder,
        } => {
            let blob = blob_of(&bytes, info.format)?;
            // The Blob holds its own copy: free ours before decoding, so
            // that screenshots being prepared at once are not all in wasm
            // memory (which never shrinks) together.
            drop(bytes);
            // createImageBitmap applies a JPEG's EXIF orientation, as the
            // plan's shown size expects.
            let bitmap = bitmap_from(&blob, what).await?;
            let (width, height) = info.shown_size();
            let mut px = CanvasPainter::new(bitmap, width, height, true, what);
            plan::encode_within(&mut px, crop, limits, placement, ladder, what).await
        }
    }
}

fn blob_of(bytes: &[u8], format: Format) -> Result<JsValue> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(format.mime());
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map(Into::into)
        .map_err(|_| Error::image("NO_IMAGE_ENCODER", "this environment cannot make a Blob"))
}
