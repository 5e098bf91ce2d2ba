//! `toClientPoints`: image pixels → viewport CSS pixels over a displayed
//! `<img>` or `<canvas>`, from the element itself (its layout and computed
//! style read here) or from a plain description of it (`layoutOf` in the
//! package's `layout.js`, which needs no wasm: an extension's content
//! script on a page that forbids wasm measures, its service worker maps).
//! Either way the mapping is the crate's one [`crate::geometry::layout`].

use super::{js_error, to_js};
use crate::error::Error;
use crate::geometry::layout::{ObjectFit, ObjectPosition, Rect, to_client};
use crate::protocol::{RawPoint, check_points};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// How an element shows its picture: its natural size, its content box in
/// viewport CSS pixels, and its computed `object-fit` and `object-position`.
struct Shown {
    natural: (f64, f64),
    content: Rect,
    fit: String,
    position: String,
}

/// `target[key]`.
fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A finite number at `target[key]`.
fn number(target: &JsValue, key: &str) -> Option<f64> {
    get(target, key).as_f64().filter(|n| n.is_finite())
}

/// A plain layout, `{natural: {width, height}, content: {left, top, width,
/// height}, objectFit, objectPosition}` (what `layoutOf` returns).
fn described(layout: &JsValue) -> Option<Shown> {
    let (natural, content) = (get(layout, "natural"), get(layout, "content"));
    let text = |key| get(layout, key).as_string().unwrap_or_default();
    Some(Shown {
        natural: (number(&natural, "width")?, number(&natural, "height")?),
        content: Rect {
            left: number(&content, "left")?,
            top: number(&content, "top")?,
            width: number(&content, "width")?,
            height: number(&content, "height")?,
        },
        fit: text("objectFit"),
        position: text("objectPosition"),
    })
}

/// The layout of an `<img>` or `<canvas>` in this page; `Err` is why not.
fn measured(target: &JsValue) -> Result<Shown, &'static str> {
    let (natural, el): ((f64, f64), &web_sys::Element) = if let Some(img) =
        target.dyn_ref::<web_sys::HtmlImageElement>()
    {
        (
            (
                f64::from(img.natural_width()),
                f64::from(img.natural_height()),
            ),
            img,
        )
    } else if let Some(c) = target.dyn_ref::<web_sys::HtmlCanvasElement>() {
        ((f64::from(c.width()), f64::from(c.height())), c)
    } else {
        return Err("the second argument must be an <img>, a <canvas> or a layout from layoutOf()");
    };
    let window: web_sys::Window = js_sys::global()
        .dyn_into()
        .map_err(|_| "toClientPoints needs a page (a window) to measure an element: pass layoutOf(element) instead")?;
    let style = window
        .get_computed_style(el)
        .ok()
        .flatten()
        .ok_or("the element has no computed style (is it in the document?)")?;
    let value = |prop: &str| style.get_property_value(prop).unwrap_or_default();
    let px = |prop: &str| {
        let v = value(prop);
        crate::js_number::number(v.trim().strip_suffix("px").unwrap_or(v.trim()))
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
    Ok(Shown {
        natural,
        content: Rect {
            left: r.left() + bl + pl,
            top: r.top() + bt + pt,
            width: (r.width() - bl - br - pl - pr).max(0.0),
            height: (r.height() - bt - bb - pt - pb).max(0.0),
        },
        fit: value("object-fit"),
        position: value("object-position"),
    })
}

/// Maps `points` (pixels of the image shown by `target`) to viewport CSS
/// pixels (`clientX`/`clientY` space), honouring CSS scaling, `object-fit`,
/// `object-position`, padding and border. `target` is the `<img>` or
/// `<canvas>` itself, or its `layoutOf()` description (measured where the
/// element is, mapped wherever the client runs). Add `window.scrollX/Y`
/// for page coordinates.
#[wasm_bindgen(js_name = toClientPoints, unchecked_return_type = "Point[]")]
pub fn to_client_points(
    #[wasm_bindgen(unchecked_param_type = "Point[]")] points: JsValue,
    #[wasm_bindgen(
        js_name = element,
        unchecked_param_type = "HTMLImageElement | HTMLCanvasElement | ElementLayout"
    )]
    target: JsValue,
) -> Result<JsValue, JsValue> {
    let invalid = |m: &str| js_error(&Error::validation("INVALID_ARGUMENT", m));
    let raw: Vec<RawPoint> = serde_wasm_bindgen::from_value(points)
        .map_err(|_| invalid("points must be an array of {x, y}"))?;
    let (points, rejected) = check_points(&raw, f64::INFINITY, f64::INFINITY);
    if !rejected.is_empty() {
        return Err(invalid("every point needs finite, non-negative x and y"));
    }
    let is_element = target.is_instance_of::<web_sys::Element>();
    let shown = if !is_element && target.is_object() {
        described(&target).ok_or_else(|| {
            invalid(
                "a layout needs finite natural.width and height and content.left, top, width and height \
                 (as layoutOf() gives)",
            )
        })?
    } else {
        measured(&target).map_err(invalid)?
    };
    let fit = ObjectFit::parse(&shown.fit);
    let position = ObjectPosition::parse(&shown.position);
    let out: Vec<_> = points
        .into_iter()
        .map(|p| to_client(p, shown.natural, shown.content, fit, position))
        .collect();
    to_js(&out).map_err(|e| js_error(&e))
}
