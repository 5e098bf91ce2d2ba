//! Whether a PNG of a picture would be over the byte limit, told from a
//! sample of it encoded on a canvas element kept for the purpose: far
//! cheaper than encoding the whole picture to find out.

use super::canvas::{CanvasElement, Context2d, create_element, draw_part, failure};
use super::encoding;
use super::plan;
use crate::error::Result;
use crate::geometry::region::Crop;
use crate::platform_text::Chars;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

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

/// Whether a PNG of `from` (a picture of `width`×`height`, as sent)
/// would be over `max_bytes`, by a sample: two bands of eight rows, at a
/// quarter and three quarters of its height, as a PNG, on the kept sample
/// canvas (used and left within this one synchronous call, so concurrent
/// calls never share it mid-sample). The estimate errs high: a band's
/// first row has no row above to predict it from, so fewer, taller bands
/// estimate closer for the same cost. `false` without asking when any PNG
/// of that size fits, and where there is no canvas element to sample on
/// (a worker). `what` names the argument in errors.
pub(super) fn png_over(
    from: &JsValue,
    width: u32,
    height: u32,
    max_bytes: usize,
    what: &str,
) -> Result<bool> {
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
        draw_part(&ctx, from, band_crop, band * ROWS, width, ROWS, what)?;
    }
    let png = sample
        .to_data_url("image/png", JsValue::UNDEFINED)
        .map_err(|e| {
            // A cross-origin picture taints the canvas it is drawn on
            // for good: the next sample gets a new one.
            SAMPLE.with_borrow_mut(|kept| *kept = None);
            failure(&e, what, "ENCODE_FAILED", "encoded")
        })?;
    let bytes = encoding::base64_bytes(&Chars::from(png)) as f64;
    let density = bytes / (f64::from(width) * f64::from(BANDS * ROWS));
    Ok(plan::png_over(density, width, height, max_bytes))
}
