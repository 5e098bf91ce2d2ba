//! Reading every [`Image`] form into bytes, and shrinking or
//! re-encoding in the browser (pages and workers alike: `createImageBitmap`
//! and `OffscreenCanvas`) when the providers would refuse it as it is.

use super::Image;
use super::encoding::{self, data_url, with_base64};
use super::region::{Crop, Placement, Region};
use super::sizing::{Limits, Scaling, fit_within};
use super::sniff::{Format, sniff};
use crate::error::{Error, Result};
use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = createImageBitmap, catch)]
    fn create_image_bitmap(source: &JsValue) -> Result<Promise, JsValue>;

    /// A 2D context, used structurally: `drawImage` accepts every source.
    type Context2d;
    #[wasm_bindgen(method, catch, js_name = drawImage)]
    fn draw_image(
        this: &Context2d,
        source: &JsValue,
        sx: f64,
        sy: f64,
        sw: f64,
        sh: f64,
        dx: f64,
        dy: f64,
        dw: f64,
        dh: f64,
    ) -> Result<(), JsValue>;
}

/// An image ready to send.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The data URL that goes into the request.
    pub data_url: String,
    /// Original and sent sizes.
    pub scaling: Scaling,
    /// With a region: how the sent crop's points map to its CSS pixels.
    pub placement: Option<Placement>,
}

/// Something that can be drawn: an element, a bitmap, a canvas, of which
/// the `crop` is sent. A bitmap this module made itself is closed when
/// dropped.
struct Pixels {
    source: JsValue,
    crop: Crop,
    owned: bool,
}

impl Pixels {
    fn new(source: JsValue, width: u32, height: u32, owned: bool) -> Self {
        Self {
            source,
            crop: Crop::whole(width, height),
            owned,
        }
    }

    fn borrowed(source: &JsValue, width: u32, height: u32) -> Self {
        Self::new(source.clone(), width, height, false)
    }
}

impl Drop for Pixels {
    fn drop(&mut self) {
        if self.owned
            && let Some(bitmap) = self.source.dyn_ref::<web_sys::ImageBitmap>()
        {
            bitmap.close();
        }
    }
}

/// Reads `image`, crops it to `region` (if given), checks it, and shrinks
/// or re-encodes it when it exceeds `limits` or is cropped. `what` names
/// the argument in messages ("image" or "instructions").
pub async fn prepare(
    image: Image,
    limits: Limits,
    what: &'static str,
    region: Option<Region>,
) -> Result<Prepared> {
    match read(image, what).await? {
        Input::Bytes(bytes, base64) => from_bytes(bytes, base64, limits, what, region).await,
        Input::Pixels(mut px) => {
            let placement = locate(region, &mut px.crop)?;
            encode(px, limits, what, placement).await
        }
    }
}

/// Narrows `crop` (the whole image) to `region`; the placement that maps
/// the answer back.
fn locate(region: Option<Region>, crop: &mut Crop) -> Result<Option<Placement>> {
    let Some(region) = region else {
        return Ok(None);
    };
    let (c, placement) = region.locate(crop.width, crop.height).ok_or_else(|| {
        Error::image(
            "REGION_OUTSIDE_IMAGE",
            format!(
                "options.region lies outside the {}×{} pixel screenshot (check x, y and viewportWidth)",
                crop.width, crop.height
            ),
        )
    })?;
    *crop = c;
    Ok(Some(placement))
}

enum Input {
    /// Bytes, and their base64 when the caller gave that.
    Bytes(Vec<u8>, Option<String>),
    Pixels(Pixels),
}

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

async fn read(image: Image, what: &'static str) -> Result<Input> {
    match image {
        Image::Text(s) => {
            let d = encoding::decode(&s).map_err(|e| named(e, what))?;
            Ok(Input::Bytes(d.bytes, Some(d.base64)))
        }
        Image::Bytes(bytes) => non_empty(bytes, what).map(|b| Input::Bytes(b, None)),
        Image::Blob(blob) => {
            let buf = JsFuture::from(blob.array_buffer()).await.map_err(|e| {
                Error::image(
                    "UNREADABLE_BLOB",
                    format!("the {what} Blob could not be read: {}", js_message(&e)),
                )
            })?;
            non_empty(Uint8Array::new(&buf).to_vec(), what).map(|b| Input::Bytes(b, None))
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
            Ok(Input::Pixels(Pixels::borrowed(&img, w, h)))
        }
        Image::Data(data) => {
            let (w, h) = (data.width(), data.height());
            let bitmap = bitmap_from(&data, what).await?;
            Ok(Input::Pixels(Pixels::new(bitmap, w, h, true)))
        }
        Image::Bitmap(bitmap) => {
            let (w, h) = (bitmap.width(), bitmap.height());
            if w == 0 || h == 0 {
                return Err(Error::image(
                    "CLOSED_BITMAP",
                    format!("the {what} ImageBitmap is closed or empty"),
                ));
            }
            Ok(Input::Pixels(Pixels::borrowed(&bitmap, w, h)))
        }
        Image::Canvas(c) => canvas(&c, c.width(), c.height(), what),
        Image::OffscreenCanvas(c) => canvas(&c, c.width(), c.height(), what),
    }
}

fn canvas(source: &JsValue, w: u32, h: u32, what: &str) -> Result<Input> {
    if w == 0 || h == 0 {
        return Err(Error::image(
            "EMPTY_IMAGE",
            format!("the {what} canvas is {w}×{h} pixels"),
        ));
    }
    Ok(Input::Pixels(Pixels::borrowed(source, w, h)))
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

fn named(mut e: Error, what: &str) -> Error {
    e.message = format!("{what}: {}", e.message);
    e
}

fn js_message(e: &JsValue) -> String {
    prop(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_default()
}

fn is_security_error(e: &JsValue) -> bool {
    prop(e, "name").as_string().as_deref() == Some("SecurityError")
}

async fn bitmap_from(source: &JsValue, what: &str) -> Result<JsValue> {
    let promise = create_image_bitmap(source).map_err(|_| no_encoder(what))?;
    JsFuture::from(promise).await.map_err(|e| {
        Error::image(
            "UNDECODABLE_IMAGE",
            format!("the {what} could not be decoded: {}", js_message(&e)),
        )
    })
}

fn no_encoder(what: &str) -> Error {
    Error::image(
        "NO_IMAGE_ENCODER",
        format!(
            "the {what} must be shrunk or converted, and this environment has no createImageBitmap/OffscreenCanvas \
             (Node): pass PNG, JPEG or GIF bytes within maxImageBytes and maxImageSide"
        ),
    )
}

async fn from_bytes(
    bytes: Vec<u8>,
    base64: Option<String>,
    limits: Limits,
    what: &'static str,
    region: Option<Region>,
) -> Result<Prepared> {
    let info = sniff(&bytes).map_err(|e| named(e, what))?;
    let mut crop = Crop::whole(info.width, info.height);
    let placement = locate(region, &mut crop)?;
    if info.format.is_accepted()
        && limits.admits(info.width, info.height, bytes.len())
        && crop.is_whole(info.width, info.height)
    {
        let mime = info.format.mime();
        return Ok(Prepared {
            data_url: match base64 {
                Some(b64) => with_base64(mime, &b64),
                None => data_url(mime, &bytes),
            },
            scaling: Scaling::identity(info.width, info.height),
            placement,
        });
    }
    let blob = blob_of(&bytes, info.format)?;
    // The Blob holds its own copy: free ours before decoding, so that
    // screenshots being prepared at once are not all in wasm memory
    // (which never shrinks) together.
    drop(bytes);
    let bitmap = bitmap_from(&blob, what).await?;
    let mut px = Pixels::new(bitmap, info.width, info.height, true);
    px.crop = crop;
    encode(px, limits, what, placement).await
}

fn blob_of(bytes: &[u8], format: Format) -> Result<JsValue> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(format.mime());
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map(Into::into)
        .map_err(|_| Error::image("NO_IMAGE_ENCODER", "this environment cannot make a Blob"))
}

/// Draws `px` at a size within `limits` and encodes it: PNG when it fits,
/// else JPEG at falling quality, else smaller.
async fn encode(
    px: Pixels,
    limits: Limits,
    what: &'static str,
    placement: Option<Placement>,
) -> Result<Prepared> {
    let c = px.crop;
    let (mut w, mut h) = fit_within(c.width, c.height, limits.max_side);
    for _shrink in 0..6 {
        let canvas = web_sys::OffscreenCanvas::new(w, h).map_err(|_| no_encoder(what))?;
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or_else(|| no_encoder(what))?
            .unchecked_into::<Context2d>();
        let _ = Reflect::set(
            &ctx,
            &JsValue::from_str("imageSmoothingQuality"),
            &JsValue::from_str("high"),
        );
        ctx.draw_image(
            &px.source,
            f64::from(c.x),
            f64::from(c.y),
            f64::from(c.width),
            f64::from(c.height),
            0.0,
            0.0,
            f64::from(w),
            f64::from(h),
        )
        .map_err(|e| failure(&e, what, "UNDECODABLE_IMAGE", "drawn"))?;
        for (mime, quality) in [
            ("image/png", None),
            ("image/jpeg", Some(0.92)),
            ("image/jpeg", Some(0.8)),
            ("image/jpeg", Some(0.65)),
        ] {
            let bytes = to_bytes(&canvas, mime, quality, what).await?;
            if bytes.len() <= limits.max_bytes {
                return Ok(Prepared {
                    data_url: data_url(mime, &bytes),
                    scaling: Scaling {
                        original_width: c.width,
                        original_height: c.height,
                        sent_width: w,
                        sent_height: h,
                    },
                    placement,
                });
            }
        }
        (w, h) = fit_within(w, h, (w.max(h) as f64 * 0.7) as u32);
    }
    Err(Error::image(
        "IMAGE_TOO_LARGE",
        format!(
            "the {what} could not be brought under {} bytes",
            limits.max_bytes
        ),
    ))
}

/// A canvas call's rejection: a tainted canvas says what to do; anything
/// else is `code`, saying the image could not be `done`.
fn failure(e: &JsValue, what: &str, code: &'static str, done: &str) -> Error {
    if is_security_error(e) {
        tainted(what)
    } else {
        Error::image(
            code,
            format!("the {what} could not be {done}: {}", js_message(e)),
        )
    }
}

fn tainted(what: &str) -> Error {
    Error::image(
        "TAINTED_CANVAS",
        format!(
            "the {what} comes from another origin, so the browser forbids reading its pixels (a tainted canvas): \
             load it with crossorigin=\"anonymous\" from a server that sends CORS headers, or fetch the image URL \
             yourself (e.g. from an extension's service worker) and pass the Blob"
        ),
    )
}

async fn to_bytes(
    canvas: &web_sys::OffscreenCanvas,
    mime: &str,
    quality: Option<f64>,
    what: &str,
) -> Result<Vec<u8>> {
    let opts = web_sys::ImageEncodeOptions::new();
    opts.set_type(mime);
    if let Some(q) = quality {
        opts.set_quality(q);
    }
    let fail = |e: JsValue| failure(&e, what, "ENCODE_FAILED", "encoded");
    let promise = canvas.convert_to_blob_with_options(&opts).map_err(fail)?;
    let blob: web_sys::Blob = JsFuture::from(promise)
        .await
        .map_err(fail)?
        .unchecked_into();
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(fail)?;
    Ok(Uint8Array::new(&buf).to_vec())
}
