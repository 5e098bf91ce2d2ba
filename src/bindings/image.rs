//! A JS value → [`Image`]: which of the accepted forms it is.

use crate::error::{Error, Result};
use crate::image::Image;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

fn prop(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn detached(what: &str) -> Error {
    Error::image(
        "DETACHED_BUFFER",
        format!("the {what} ArrayBuffer is detached (it was transferred)"),
    )
}

/// Reads `value` as an image; `what` names the argument in messages
/// ("image" or "instructions").
pub fn image_from_js(value: &JsValue, what: &str) -> Result<Image> {
    if value.is_string() {
        return Ok(Image::Text(value.clone().unchecked_into()));
    }
    if !value.is_object() {
        return Err(unsupported(value, what));
    }
    if let Some(buf) = value.dyn_ref::<ArrayBuffer>() {
        if prop(buf, "detached").as_bool() == Some(true) {
            return Err(detached(what));
        }
        return Ok(Image::Bytes(Uint8Array::new(buf).to_vec()));
    }
    if ArrayBuffer::is_view(value) {
        let buffer = prop(value, "buffer");
        if prop(&buffer, "detached").as_bool() == Some(true) {
            return Err(detached(what));
        }
        let n = |k| prop(value, k).as_f64().unwrap_or(0.0) as u32;
        return buffer
            .dyn_ref::<ArrayBuffer>()
            .map(|b| {
                Image::Bytes(
                    Uint8Array::new_with_byte_offset_and_length(
                        b,
                        n("byteOffset"),
                        n("byteLength"),
                    )
                    .to_vec(),
                )
            })
            .ok_or_else(|| unsupported(value, what));
    }
    let image = if let Some(v) = value.dyn_ref::<web_sys::Blob>() {
        Image::Blob(v.clone())
    } else if let Some(v) = value.dyn_ref::<web_sys::HtmlImageElement>() {
        Image::Element(v.clone())
    } else if let Some(v) = value.dyn_ref::<web_sys::ImageData>() {
        Image::Data(v.clone())
    } else if let Some(v) = value.dyn_ref::<web_sys::ImageBitmap>() {
        Image::Bitmap(v.clone())
    } else if let Some(v) = value.dyn_ref::<web_sys::HtmlCanvasElement>() {
        Image::Canvas(v.clone())
    } else if let Some(v) = value.dyn_ref::<web_sys::OffscreenCanvas>() {
        Image::OffscreenCanvas(v.clone())
    } else {
        return Err(unsupported(value, what));
    };
    Ok(image)
}

fn unsupported(input: &JsValue, what: &str) -> Error {
    let kind = if input.is_null() {
        "null".to_owned()
    } else {
        input.js_typeof().as_string().unwrap_or_default()
    };
    Error::validation(
        "INVALID_IMAGE_INPUT",
        format!(
            "{what} must be a canvas, <img>, ImageBitmap, ImageData, Blob/File, ArrayBuffer/Uint8Array, \
             base64 string or data URL, not {kind}"
        ),
    )
}
