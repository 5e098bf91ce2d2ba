//! One request: gloo-net builds it and reads the answer's status and
//! headers; `fetch` (the global one, or the caller's) is called here inside
//! our own error handling, so no rejection value (a string, `undefined`)
//! and no odd resolution (a non-`Response`) can reach a panic.
//!
//! gloo-net builds each [`Route`]'s request once (the URL resolved, the
//! method and the header set, two `Request`s and a `URL` on its way); every
//! request sent there is a copy of it with its own body and signal, one
//! `Request` as a bare `fetch` makes.
//!
//! Timers and `fetch` are bound on the global object (never on `window`),
//! so the same code runs in pages, workers, service workers and Node.
//!
//! Every wait races the work itself against the caller's `AbortSignal` and
//! the call's overall deadline, and a request also against its own time
//! limit. The caller's signal is never handed to `fetch`: each request has
//! an internal `AbortController`, aborted when the request's future ends
//! for any reason other than its answer (the caller aborted, a limit
//! passed, the future was dropped), always with a `js_sys::Error` of ours
//! as the reason, never the caller's (whose reason may be a string or
//! `undefined`, which gloo-net cannot take). A failure that comes after
//! `fetch` was called is marked as in flight: the request may have arrived.

use crate::error::{Error, Result};
use crate::runtime::Runtime;
use gloo_net::http::{Method, RequestBuilder};
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64, arg: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
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

/// The runtime the client is in, read from `navigator.userAgent` (none:
/// Node before 21).
pub fn runtime() -> Runtime {
    let user_agent = Reflect::get(&js_sys::global(), &JsValue::from_str("navigator"))
        .ok()
        .and_then(|navigator| Reflect::get(&navigator, &JsValue::from_str("userAgent")).ok())
        .and_then(|ua| ua.as_string());
    Runtime::from_user_agent(user_agent.as_deref())
}

/// The protocol of the latest answer from `url` the platform recorded
/// (`performance.getEntriesByName(url)`'s last entry's `nextHopProtocol`):
/// `h2`, `http/1.1`, or empty where it does not tell (a cross-origin
/// answer without `Timing-Allow-Origin`); `None` without such an entry.
pub fn protocol(url: &str) -> Option<String> {
    let performance = Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok()?;
    let entries = Reflect::get(&performance, &JsValue::from_str("getEntriesByName"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?
        .call1(&performance, &JsValue::from_str(url))
        .ok()?
        .dyn_into::<js_sys::Array>()
        .ok()?;
    let last = entries.at(-1);
    Reflect::get(&last, &JsValue::from_str("nextHopProtocol"))
        .ok()?
        .as_string()
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
    /// Resolves `abort_promise` when the call ends, so that no race of
    /// this call stays pending (see its `Drop`).
    settle: Option<Function>,
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
        let mut settle = None;
        let abort_promise = Promise::new(&mut |resolve, _reject| {
            settle = Some(resolve.clone());
            let Some(sig) = &signal else { return };
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
        });
        let deadline_token: JsValue = Object::new().into();
        let (timer, deadline_promise) = Timer::start(timeout_ms, &deadline_token);
        Self {
            signal,
            abort_token,
            abort_promise,
            settle,
            listener,
            deadline_token,
            deadline_promise,
            _deadline_timer: timer,
            deadline_at: now_ms() + timeout_ms,
            timeout_ms,
        }
    }

    /// `Err` if the signal has fired or the deadline passed.
    pub fn check(&self) -> Result<()> {
        if self.signal.as_ref().is_some_and(AbortSignal::aborted) {
            return Err(Error::aborted());
        }
        if now_ms() >= self.deadline_at {
            return Err(Error::deadline(self.timeout_ms));
        }
        Ok(())
    }

    /// Waits for `work`, unless the signal or the deadline comes first.
    /// `extra` is one more racer: `(promise, token, error)`; when it wins
    /// the wait fails with `error`.
    fn race(&self, work: &Promise, extra: Option<(&Promise, &JsValue, Error)>) -> Race<'_> {
        let racers = js_sys::Array::of3(work, &self.abort_promise, &self.deadline_promise);
        if let Some((p, _, _)) = &extra {
            racers.push(p);
        }
        Race {
            cancel: self,
            outcome: JsFuture::from(Promise::race(&racers)),
            extra: extra.map(|(_, token, err)| (token.clone(), err)),
        }
    }

    /// Waits for `work` (a Rust future, such as a place at the gate),
    /// unless the signal or the deadline comes first; then `work` is
    /// dropped. The race with them is made only if `work` must wait.
    pub fn until<F: Future>(&self, work: F) -> Until<'_, F> {
        Until {
            cancel: self,
            work: Box::pin(work),
            stop: None,
        }
    }

    /// Sleeps `ms` by [`now_ms`]'s clock, unless the signal or the
    /// deadline comes first. A timer may fire a few ms early by that clock
    /// (Node counts from its loop's cached time): a short wake is slept
    /// out, with up to [`SLEEP_ATTEMPTS`] timers in all.
    pub async fn sleep(&self, ms: f64) -> Result<()> {
        if ms <= 0.0 {
            return self.check();
        }
        let until = now_ms() + ms;
        for _ in 0..SLEEP_ATTEMPTS {
            let left = until - now_ms();
            if left <= 0.0 {
                break;
            }
            let (_timer, p) = Timer::start(left, &JsValue::UNDEFINED);
            let _fired = self.race(&p, None).await?;
        }
        Ok(())
    }

    /// When the deadline comes, in ms since the epoch.
    pub fn deadline_at(&self) -> f64 {
        self.deadline_at
    }

    /// Milliseconds left before the deadline.
    pub fn remaining_ms(&self) -> f64 {
        (self.deadline_at - now_ms()).max(0.0)
    }
}

/// How many timers [`Cancel::sleep`] sets at most: one, and more only for
/// a timer that fired early.
const SLEEP_ATTEMPTS: usize = 3;

/// The future of [`Cancel::race`]: what `work` settled with, or the error
/// of whichever racer came first.
struct Race<'a> {
    cancel: &'a Cancel,
    outcome: JsFuture,
    extra: Option<(JsValue, Error)>,
}

impl Future for Race<'_> {
    type Output = Result<Result<JsValue, JsValue>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Poll::Ready(outcome) = Pin::new(&mut self.outcome).poll(cx) else {
            return Poll::Pending;
        };
        if let Ok(v) = &outcome {
            if *v == self.cancel.abort_token {
                return Poll::Ready(Err(Error::aborted()));
            }
            if *v == self.cancel.deadline_token {
                return Poll::Ready(Err(Error::deadline(self.cancel.timeout_ms)));
            }
            if matches!(&self.extra, Some((token, _)) if v == token)
                && let Some((_, err)) = self.extra.take()
            {
                return Poll::Ready(Err(err));
            }
        }
        Poll::Ready(Ok(outcome))
    }
}

/// The future of [`Cancel::until`]: `work`'s output, or the error of the
/// signal or the deadline if one came first.
#[derive(Debug)]
pub struct Until<'a, F: Future> {
    cancel: &'a Cancel,
    work: Pin<Box<F>>,
    /// The race of the signal and the deadline, once `work` had to wait.
    stop: Option<JsFuture>,
}

impl<F: Future> Future for Until<'_, F> {
    type Output = Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let cancel = self.cancel;
        if self.stop.is_none()
            && let Err(e) = cancel.check()
        {
            return Poll::Ready(Err(e));
        }
        if let Poll::Ready(v) = self.work.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        let stop = self.stop.get_or_insert_with(|| {
            JsFuture::from(Promise::race(&js_sys::Array::of2(
                &cancel.abort_promise,
                &cancel.deadline_promise,
            )))
        });
        match Pin::new(stop).poll(cx) {
            Poll::Ready(Ok(token) | Err(token)) if token == cancel.abort_token => {
                Poll::Ready(Err(Error::aborted()))
            }
            Poll::Ready(_) => Poll::Ready(Err(Error::deadline(cancel.timeout_ms))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Cancel {
    /// Stops listening to the signal, and settles every race of this call
    /// still pending: a `JsFuture` frees its two callbacks (in wasm memory
    /// and in the JS heap) only when its promise settles, and without this
    /// the races of [`Cancel::until`] (the signal, which may never fire,
    /// and the deadline, whose timer is cleared) would keep theirs for the
    /// page's life, two per request.
    fn drop(&mut self) {
        if let (Some(sig), Some(cb)) = (&self.signal, &self.listener) {
            let _ = sig.remove_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
        }
        if let Some(settle) = &self.settle {
            let _ = settle.call1(&JsValue::NULL, &JsValue::UNDEFINED);
        }
    }
}

/// Aborts a request's controller when dropped before the answer was read
/// whole: when its future is dropped mid-flight (the Rust way to cancel),
/// or a limit passed, it stops the fetch. After the answer, nothing is
/// made (an `Error` captures a stack: not free on every request).
struct AbortOnDrop {
    controller: AbortController,
    answered: bool,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.answered {
            self.controller
                .abort_with_reason(&js_sys::Error::new("the request was cancelled").into());
        }
    }
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body text, as a JS string: copied into wasm memory only by the
    /// caller that reads it (an error's status or a dropped call never
    /// copies it).
    pub body: JsValue,
    /// `Retry-After`, in milliseconds, when sent.
    pub retry_after_ms: Option<u64>,
}

/// Where requests of one kind go: a POST of JSON to one URL, whose
/// request gloo-net builds on first use.
pub struct Route {
    url: String,
    /// The request gloo-net built, once it has been.
    shape: Cell<Option<web_sys::Request>>,
}

impl Route {
    /// A route to `url`; nothing is built until a request is sent.
    pub fn new(url: String) -> Self {
        Self {
            url,
            shape: Cell::new(None),
        }
    }

    /// The URL requests go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A request to this route with `body` and `signal`: a copy of the
    /// route's request, which is built the first time.
    fn request(&self, body: &JsValue, signal: &AbortSignal) -> Result<web_sys::Request> {
        let shape = match self.shape.take() {
            Some(shape) => shape,
            None => RequestBuilder::new(&self.url)
                .method(Method::POST)
                .header("Content-Type", "application/json")
                .build()
                .map_err(|e| Error::network(format!("the request could not be built: {e}")))?
                .into(),
        };
        let init = RequestInit::new();
        init.set_body(body);
        init.set_signal(Some(signal));
        // Nothing was sent: the error says so, not "the request failed".
        let request = web_sys::Request::new_with_request_and_init(&shape, &init)
            .map_err(|_| Error::network("the request could not be copied from its route"));
        self.shape.set(Some(shape));
        request
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route").field("url", &self.url).finish()
    }
}

/// The `fetch` to use: the global one or the caller's.
#[derive(Debug, Clone)]
pub struct Fetcher {
    func: Function,
}

impl Fetcher {
    /// `globalThis.fetch`.
    pub fn global() -> Result<Self> {
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

    /// A caller-supplied fetch function, called with one `Request`.
    pub fn custom(func: Function) -> Self {
        Self { func }
    }

    /// POSTs `body` (a JS string of JSON) to `route`, within
    /// `request_timeout_ms`.
    pub async fn post(
        &self,
        route: &Route,
        body: &JsValue,
        request_timeout_ms: f64,
        cancel: &Cancel,
    ) -> Result<Reply> {
        cancel.check()?;
        let mut controller = AbortOnDrop {
            controller: AbortController::new()
                .map_err(|_| Error::network("could not create an AbortController"))?,
            answered: false,
        };
        let request = route.request(body, &controller.controller.signal())?;

        let timeout_token: JsValue = Object::new().into();
        let (_timer, timeout_promise) = Timer::start(request_timeout_ms, &timeout_token);
        let too_slow = Error::request_timeout(request_timeout_ms);

        // The call itself may throw, and its promise may reject with
        // anything: both are caught here.
        let started = match self.func.call1(&JsValue::UNDEFINED, &request) {
            Ok(p) => Promise::resolve(&p),
            Err(e) => return Err(network_error(&e)),
        };
        let extra = Some((&timeout_promise, &timeout_token, too_slow.clone()));
        let raw = cancel
            .race(&started, extra)
            .await
            .map_err(Error::in_flight)?
            .map_err(|e| network_error(&e))?
            .dyn_into::<web_sys::Response>()
            .map_err(|_| {
                Error::parse(
                    "INVALID_RESPONSE",
                    "fetch resolved to something that is not a Response",
                    "",
                )
            })?;
        let text = raw.text().map_err(|e| network_error(&e))?;
        let response = gloo_net::http::Response::from(raw);
        let status = response.status();
        let retry_after_ms = response
            .headers()
            .get("retry-after")
            .and_then(|v| retry_after(&v));
        let extra = Some((&timeout_promise, &timeout_token, too_slow));
        let body = cancel
            .race(&text, extra)
            .await
            .map_err(Error::in_flight)?
            .map_err(|e| network_error(&e))?;
        controller.answered = true;
        Ok(Reply {
            status,
            body,
            retry_after_ms,
        })
    }
}

/// `Retry-After` (seconds, or an HTTP date) in milliseconds, at most an hour.
fn retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if let Some(secs) = crate::js_number::number(value) {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0).min(3_600_000.0) as u64);
    }
    let at = js_sys::Date::parse(value);
    at.is_finite()
        .then(|| (at - now_ms()).clamp(0.0, 3_600_000.0) as u64)
}

/// A failed fetch, whatever it rejected with.
fn network_error(e: &JsValue) -> Error {
    let detail = Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned());
    Error::network(format!(
        "the request failed: {}",
        crate::message::snippet(&detail)
    ))
}
