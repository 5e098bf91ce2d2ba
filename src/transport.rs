//! `fetch`, timers and cancellation, bound on the global object (never on
//! `window`) so the same code runs in pages, workers, service workers and
//! Node.
//!
//! Every wait races three things: the work itself, the caller's
//! `AbortSignal`, and the overall deadline. The caller's signal is never
//! handed to `fetch`: each request gets an internal `AbortController`,
//! aborted when the caller aborts or a limit passes, and the abort rejects
//! with the caller's own `signal.reason`.

use crate::error::{Error, Kind};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64, arg: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);

    /// Whatever `fetch` resolves to: read structurally, so a user-supplied
    /// fetch returning a Response-like object works too.
    type FetchResponse;
    #[wasm_bindgen(method, getter, structural)]
    fn status(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, structural)]
    fn text(this: &FetchResponse) -> Promise;
    #[wasm_bindgen(method, getter, structural)]
    fn headers(this: &FetchResponse) -> JsValue;

    type HeadersLike;
    #[wasm_bindgen(method, structural, catch)]
    fn get(this: &HeadersLike, name: &str) -> Result<JsValue, JsValue>;
}

/// Why a wait ended early.
#[derive(Debug)]
pub enum Stop {
    /// A failure, to be rejected as an `Error`.
    Fail(Error),
    /// The caller's signal fired: reject with this reason.
    Abort(JsValue),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fail(e)
    }
}

/// A pending `setTimeout`, cleared when dropped (so Node is not kept alive
/// by timers nobody waits for).
#[derive(Debug)]
struct Timer {
    id: JsValue,
}

impl Timer {
    /// A timer that resolves its promise with `value` after `ms`.
    fn start(ms: f64, value: &JsValue) -> (Timer, Promise) {
        let mut id = JsValue::UNDEFINED;
        let ms = if ms.is_finite() {
            ms.clamp(0.0, 2_147_483_647.0)
        } else {
            2_147_483_647.0
        };
        let promise = Promise::new(&mut |resolve, _reject| {
            id = set_timeout(&resolve, ms, value);
        });
        (Timer { id }, promise)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.id);
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A uniform random number in [0, 1), for jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// The caller's signal and the overall deadline of one call.
#[derive(Debug)]
pub struct Cancel {
    signal: Option<AbortSignal>,
    abort_token: JsValue,
    abort_promise: Promise,
    listener: Option<Closure<dyn FnMut()>>,
    deadline_token: JsValue,
    deadline_promise: Promise,
    _deadline_timer: Timer,
    deadline_at: f64,
    timeout_ms: f64,
}

impl Cancel {
    /// Watches `signal` (if any) and a deadline `timeout_ms` from now.
    pub fn new(signal: Option<AbortSignal>, timeout_ms: f64) -> Self {
        let abort_token: JsValue = Object::new().into();
        let mut listener = None;
        let abort_promise = match &signal {
            None => Promise::new(&mut |_, _| {}),
            Some(sig) => Promise::new(&mut |resolve, _reject| {
                if sig.aborted() {
                    let _ = resolve.call1(&JsValue::NULL, &abort_token);
                    return;
                }
                let token = abort_token.clone();
                let cb = Closure::<dyn FnMut()>::new(move || {
                    let _ = resolve.call1(&JsValue::NULL, &token);
                });
                let _ = sig.add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
                listener = Some(cb);
            }),
        };
        let deadline_token: JsValue = Object::new().into();
        let (timer, deadline_promise) = Timer::start(timeout_ms, &deadline_token);
        Self {
            signal,
            abort_token,
            abort_promise,
            listener,
            deadline_token,
            deadline_promise,
            _deadline_timer: timer,
            deadline_at: now_ms() + timeout_ms,
            timeout_ms,
        }
    }

    /// `Err` if the signal has fired or the deadline passed.
    pub fn check(&self) -> Result<(), Stop> {
        if let Some(sig) = &self.signal
            && sig.aborted()
        {
            return Err(Stop::Abort(sig.reason()));
        }
        if now_ms() >= self.deadline_at {
            return Err(self.deadline_error().into());
        }
        Ok(())
    }

    fn deadline_error(&self) -> Error {
        let mut e = Error::new(
            Kind::Timeout,
            "TIMEOUT",
            format!(
                "no result within the {} ms deadline (timeoutMs)",
                crate::text::Num(self.timeout_ms)
            ),
        );
        e.retryable = false;
        e
    }

    /// Waits for `work`, unless the signal or the deadline comes first.
    /// `extra` is one more racer: `(promise, token, error)`; when it wins
    /// the wait fails with `error`.
    async fn race(
        &self,
        work: &Promise,
        extra: Option<(&Promise, &JsValue, Error)>,
    ) -> Result<Result<JsValue, JsValue>, Stop> {
        let racers = js_sys::Array::of3(work, &self.abort_promise, &self.deadline_promise);
        if let Some((p, _, _)) = &extra {
            racers.push(p);
        }
        let outcome = JsFuture::from(Promise::race(&racers)).await;
        if let Ok(v) = &outcome {
            if *v == self.abort_token {
                let reason = self
                    .signal
                    .as_ref()
                    .map_or(JsValue::UNDEFINED, AbortSignal::reason);
                return Err(Stop::Abort(reason));
            }
            if *v == self.deadline_token {
                return Err(self.deadline_error().into());
            }
            if let Some((_, token, err)) = extra
                && v == token
            {
                return Err(err.into());
            }
        }
        Ok(outcome)
    }

    /// Sleeps `ms`, unless the signal or the deadline comes first.
    pub async fn sleep(&self, ms: f64) -> Result<(), Stop> {
        if ms <= 0.0 {
            return self.check();
        }
        let (_timer, p) = Timer::start(ms, &JsValue::UNDEFINED);
        self.race(&p, None).await.map(|_| ())
    }
}

impl Drop for Cancel {
    fn drop(&mut self) {
        if let (Some(sig), Some(cb)) = (&self.signal, &self.listener) {
            let _ = sig.remove_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
        }
    }
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body text.
    pub body: String,
    /// `Retry-After`, in milliseconds, when sent.
    pub retry_after_ms: Option<u64>,
}

/// The `fetch` to use: the global one or the caller's.
#[derive(Debug, Clone)]
pub struct Fetcher {
    func: Function,
}

impl Fetcher {
    /// `globalThis.fetch`.
    pub fn global() -> Result<Self, Error> {
        let f = Reflect::get(&js_sys::global(), &JsValue::from_str("fetch"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .ok_or_else(|| {
                Error::validation(
                    "NO_FETCH",
                    "this environment has no global fetch; pass one as the `fetch` option",
                )
            })?;
        Ok(Self { func: f })
    }

    /// A caller-supplied fetch function.
    pub fn custom(func: Function) -> Self {
        Self { func }
    }

    /// POSTs `body` (a JS string of JSON) to `url`, within
    /// `request_timeout_ms`.
    pub async fn post(
        &self,
        url: &str,
        body: &JsValue,
        request_timeout_ms: f64,
        cancel: &Cancel,
    ) -> Result<Reply, Stop> {
        cancel.check()?;
        let controller = AbortController::new()
            .map_err(|_| Error::network("could not create an AbortController"))?;
        let init = Object::new();
        let headers = Object::new();
        let set = |o: &Object, k: &str, v: &JsValue| {
            let _ = Reflect::set(o, &JsValue::from_str(k), v);
        };
        set(
            &headers,
            "Content-Type",
            &JsValue::from_str("application/json"),
        );
        set(&init, "method", &JsValue::from_str("POST"));
        set(&init, "headers", &headers);
        set(&init, "body", body);
        set(&init, "signal", &controller.signal());

        let timeout_token: JsValue = Object::new().into();
        let (_timer, timeout_promise) = Timer::start(request_timeout_ms, &timeout_token);
        let mut too_slow = Error::new(
            Kind::Timeout,
            "REQUEST_TIMEOUT",
            format!(
                "the server did not answer within {} ms (requestTimeoutMs)",
                crate::text::Num(request_timeout_ms)
            ),
        );
        too_slow.retryable = true;

        let abort_on_stop = |r: Result<Result<JsValue, JsValue>, Stop>| {
            if r.is_err() {
                controller.abort();
            }
            r
        };

        let started = match self
            .func
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(url), &init)
        {
            Ok(p) => Promise::resolve(&p),
            Err(e) => return Err(network_error(&e).into()),
        };
        let extra = Some((&timeout_promise, &timeout_token, too_slow.clone()));
        let response =
            abort_on_stop(cancel.race(&started, extra).await)?.map_err(|e| network_error(&e))?;
        let response: FetchResponse = response.unchecked_into();
        let status = response
            .status()
            .as_f64()
            .filter(|s| (100.0..=599.0).contains(s))
            .ok_or_else(|| {
                Error::parse(
                    "INVALID_RESPONSE",
                    "fetch resolved to something without an HTTP status",
                    "",
                )
            })? as u16;
        let retry_after_ms = retry_after(&response);
        let text_promise = match Reflect::get(&response, &JsValue::from_str("text")) {
            Ok(f) if f.is_function() => response.text(),
            _ => {
                return Err(Error::parse(
                    "INVALID_RESPONSE",
                    "the response has no text() method",
                    "",
                )
                .into());
            }
        };
        let extra = Some((&timeout_promise, &timeout_token, too_slow));
        let text = abort_on_stop(cancel.race(&text_promise, extra).await)?
            .map_err(|e| network_error(&e))?;
        Ok(Reply {
            status,
            body: text.as_string().unwrap_or_default(),
            retry_after_ms,
        })
    }
}

fn retry_after(response: &FetchResponse) -> Option<u64> {
    let headers = response.headers();
    if !headers.is_object() {
        return None;
    }
    let headers: HeadersLike = headers.unchecked_into();
    let value = headers.get("retry-after").ok()?.as_string()?;
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).min(3_600_000.0) as u64);
    }
    let at = js_sys::Date::parse(value);
    at.is_finite()
        .then(|| (at - now_ms()).clamp(0.0, 3_600_000.0) as u64)
}

fn network_error(e: &JsValue) -> Error {
    let detail = Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned());
    Error::network(format!(
        "the request failed: {}",
        crate::protocol::snippet(&detail)
    ))
}
