//! JS option objects → the core's [`Config`], [`SolveOptions`] and
//! [`WaitOptions`], read with serde-wasm-bindgen. Scalars are read loosely
//! ([`Scalar`]) so that a value of the wrong type gets a message naming
//! the option; the signal, callbacks, fetch and instruction image stay JS
//! values (`preserve`). Ranges are checked by the core's `validate`.

use super::image::image_from_js;
use super::to_js;
use crate::config::{
    Auth, Config, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE, MIN_IMAGE_BYTES, MIN_IMAGE_SIDE, OnProgress,
    SolveOptions, WaitOptions, check_ms, check_whole, from_ms, invalid,
};
use crate::error::{Error, Result};
use crate::geometry::region::Region;
use crate::image::sizing::Limits;
use crate::lenient::Scalar;
use crate::protocol::Routing;
use crate::task::Progress;
use js_sys::Function;
use serde::Deserialize;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// A member kept as the JS value it is.
#[derive(Default, Deserialize)]
#[serde(transparent)]
struct Js(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Js {
    /// `None` for `undefined` and `null`.
    fn get(self) -> Option<JsValue> {
        (!self.0.is_undefined() && !self.0.is_null()).then_some(self.0)
    }
}

/// An options object's members by name, each crossed by
/// serde-wasm-bindgen as the JS value it is (`preserve`), then read as the
/// option needs: scalars loosely ([`Scalar`], so that a value of the wrong
/// type gets a message naming the option), the signal, callbacks, fetch,
/// region and instruction image as JS values. One reader for every options
/// object, not a derived one per struct.
#[derive(Default)]
struct Fields(Vec<(String, JsValue)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an options object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Fields, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Js(value) = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Fields(members))
            }
        }
        d.deserialize_map(V)
    }
}

impl Fields {
    /// The member `name`, as the JS value it is (`undefined` when absent).
    fn js(&self, name: &str) -> Js {
        Js(self
            .0
            .iter()
            .find(|(k, _)| k == name)
            .map_or(JsValue::UNDEFINED, |(_, v)| v.clone()))
    }

    /// The member `name`, read loosely.
    fn scalar(&self, name: &str) -> Scalar {
        let v = self.js(name).0;
        if v.is_undefined() || v.is_null() {
            Scalar::Null
        } else if let Some(b) = v.as_bool() {
            Scalar::Bool(b)
        } else if let Some(n) = v.as_f64() {
            Scalar::Number(n)
        } else if let Some(s) = v.as_string() {
            Scalar::Text(s)
        } else {
            Scalar::Compound
        }
    }
}

/// Reads an options object (`undefined`/`null` read as empty).
fn fields(value: &JsValue) -> Result<Fields> {
    if value.is_undefined() || value.is_null() {
        return Ok(Fields::default());
    }
    if !value.is_object() {
        return Err(invalid("options must be an object".to_owned()));
    }
    serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| invalid(format!("options could not be read: {e}")))
}

fn string(name: &str, v: Scalar) -> Result<Option<String>> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::Text(s) => Ok(Some(s)),
        _ => Err(invalid(format!("options.{name} must be a string"))),
    }
}

fn boolean(name: &str, v: Scalar) -> Result<Option<bool>> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::Bool(b) => Ok(Some(b)),
        _ => Err(invalid(format!("options.{name} must be true or false"))),
    }
}

fn number(name: &str, v: Scalar) -> Result<Option<f64>> {
    match v {
        Scalar::Null => Ok(None),
        Scalar::Number(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(invalid(format!("options.{name} must be a finite number"))),
    }
}

/// A whole number within `min..=max`.
fn whole(name: &str, v: Scalar, min: f64, max: f64) -> Result<Option<u32>> {
    let Some(n) = number(name, v)? else {
        return Ok(None);
    };
    check_whole(name, n, min, max)?;
    Ok(Some(n as u32))
}

fn function(name: &str, v: Js) -> Result<Option<Function>> {
    v.get()
        .map(|f| {
            f.dyn_into::<Function>()
                .map_err(|_| invalid(format!("options.{name} must be a function")))
        })
        .transpose()
}

/// A duration given in milliseconds: finite, within range.
fn millis(name: &str, v: Scalar) -> Result<Option<Duration>> {
    let Some(ms) = number(name, v)? else {
        return Ok(None);
    };
    check_ms(name, ms)?;
    Ok(Some(from_ms(ms)))
}

/// The routing options; a mode's name is parsed by its enum (a wrong one
/// is a `validation` error listing the right ones).
fn routing(f: &Fields) -> Result<Routing> {
    Ok(Routing {
        provider: string("provider", f.scalar("provider"))?,
        selection_mode: string("selectionMode", f.scalar("selectionMode"))?
            .map(|m| m.parse())
            .transpose()?,
        key_pool_mode: string("keyPoolMode", f.scalar("keyPoolMode"))?
            .map(|m| m.parse())
            .transpose()?,
        fallback_providers: fallback_providers(f.js("fallbackProviders"))?,
    })
}

/// `options.fallbackProviders`: an array of at most 32 strings (absent:
/// empty), read by index (no iterator of the caller's runs).
fn fallback_providers(v: Js) -> Result<Vec<String>> {
    let Some(v) = v.get() else {
        return Ok(Vec::new());
    };
    let wrong = || {
        invalid(
            "options.fallbackProviders must be an array of at most 32 provider names".to_owned(),
        )
    };
    let list = v.dyn_ref::<js_sys::Array>().ok_or_else(wrong)?;
    if list.length() > 32 {
        return Err(wrong());
    }
    (0..list.length())
        .map(|i| list.get(i).as_string().ok_or_else(wrong))
        .collect()
}

/// `new CoordinatesClient(options)`.
pub fn client_config(value: &JsValue) -> Result<Config> {
    if value.is_undefined() || value.is_null() {
        return Err(Error::validation(
            "MISSING_CLIENT_KEY",
            "new CoordinatesClient({ clientKey }) needs an options object with your API key (or { relay: true, endpoint })",
        ));
    }
    let f = fields(value)?;
    let relay = boolean("relay", f.scalar("relay"))?.unwrap_or(false);
    let key = match f.scalar("clientKey") {
        Scalar::Null if relay => None,
        Scalar::Text(k) if relay && k.is_empty() => None,
        Scalar::Text(_) if relay => {
            return Err(invalid(
                "options.relay and options.clientKey exclude each other: the relay holds the key, \
                 so the page must not (drop clientKey)"
                    .to_owned(),
            ));
        }
        Scalar::Null => {
            return Err(Error::validation(
                "MISSING_CLIENT_KEY",
                "options.clientKey (your API key) is required, or options.relay: true with your relay's endpoint",
            ));
        }
        Scalar::Text(k) => Some(k),
        _ => {
            return Err(Error::validation(
                "MISSING_CLIENT_KEY",
                "options.clientKey must be a non-empty string",
            ));
        }
    };
    let mut config = Config::authenticated(key.map_or(Auth::Relay, Auth::Key));
    if let Some(e) = string("endpoint", f.scalar("endpoint"))? {
        config.endpoint = e;
    }
    if let Some(t) = millis("timeoutMs", f.scalar("timeoutMs"))? {
        config.timeout = t;
    }
    if let Some(t) = millis("requestTimeoutMs", f.scalar("requestTimeoutMs"))? {
        config.request_timeout = t;
    }
    config.limits = Limits::new(
        whole(
            "maxImageBytes",
            f.scalar("maxImageBytes"),
            MIN_IMAGE_BYTES,
            MAX_IMAGE_BYTES,
        )?
        .map_or(Limits::DEFAULT.max_bytes, |n| n as usize),
        whole(
            "maxImageSide",
            f.scalar("maxImageSide"),
            MIN_IMAGE_SIDE,
            MAX_IMAGE_SIDE,
        )?
        .unwrap_or(Limits::DEFAULT.max_side),
    );
    if let Some(n) = whole(
        "maxRequestsInFlight",
        f.scalar("maxRequestsInFlight"),
        1.0,
        crate::config::MAX_IN_FLIGHT,
    )? {
        config.max_in_flight = Some(n as usize);
    }
    config.allow_insecure_http =
        boolean("allowInsecureHttp", f.scalar("allowInsecureHttp"))?.unwrap_or(false);
    config.routing = routing(&f)?;
    config.fetch = function("fetch", f.js("fetch"))?;
    Ok(config)
}

/// The options of `solve`, `recognize` and `createTask`.
pub fn solve_options(value: &JsValue) -> Result<SolveOptions> {
    let f = fields(value)?;
    let clicks = |name, v| whole(name, v, 1.0, f64::from(crate::config::MAX_CLICKS));
    Ok(SolveOptions {
        comment: string("comment", f.scalar("comment"))?,
        instructions: f
            .js("instructions")
            .get()
            .map(|i| image_from_js(&i, "instructions"))
            .transpose()?,
        min_clicks: clicks("minClicks", f.scalar("minClicks"))?,
        max_clicks: clicks("maxClicks", f.scalar("maxClicks"))?,
        routing: routing(&f)?,
        region: region(f.js("region"))?,
        wait: wait(f.scalar("timeoutMs"), f.js("signal"), f.js("onProgress"))?,
    })
}

/// `options.region`: any object with numeric `x`, `y` (default 0),
/// `width`, `height` and optionally `viewportWidth` (a `DOMRect` will do);
/// the core's `validate` checks the numbers.
fn region(v: Js) -> Result<Option<Region>> {
    let Some(v) = v.get() else {
        return Ok(None);
    };
    if !v.is_object() {
        return Err(invalid(
            "options.region must be an object {x, y, width, height, viewportWidth}".to_owned(),
        ));
    }
    // Missing: `None`; anything but a number: NaN, which `validate` refuses.
    let field = |name: &str| {
        let f = js_sys::Reflect::get(&v, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
        (!f.is_undefined()).then(|| f.as_f64().unwrap_or(f64::NAN))
    };
    let mut region = Region::new(
        field("x").unwrap_or(0.0),
        field("y").unwrap_or(0.0),
        field("width").unwrap_or(f64::NAN),
        field("height").unwrap_or(f64::NAN),
    );
    region.viewport_width = field("viewportWidth");
    Ok(Some(region))
}

/// The options of `waitForResult`.
pub fn wait_options(value: &JsValue) -> Result<WaitOptions> {
    let f = fields(value)?;
    wait(f.scalar("timeoutMs"), f.js("signal"), f.js("onProgress"))
}

fn wait(timeout_ms: Scalar, signal: Js, on_progress: Js) -> Result<WaitOptions> {
    let signal = signal
        .get()
        .map(|s| {
            s.dyn_into::<AbortSignal>()
                .map_err(|_| invalid("options.signal must be an AbortSignal".to_owned()))
        })
        .transpose()?;
    let on_progress = function("onProgress", on_progress)?.map(|f| -> OnProgress {
        Rc::new(move |p: &Progress| {
            // A throwing callback must not break the wait.
            if let Ok(event) = to_js(p) {
                let _ = f.call1(&JsValue::UNDEFINED, &event);
            }
        })
    });
    Ok(WaitOptions {
        timeout: millis("timeoutMs", timeout_ms)?,
        signal,
        on_progress,
    })
}
