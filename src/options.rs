//! Reading the JS option objects of the constructor and of each call, with
//! a clear message for every wrong value.

use crate::error::{Error, Result};
use crate::image::geometry::Limits;
use crate::protocol::{DEFAULT_ENDPOINT, Routing, snippet};
use crate::text::{Num, Quoted};
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// Default overall deadline, ms.
pub const DEFAULT_TIMEOUT_MS: f64 = 180_000.0;
/// Default limit of one request, ms: under the 30 s after which Chrome
/// ends an extension service worker's fetch.
pub const DEFAULT_REQUEST_TIMEOUT_MS: f64 = 25_000.0;
/// The longest deadline accepted, ms (one day).
const MAX_TIMEOUT_MS: f64 = 86_400_000.0;

fn invalid(message: String) -> Error {
    Error::validation("INVALID_OPTION", message)
}

/// A view of an options object (`undefined`/`null` read as empty).
struct Bag<'a> {
    value: &'a JsValue,
    owner: &'static str,
}

impl<'a> Bag<'a> {
    fn new(value: &'a JsValue, owner: &'static str) -> Result<Self> {
        if !(value.is_undefined() || value.is_null() || value.is_object()) || value.is_function() {
            return Err(invalid(format!("{owner} must be an object")));
        }
        Ok(Self { value, owner })
    }

    fn get(&self, key: &str) -> Result<Option<JsValue>> {
        if !self.value.is_object() {
            return Ok(None);
        }
        let v = Reflect::get(self.value, &JsValue::from_str(key))
            .map_err(|_| invalid(format!("{}.{key} could not be read", self.owner)))?;
        Ok((!v.is_undefined() && !v.is_null()).then_some(v))
    }

    fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| invalid(format!("{}.{key} must be a string", self.owner))),
        }
    }

    fn number(&self, key: &str, min: f64, max: f64, integer: bool) -> Result<Option<f64>> {
        let Some(v) = self.get(key)? else {
            return Ok(None);
        };
        let n = v
            .as_f64()
            .filter(|n| n.is_finite())
            .ok_or_else(|| invalid(format!("{}.{key} must be a finite number", self.owner)))?;
        if integer && n.fract() != 0.0 {
            return Err(invalid(format!(
                "{}.{key} must be a whole number, not {}",
                self.owner,
                Num(n)
            )));
        }
        if n < min || n > max {
            return Err(invalid(format!(
                "{}.{key} must be between {} and {}, not {}",
                self.owner,
                Num(min),
                Num(max),
                Num(n)
            )));
        }
        Ok(Some(n))
    }

    fn function(&self, key: &str) -> Result<Option<Function>> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<Function>()
                .map(Some)
                .map_err(|_| invalid(format!("{}.{key} must be a function", self.owner))),
        }
    }

    fn routing(&self) -> Result<Routing> {
        let r = Routing {
            provider: self.string("provider")?,
            selection_mode: self.string("selectionMode")?,
            key_pool_mode: self.string("keyPoolMode")?,
        };
        r.validate()?;
        Ok(r)
    }
}

/// The constructor's options.
#[derive(Debug)]
pub struct ClientOptions {
    /// The API key.
    pub client_key: String,
    /// Base URL of the API.
    pub endpoint: String,
    /// Default routing.
    pub routing: Routing,
    /// Overall deadline of a call, ms.
    pub timeout_ms: f64,
    /// Limit of one request, ms.
    pub request_timeout_ms: f64,
    /// Image limits.
    pub limits: Limits,
    /// A fetch to use instead of the global one.
    pub fetch: Option<Function>,
}

impl ClientOptions {
    /// Reads `new CoordinatesClient(options)`.
    pub fn read(value: &JsValue) -> Result<Self> {
        if value.is_undefined() || value.is_null() {
            return Err(Error::validation(
                "MISSING_CLIENT_KEY",
                "new CoordinatesClient({ clientKey }) needs an options object with your API key",
            ));
        }
        let bag = Bag::new(value, "options")?;
        let client_key = match bag.get("clientKey")? {
            None => {
                return Err(Error::validation(
                    "MISSING_CLIENT_KEY",
                    "options.clientKey (your API key) is required",
                ));
            }
            Some(v) => v
                .as_string()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .ok_or_else(|| {
                    Error::validation(
                        "MISSING_CLIENT_KEY",
                        "options.clientKey must be a non-empty string",
                    )
                })?,
        };
        let endpoint = bag
            .string("endpoint")?
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let lower = endpoint.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(invalid(format!(
                "options.endpoint must be an http(s) URL, not {}",
                Quoted(&snippet(&endpoint))
            )));
        }
        let timeout_ms = bag
            .number("timeoutMs", 1.0, MAX_TIMEOUT_MS, false)?
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        let request_timeout_ms = bag
            .number("requestTimeoutMs", 1.0, MAX_TIMEOUT_MS, false)?
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS);
        let limits = Limits {
            max_bytes: bag
                .number("maxImageBytes", 1_000.0, 1e9, true)?
                .map_or(Limits::DEFAULT.max_bytes, |n| n as usize),
            max_side: bag
                .number("maxImageSide", 16.0, 100_000.0, true)?
                .map_or(Limits::DEFAULT.max_side, |n| n as u32),
        };
        Ok(Self {
            client_key,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            routing: bag.routing()?,
            timeout_ms,
            request_timeout_ms,
            limits,
            fetch: bag.function("fetch")?,
        })
    }
}

/// The options of one call.
#[derive(Debug, Default)]
pub struct CallOptions {
    /// Text instruction.
    pub comment: Option<String>,
    /// Instruction image (any image input).
    pub instructions: Option<JsValue>,
    /// Fewest clicks.
    pub min_clicks: Option<u32>,
    /// Most clicks.
    pub max_clicks: Option<u32>,
    /// Cancels the call.
    pub signal: Option<AbortSignal>,
    /// Called with progress events.
    pub on_progress: Option<Function>,
    /// Routing overrides.
    pub routing: Routing,
    /// Overall deadline override, ms.
    pub timeout_ms: Option<f64>,
}

impl CallOptions {
    /// Reads a call's options object.
    pub fn read(value: &JsValue) -> Result<Self> {
        let bag = Bag::new(value, "options")?;
        let clicks = |k| {
            bag.number(k, 1.0, 1000.0, true)
                .map(|n| n.map(|n| n as u32))
        };
        let min_clicks = clicks("minClicks")?;
        let max_clicks = clicks("maxClicks")?;
        if let (Some(min), Some(max)) = (min_clicks, max_clicks)
            && min > max
        {
            return Err(invalid(format!(
                "options.minClicks ({min}) is greater than options.maxClicks ({max})"
            )));
        }
        let signal = match bag.get("signal")? {
            None => None,
            Some(v) => Some(
                v.dyn_into::<AbortSignal>()
                    .map_err(|_| invalid("options.signal must be an AbortSignal".to_owned()))?,
            ),
        };
        let comment = bag.string("comment")?;
        if comment.as_ref().is_some_and(|c| c.len() > 10_000) {
            return Err(invalid(
                "options.comment is longer than 10,000 bytes".to_owned(),
            ));
        }
        Ok(Self {
            comment: comment.filter(|c| !c.trim().is_empty()),
            instructions: bag.get("instructions")?,
            min_clicks,
            max_clicks,
            signal,
            on_progress: bag.function("onProgress")?,
            routing: bag.routing()?,
            timeout_ms: bag.number("timeoutMs", 1.0, MAX_TIMEOUT_MS, false)?,
        })
    }
}
