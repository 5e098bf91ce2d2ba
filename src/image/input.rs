//! [`Image`]: every form of image the client accepts, as a Rust type.

use std::fmt;
use web_sys::{Blob, HtmlCanvasElement, HtmlImageElement, ImageBitmap, ImageData, OffscreenCanvas};

/// An image to solve, or an instruction image.
///
/// Every form a page has converts into it with `From`: canvases, `<img>`
/// elements, bitmaps, pixel data, Blobs and Files, bytes, and base64 or a
/// data URL as text.
///
/// ```no_run
/// # fn f(canvas: web_sys::HtmlCanvasElement, png: Vec<u8>) {
/// use anysolver_coordinates::Image;
/// let a = Image::from(canvas);
/// let b = Image::from(png);
/// let c = Image::from("data:image/png;base64,iVBORw0KGgo...");
/// # }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Image {
    /// An `HTMLCanvasElement` (its pixels are read; a canvas tainted by
    /// another origin is refused with `TAINTED_CANVAS`).
    Canvas(HtmlCanvasElement),
    /// An `OffscreenCanvas`.
    OffscreenCanvas(OffscreenCanvas),
    /// An `<img>` (waited for when still loading).
    Element(HtmlImageElement),
    /// An `ImageBitmap`.
    Bitmap(ImageBitmap),
    /// Raw RGBA pixels.
    Data(ImageData),
    /// A `Blob` or `File` holding an encoded image.
    Blob(Blob),
    /// An encoded image's bytes (PNG, JPEG, GIF; other formats are
    /// converted where the platform can decode them).
    Bytes(Vec<u8>),
    /// Base64 of an encoded image, or a `data:image/...;base64,` URL, as
    /// a JS string: it is checked and sent without its whole ever being
    /// copied into wasm memory (a Rust `String` or `&str` converts into
    /// one).
    Text(js_sys::JsString),
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Image::Canvas(_) => "Canvas",
            Image::OffscreenCanvas(_) => "OffscreenCanvas",
            Image::Element(_) => "Element",
            Image::Bitmap(_) => "Bitmap",
            Image::Data(_) => "Data",
            Image::Blob(_) => "Blob",
            Image::Bytes(b) => return write!(f, "Bytes({} bytes)", b.len()),
            Image::Text(t) => return write!(f, "Text({} chars)", t.length()),
        };
        f.write_str(name)
    }
}

macro_rules! from {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Image {
            fn from(value: $t) -> Self {
                Image::$v(value)
            }
        }
    )*};
}

from! {
    HtmlCanvasElement => Canvas,
    OffscreenCanvas => OffscreenCanvas,
    HtmlImageElement => Element,
    ImageBitmap => Bitmap,
    ImageData => Data,
    Blob => Blob,
    Vec<u8> => Bytes,
    js_sys::JsString => Text,
}

impl From<String> for Image {
    fn from(value: String) -> Self {
        Image::from(value.as_str())
    }
}

impl From<web_sys::File> for Image {
    fn from(value: web_sys::File) -> Self {
        Image::Blob(value.into())
    }
}

impl From<&[u8]> for Image {
    fn from(value: &[u8]) -> Self {
        Image::Bytes(value.to_vec())
    }
}

impl From<&str> for Image {
    fn from(value: &str) -> Self {
        Image::Text(value.into())
    }
}

impl From<js_sys::Uint8Array> for Image {
    fn from(value: js_sys::Uint8Array) -> Self {
        Image::Bytes(value.to_vec())
    }
}
