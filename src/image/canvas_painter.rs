//! The browser's [`Painter`]: crops, shrinks and re-encodes a picture the
//! platform can draw (an element, a bitmap, a canvas) with
//! `OffscreenCanvas`, in pages and workers alike.

use super::canvas::{CanvasElement, Context2d, draw_part, encoded, failure, no_encoder};
use super::plan::{Encoded, Encoding, Painter};
use super::png_sample;
use crate::error::Result;
use crate::geometry::region::Crop;
use crate::platform_text::Chars;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// Something a canvas can draw (an element, a bitmap, a canvas) of
/// `width`×`height` pixels, as the platform's [`Painter`]. A bitmap this
/// module made itself is closed when dropped.
pub(super) struct CanvasPainter {
    source: JsValue,
    /// Its width in pixels.
    pub(super) width: u32,
    /// Its height in pixels.
    pub(super) height: u32,
    owned: bool,
    /// The canvas of the last size drawn, kept while encodings are tried.
    canvas: Option<web_sys::OffscreenCanvas>,
    what: &'static str,
}

impl CanvasPainter {
    pub(super) fn new(
        source: JsValue,
        width: u32,
        height: u32,
        owned: bool,
        what: &'static str,
    ) -> Self {
        Self {
            source,
            width,
            height,
            owned,
            canvas: None,
            what,
        }
    }

    pub(super) fn borrowed(source: &JsValue, width: u32, height: u32, what: &'static str) -> Self {
        Self::new(source.clone(), width, height, false, what)
    }

    /// `crop` drawn on a fresh `width`×`height` canvas.
    fn draw(&self, crop: Crop, width: u32, height: u32) -> Result<web_sys::OffscreenCanvas> {
        // Smoothing "high" (bicubic) costs several times the default "low"
        // (bilinear), and gains nothing until the picture shrinks more than
        // 2×, where bilinear starts to skip source pixels.
        let high = width.saturating_mul(2) < crop.width;
        let (canvas, ctx) = self.canvas_2d(width, height, high)?;
        draw_part(&ctx, &self.source, crop, 0, width, height, self.what)?;
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
        if encoding == Encoding::Png
            && png_sample::png_over(&from, width, height, max_bytes, self.what)?
        {
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
