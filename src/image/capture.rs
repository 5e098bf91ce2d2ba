//! Reading every [`Image`] form, and the browser's painter: shrinking,
//! cropping or re-encoding with `createImageBitmap` and `OffscreenCanvas`
//! (pages and workers alike) when the plan says the image cannot go as it
//! is. Where the platform has no canvas (Node), bytes go to the pure-Rust
//! codec when the crate has it (the `codec` feature).

use super::Image;
use super::encoding;
use super::plan::{self, Encoded, Encoding, Painter, Prepared, named};
use super::region::{Crop, Region};
use super::sizing::Limits;
use super::sniff::Format;
use super::source::{Decision, Source};
use crate::chars::Chars;
use crate::error::{Error, Result};
use js_sys::{JsString, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = createImageBitmap, catch)]
    fn create_image_bitmap(source: &JsValue) -> Result<Promise, JsValue>;

    /// A 2D context, used structurally: `drawImage` accepts every source.
    type Context2d;
    /// `document.createElement` (pages only: a worker has no document).
    #[wasm_bindgen(js_namespace = document, js_name = createElement, catch)]
    fn create_element(tag: &str) -> Result<CanvasElement, JsValue>;
    #[wasm_bindgen(method, catch, js_name = getContext)]
    fn get_context_of(this: &CanvasElement, kind: &str) -> Result<JsValue, JsValue>;

    /// A canvas element, used structurally: `toDataURL` with its answer
    /// left a JS string.
    type CanvasElement;
    #[wasm_bindgen(method, catch, js_name = toDataURL)]
    fn to_data_url(this: &CanvasElement, mime: &str, quality: JsValue)
    -> Result<JsString, JsValue>;

    #[wasm_bindgen(method, js_name = clearRect)]
    fn clear_rect(this: &Context2d, x: f64, y: f64, w: f64, h: f64);
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

thread_local! {
    /// The canvas element samples are drawn on, kept between calls because
    /// making one and its context costs more than a sample. Never shared
    /// with a caller. It holds the rows of one sample of the widest picture
    /// sampled (at most `maxImageSide` × 16 × 4 bytes), and is dropped when
    /// it cannot be read (a cross-origin picture tainted it).
    static SAMPLE: std::cell::RefCell<Option<(CanvasElement, Context2d)>> =
        const { std::cell::RefCell::new(None) };
}

/// The sample canvas, `width`×`height` and clear, with its 2D context; or
/// `None` where there is no document (a worker).
fn sample_canvas(width: u32, height: u32) -> Option<(CanvasElement, Context2d)> {
    SAMPLE.with_borrow_mut(|kept| {
        if kept.is_none() {
            let canvas = create_element("canvas").ok()?;
            let ctx = canvas
                .get_context_of("2d")
                .ok()
                .filter(JsValue::is_object)?;
            *kept = Some((canvas, ctx.unchecked_into()));
        }
        let (canvas, ctx) = kept.as_ref()?;
        for (key, value) in [("width", width), ("height", height)] {
            let key = JsValue::from_str(key);
            // Setting a canvas's size clears it even when unchanged, at the
            // cost of a new bitmap: only a change is written.
            if Reflect::get(canvas, &key).ok().and_then(|v| v.as_f64()) != Some(f64::from(value)) {
                let _ = Reflect::set(canvas, &key, &JsValue::from(value));
            }
        }
        ctx.clear_rect(0.0, 0.0, f64::from(width), f64::from(height));
        let canvas: &JsValue = canvas.as_ref();
        let ctx: &JsValue = ctx.as_ref();
        Some((
            canvas.clone().unchecked_into(),
            ctx.clone().unchecked_into(),
        ))
    })
}

/// Something a canvas can draw (an element, a bitmap, a canvas) of
/// `width`×`height` pixels, as the platform's [`Painter`]. A bitmap this
/// module made itself is closed when dropped.
struct CanvasPainter {
    source: JsValue,
    width: u32,
    height: u32,
    owned: bool,
    /// The canvas of the last size drawn, kept while encodings are tried.
    canvas: Option<web_sys::OffscreenCanvas>,
    what: &'static str,
}

impl CanvasPainter {
    fn new(source: JsValue, width: u32, height: u32, owned: bool, what: &'static str) -> Self {
        Self {
            source,
            width,
            height,
            owned,
            canvas: None,
            what,
        }
    }

    fn borrowed(source: &JsValue, width: u32, height: u32, what: &'static str) -> Self {
        Self::new(source.clone(), width, height, false, what)
    }

    /// `crop` drawn on a fresh `width`×`height` canvas.
    fn draw(&self, crop: Crop, width: u32, height: u32) -> Result<web_sys::OffscreenCanvas> {
        // Smoothing "high" (bicubic) costs several times the default "low"
        // (bilinear), and gains nothing until the picture shrinks more than
        // 2×, where bilinear starts to skip source pixels.
        let high = width.saturating_mul(2) < crop.width;
        let (canvas, ctx) = self.canvas_2d(width, height, high)?;
        self.draw_part(&ctx, &self.source, crop, 0, width, height)?;
        Ok(canvas)
    }

    /// A fresh `width`×`height` canvas and its 2D context.
    fn canvas_2d(
        &self,
        width: u32,
        height: u32,
        high: bool,
    ) -> Result<(web_sys::OffscreenCanvas, Context2d)> {
        let what = self.what;
        let canvas = web_sys::OffscreenCanvas::new(width, height).map_err(|_| no_encoder(what))?;
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .ok_or_else(|| no_encoder(what))?
            .unchecked_into::<Context2d>();
        if high {
            let _ = Reflect::set(
                &ctx,
                &JsValue::from_str("imageSmoothingQuality"),
                &JsValue::from_str("high"),
            );
        }
        Ok((canvas, ctx))
    }

    /// `part` of `from` drawn `width`×`height` at row `y` of `ctx`.
    fn draw_part(
        &self,
        ctx: &Context2d,
        from: &JsValue,
        part: Crop,
        y: u32,
        width: u32,
        height: u32,
    ) -> Result<()> {
        ctx.draw_image(
            from,
            f64::from(part.x),
            f64::from(part.y),
            f64::from(part.width),
            f64::from(part.height),
            0.0,
            f64::from(y),
            f64::from(width),
            f64::from(height),
        )
        .map_err(|e| failure(&e, self.what, "UNDECODABLE_IMAGE", "drawn"))
    }

    /// Whether a PNG of `from` (a picture of `width`×`height`, as sent)
    /// would be over `max_bytes`, by a sample: two bands of eight rows, at
    /// a quarter and three quarters of its height, as a PNG, on the kept
    /// sample canvas (used and left within this one synchronous call, so
    /// concurrent calls never share it mid-sample). The estimate errs
    /// high: a band's first row has no row above to predict it from, so
    /// fewer, taller bands estimate closer for the same cost. `false`
    /// without asking when any PNG of that size fits, and where there is
    /// no canvas element to sample on (a worker).
    fn png_over(&self, from: &JsValue, width: u32, height: u32, max_bytes: usize) -> Result<bool> {
        const BANDS: u32 = 2;
        const ROWS: u32 = 8;
        if plan::png_always_fits(width, height, max_bytes) {
            return Ok(false);
        }
        // A canvas element encodes at once (toDataURL); a worker has none,
        // and an OffscreenCanvas's convertToBlob waits longer than the
        // sample saves: there PNG is simply tried.
        let Some((sample, ctx)) = sample_canvas(width, BANDS * ROWS) else {
            return Ok(false);
        };
        for band in 0..BANDS {
            let band_crop = Crop {
                x: 0,
                y: height.saturating_sub(ROWS) / (2 * BANDS) * (2 * band + 1),
                width,
                height: ROWS,
            };
            self.draw_part(&ctx, from, band_crop, band * ROWS, width, ROWS)?;
        }
        let png = sample
            .to_data_url("image/png", JsValue::UNDEFINED)
            .map_err(|e| {
                // A cross-origin picture taints the canvas it is drawn on
                // for good: the next sample gets a new one.
                SAMPLE.with_borrow_mut(|kept| *kept = None);
                failure(&e, self.what, "ENCODE_FAILED", "encoded")
            })?;
        let bytes = encoding::base64_bytes(&Chars::from(png)) as f64;
        let density = bytes / (f64::from(width) * f64::from(BANDS * ROWS));
        Ok(plan::png_over(density, width, height, max_bytes))
    }
}

impl Painter for CanvasPainter {
    async fn paint(
        &mut self,
        crop: Crop,
        width: u32,
        height: u32,
        encoding: Encoding,
        max_bytes: usize,
    ) -> Result<Option<Encoded>> {
        // All of a canvas at its own size is encoded as it is, not drawn
        // again (toDataURL is what a caller would write by hand).
        let whole =
            crop.is_whole(self.width, self.height) && (width, height) == (self.width, self.height);
        let own = whole
            && (self.source.is_instance_of::<web_sys::HtmlCanvasElement>()
                || self.source.is_instance_of::<web_sys::OffscreenCanvas>());
        let from: JsValue = if own {
            self.source.clone()
        } else {
            if self
                .canvas
                .as_ref()
                .is_none_or(|c| (c.width(), c.height()) != (width, height))
            {
                self.canvas = Some(self.draw(crop, width, height)?);
            }
            match &self.canvas {
                Some(c) => c.into(),
                None => return Err(no_encoder(self.what)),
            }
        };
        if encoding == Encoding::Png && self.png_over(&from, width, height, max_bytes)? {
            return Ok(None);
        }
        if let Some(c) = from.dyn_ref::<web_sys::HtmlCanvasElement>() {
            let quality = match encoding {
                Encoding::Png => JsValue::UNDEFINED,
                Encoding::Jpeg(q) => JsValue::from_f64(q),
            };
            return c
                .unchecked_ref::<CanvasElement>()
                .to_data_url(encoding.mime(), quality)
                .map(|u| Some(Encoded::DataUrl(Chars::from(u))))
                .map_err(|e| failure(&e, self.what, "ENCODE_FAILED", "encoded"));
        }
        encoded(from.unchecked_ref(), encoding, self.what)
            .await
            .map(Some)
    }
}

impl Drop for CanvasPainter {
    fn drop(&mut self) {
        if self.owned
            && let Some(bitmap) = self.source.dyn_ref::<web_sys::ImageBitmap>()
        {
            bitmap.close();
        }
    }
}

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

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
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
    let runtime = crate::transport::runtime().name();
    Error::image(
        "NO_IMAGE_ENCODER",
        format!(
            "the {what} must be shrunk, cropped or converted, and {runtime} has no createImageBitmap/OffscreenCanvas: \
             import the package by its name (\"anysolver-coordinates\"), whose entry for Node, Deno, Bun and \
             Cloudflare Workers has an image codec, or pass PNG, JPEG or GIF bytes within maxImageBytes and maxImageSide"
        ),
    )
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

/// `canvas` encoded as `encoding` (`convertToBlob`), its bytes.
async fn encoded(
    canvas: &web_sys::OffscreenCanvas,
    encoding: Encoding,
    what: &str,
) -> Result<Encoded> {
    let opts = web_sys::ImageEncodeOptions::new();
    opts.set_type(encoding.mime());
    if let Encoding::Jpeg(q) = encoding {
        opts.set_quality(q);
    }
    let fail = |e: JsValue| failure(&e, what, "ENCODE_FAILED", "encoded");
    let promise = canvas.convert_to_blob_with_options(&opts).map_err(fail)?;
    let blob: web_sys::Blob = JsFuture::from(promise)
        .await
        .map_err(fail)?
        .unchecked_into();
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(fail)?;
    Ok(Encoded::Bytes(Uint8Array::new(&buf).to_vec()))
}
