//! The platform's JSON, both ways, behind one interface: serde_json
//! natively (unit tests, fuzzing, the sandbox's load generator), and in
//! wasm `JSON.parse`/`JSON.stringify` with serde-wasm-bindgen between the
//! JS value and the serde types. What is read and written, and every check
//! and message, is the caller's ([`super::parse_answer`]), the same on
//! both targets: only the tokenising differs.

use crate::platform_text::Chars;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    use crate::platform_text::Chars;

    /// A parsed JSON value.
    pub type Value = serde_json::Value;
    /// A request body: JSON text.
    pub type Body = String;

    pub fn parse(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    pub fn is_object(v: &Value) -> bool {
        v.is_object()
    }

    pub fn read<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
        T::deserialize(v).map_err(|e| e.to_string())
    }

    pub fn write<T: serde::Serialize>(v: &T) -> Result<Body, String> {
        serde_json::to_string(v).map_err(|e| e.to_string())
    }

    pub fn chars(body: Body) -> Chars {
        Chars::from(body)
    }

    pub fn body(text: &Chars) -> Body {
        text.copied()
    }
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use crate::platform_text::Chars;
    use wasm_bindgen::{JsCast, JsValue};

    /// A parsed JSON value: what `JSON.parse` made.
    pub type Value = JsValue;
    /// A request body: JSON text as a JS string, so that requests waiting
    /// to be sent hold no copy in wasm memory (which never shrinks).
    pub type Body = JsValue;

    pub fn parse(text: &str) -> Option<Value> {
        js_sys::JSON::parse(text).ok()
    }

    pub fn is_object(v: &Value) -> bool {
        v.is_object() && !js_sys::Array::is_array(v)
    }

    pub fn read<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
        serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string())
    }

    pub fn write<T: serde::Serialize>(v: &T) -> Result<Body, String> {
        stringify(v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()))
    }

    pub fn chars(body: Body) -> Chars {
        Chars::from(body.unchecked_into::<js_sys::JsString>())
    }

    pub fn body(text: &Chars) -> Body {
        text.js().clone().into()
    }

    /// The non-generic half of `write`, compiled once for every type.
    fn stringify(value: Result<JsValue, serde_wasm_bindgen::Error>) -> Result<Body, String> {
        let value = value.map_err(|e| e.to_string())?;
        js_sys::JSON::stringify(&value)
            .map(JsValue::from)
            .map_err(|_| "JSON.stringify refused it".to_owned())
    }
}

pub use platform::{Body, Value};

/// `text` parsed, or `None` when it is not JSON.
pub fn parse(text: &str) -> Option<Value> {
    platform::parse(text)
}

/// Whether `v` is a JSON object (not an array, not a scalar).
pub fn is_object(v: &Value) -> bool {
    platform::is_object(v)
}

/// `v` read as a `T`; `Err` is serde's message.
pub fn read<T: DeserializeOwned>(v: Value) -> Result<T, String> {
    platform::read(v)
}

/// `v` written as JSON text; `Err` is serde's message.
pub fn write<T: Serialize>(v: &T) -> Result<Body, String> {
    platform::write(v)
}

/// JSON text as [`Chars`], to be cut and joined without a copy in wasm.
pub fn chars(body: Body) -> Chars {
    platform::chars(body)
}

/// [`Chars`] as a body.
pub fn body(text: &Chars) -> Body {
    platform::body(text)
}
