//! The platform's image calls that the canvas painter and the PNG sampler
//! share: `createImageBitmap`, `drawImage`, a canvas element's `toDataURL`
//! and an `OffscreenCanvas`'s `convertToBlob`, and what their failures
//! tell a caller (a tainted canvas says how to avoid it, a missing canvas
//! where to find a codec).

use super::plan::{Encoded, Encoding};
use crate::error::{Error, Result};
use crate::geometry::region::Crop;
use js_sys::{JsString, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = createImageBitmap, catch)]
    fn create_image_bitmap(source: &JsValue) -> Result<Promise, JsValue>;

    /// A 2D context, used structurally: `drawImage` accepts every source.
    pub(super) type Context2d;
    /// `document.createElement` (pages only: a worker has no document).
    #[wasm_bindgen(js_namespace = document, js_name = createElement, catch)]
    pub(super) fn create_element(tag: &str) -> Result<CanvasElement, JsValue>;
    #[wasm_bindgen(method, catch, js_name = getContext)]
    pub(super) fn get_context_of(this: &CanvasElement, kind: &str) -> Result<JsValue, JsValue>;

    /// A canvas element, used structurally: `toDataURL` with its answer
    /// left a JS string.
    pub(super) type CanvasElement;
    #[wasm_bindgen(method, catch, js_name = toDataURL)]
    pub(super) fn to_data_url(
        this: &CanvasElement,
        mime: &str,
        quality: JsValue,
    ) -> Result<JsString, JsValue>;

    #[wasm_bindgen(method, js_name = clearRect)]
    pub(super) fn clear_rect(this: &Context2d, x: f64, y: f64, w: f64, h: f64);
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

/// `part` of `from` drawn `width`×`height` at row `y` of `ctx`. `what`
/// names the argument in the error.
pub(super) fn draw_part(
    ctx: &Context2d,
    from: &JsValue,
    part: Crop,
    y: u32,
    width: u32,
    height: u32,
    what: &str,
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
    .map_err(|e| failure(&e, what, "UNDECODABLE_IMAGE", "drawn"))
}

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn js_message(e: &JsValue) -> String {
    prop(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_default()
}

fn is_security_error(e: &JsValue) -> bool {
    prop(e, "name").as_string().as_deref() == Some("SecurityError")
}

pub(super) async fn bitmap_from(source: &JsValue, what: &str) -> Result<JsValue> {
    let promise = create_image_bitmap(source).map_err(|_| no_encoder(what))?;
    JsFuture::from(promise).await.map_err(|e| {
        Error::image(
            "UNDECODABLE_IMAGE",
            format!("the {what} could not be decoded: {}", js_message(&e)),
        )
    })
}

pub(super) fn no_encoder(what: &str) -> Error {
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

/// A canvas call's rejection: a tainted canvas says what to do; anything
/// else is `code`, saying the image could not be `done`.
pub(super) fn failure(e: &JsValue, what: &str, code: &'static str, done: &str) -> Error {
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
pub(super) async fn encoded(
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
