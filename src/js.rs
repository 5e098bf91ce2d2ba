//! The wasm side of the pure types: reading `JSON.parse` results through
//! [`Json`], and writing points, scaling and records as plain JS objects
//! (what serde-wasm-bindgen did, without its size).

use crate::image::geometry::Scaling;
use crate::protocol::{Json, JsonKind, Point, RejectedPoint};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;

impl Json for JsValue {
    fn kind(&self) -> JsonKind<Self> {
        if self.is_null() || self.is_undefined() {
            JsonKind::Null
        } else if let Some(b) = self.as_bool() {
            JsonKind::Bool(b)
        } else if let Some(n) = self.as_f64() {
            JsonKind::Number(n)
        } else if let Some(s) = self.as_string() {
            JsonKind::Text(s)
        } else if Array::is_array(self) {
            JsonKind::Array(Array::from(self).iter().collect())
        } else {
            JsonKind::Object
        }
    }

    fn member(&self, key: &str) -> Option<Self> {
        if !self.is_object() || Array::is_array(self) {
            return None;
        }
        Reflect::get(self, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined())
    }
}

/// Sets `target[key] = value` (on a plain object, which cannot fail).
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `[{x, y}, ...]`.
pub fn points(points: &[Point]) -> JsValue {
    points
        .iter()
        .map(|p| {
            let o: JsValue = Object::new().into();
            set(&o, "x", &JsValue::from_f64(p.x));
            set(&o, "y", &JsValue::from_f64(p.y));
            o
        })
        .collect::<Array>()
        .into()
}

/// `[{index, reason}, ...]`.
pub fn rejected(rejected: &[RejectedPoint]) -> JsValue {
    rejected
        .iter()
        .map(|r| {
            let o: JsValue = Object::new().into();
            set(&o, "index", &JsValue::from_f64(r.index as f64));
            set(&o, "reason", &JsValue::from_str(&r.reason));
            o
        })
        .collect::<Array>()
        .into()
}

/// `{originalWidth, originalHeight, sentWidth, sentHeight, scale}`, where
/// `scale` is sent pixels per original pixel.
pub fn scaling(s: Scaling) -> JsValue {
    let o: JsValue = Object::new().into();
    let n = |v: u32| JsValue::from_f64(f64::from(v));
    set(&o, "originalWidth", &n(s.original_width));
    set(&o, "originalHeight", &n(s.original_height));
    set(&o, "sentWidth", &n(s.sent_width));
    set(&o, "sentHeight", &n(s.sent_height));
    let (fx, _) = s.factors();
    set(
        &o,
        "scale",
        &JsValue::from_f64(if fx > 0.0 { 1.0 / fx } else { 1.0 }),
    );
    o
}
