//! `toClientPoints`: image pixels → viewport CSS pixels over a displayed
//! `<img>` or `<canvas>`, reading its layout and computed style.

use super::{js_error, to_js};
use crate::error::Error;
use crate::layout::{ObjectFit, ObjectPosition, Rect, to_client};
use crate::protocol::{RawPoint, check_points};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Maps `points` (pixels of the image shown by `element`) to viewport CSS
/// pixels (`clientX`/`clientY` space), honouring CSS scaling, `object-fit`,
/// `object-position`, padding and border. Add `window.scrollX/Y` for page
/// coordinates.
#[wasm_bindgen(js_name = toClientPoints, unchecked_return_type = "Point[]")]
pub fn to_client_points(
    #[wasm_bindgen(unchecked_param_type = "Point[]")] points: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HTMLImageElement | HTMLCanvasElement")] element: JsValue,
) -> Result<JsValue, JsValue> {
    let invalid = |m: &str| js_error(&Error::validation("INVALID_ARGUMENT", m));
    let raw: Vec<RawPoint> = serde_wasm_bindgen::from_value(points)
        .map_err(|_| invalid("points must be an array of {x, y}"))?;
    let (points, rejected) = check_points(&raw, f64::INFINITY, f64::INFINITY);
    if !rejected.is_empty() {
        return Err(invalid("every point needs finite, non-negative x and y"));
    }
    let (natural, el): ((f64, f64), web_sys::Element) =
        if let Some(img) = element.dyn_ref::<web_sys::HtmlImageElement>() {
            (
                (
                    f64::from(img.natural_width()),
                    f64::from(img.natural_height()),
                ),
                img.clone().into(),
            )
        } else if let Some(c) = element.dyn_ref::<web_sys::HtmlCanvasElement>() {
            (
                (f64::from(c.width()), f64::from(c.height())),
                c.clone().into(),
            )
        } else {
            return Err(invalid("element must be an <img> or a <canvas>"));
        };
    let window: web_sys::Window = js_sys::global()
        .dyn_into()
        .map_err(|_| invalid("toClientPoints needs a page (a window), not a worker"))?;
    let style = window
        .get_computed_style(&el)
        .ok()
        .flatten()
        .ok_or_else(|| invalid("the element has no computed style (is it in the document?)"))?;
    let px = |prop: &str| {
        style
            .get_property_value(prop)
            .ok()
            .and_then(|v| crate::text::number(v.trim().trim_end_matches("px")))
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    };
    let r = el.get_bounding_client_rect();
    let (bl, bt, br, bb) = (
        px("border-left-width"),
        px("border-top-width"),
        px("border-right-width"),
        px("border-bottom-width"),
    );
    let (pl, pt, pr, pb) = (
        px("padding-left"),
        px("padding-top"),
        px("padding-right"),
        px("padding-bottom"),
    );
    let content = Rect {
        left: r.left() + bl + pl,
        top: r.top() + bt + pt,
        width: (r.width() - bl - br - pl - pr).max(0.0),
        height: (r.height() - bt - bb - pt - pb).max(0.0),
    };
    let fit = ObjectFit::parse(&style.get_property_value("object-fit").unwrap_or_default());
    let position = ObjectPosition::parse(
        &style
            .get_property_value("object-position")
            .unwrap_or_default(),
    );
    let out: Vec<_> = points
        .into_iter()
        .map(|p| to_client(p, natural, content, fit, position))
        .collect();
    to_js(&out).map_err(|e| js_error(&e))
}
