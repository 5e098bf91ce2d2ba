//! Helpers shared by the wasm-bindgen-test suites: the sandbox the xtask
//! started (its address is passed at compile time, as gloo does), its
//! challenges with their true answers, throwaway accounts, and assertions
//! on what a JS caller sees.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use anysolver_coordinates::js::CoordinatesClient;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The sandbox's base URL.
pub fn sandbox() -> &'static str {
    match option_env!("SANDBOX_URL") {
        Some(url) => url,
        None => panic!("SANDBOX_URL is not set: run the suites with `cargo xtask test`"),
    }
}

/// A JS function from source (test-only glue, the same in pages, workers and Node).
pub fn js(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

/// Awaits a promise, panicking with the rejection.
pub async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("rejected: {}", describe(&e)),
    }
}

std::thread_local! {
    /// Every API key the suite has used so far.
    static KEYS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers `key`, so that every later rejection is checked against it.
pub fn used_key(key: &str) {
    KEYS.with(|k| k.borrow_mut().push(key.to_owned()));
}

/// Awaits a promise that must reject; returns the rejection, after checking
/// that no API key the suite has used occurs in it (message, `toString()`,
/// or any property).
pub async fn err(p: Promise) -> JsValue {
    let e = match JsFuture::from(p).await {
        Ok(v) => panic!("expected a rejection, got {}", describe(&v)),
        Err(e) => e,
    };
    let all = js("e", "return String(e) + ' ' + (e && e.stack) + ' ' + JSON.stringify(e, Object.getOwnPropertyNames(Object(e)))")
        .call1(&JsValue::NULL, &e)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    KEYS.with(|k| {
        for key in k.borrow().iter() {
            assert!(!all.contains(key.as_str()), "an error carries an API key");
        }
    });
    e
}

/// `String(value)` plus the error's kind and code.
pub fn describe(v: &JsValue) -> String {
    let f = js(
        "v",
        "return String(v) + (v && v.kind ? ` [${v.kind} ${v.code}]` : '') + (v && typeof v === 'object' && !(v instanceof Error) ? ' ' + JSON.stringify(v) : '')",
    );
    f.call1(&JsValue::NULL, v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `obj[key]`.
pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` as a string.
pub fn get_str(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

/// Parses JSON into a JS value.
pub fn json(s: &str) -> JsValue {
    js_sys::JSON::parse(s).expect("valid JSON in a test")
}

/// Sets `obj[key] = value` and returns obj.
pub fn with(obj: JsValue, key: &str, value: &JsValue) -> JsValue {
    Reflect::set(&obj, &JsValue::from_str(key), value).unwrap();
    obj
}

/// GETs `path` on the sandbox and parses the JSON answer.
pub async fn get_json(path: &str) -> JsValue {
    let f = js("url", "return fetch(url).then(r => r.json())");
    ok(f.call1(
        &JsValue::NULL,
        &JsValue::from_str(&format!("{}{path}", sandbox())),
    )
    .unwrap()
    .unchecked_into())
    .await
}

/// POSTs JSON to `path` on the sandbox and parses the JSON answer.
pub async fn post_json(path: &str, body: &JsValue) -> JsValue {
    let f = js(
        "url, body",
        "return fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}).then(r => r.json())",
    );
    ok(f.call2(
        &JsValue::NULL,
        &JsValue::from_str(&format!("{}{path}", sandbox())),
        body,
    )
    .unwrap()
    .unchecked_into())
    .await
}

/// A generated challenge and its true answer.
pub struct Challenge {
    /// Its image as a data URL.
    pub image: String,
    /// Its instruction.
    pub comment: String,
    /// The true centres.
    pub answer: Vec<(f64, f64)>,
}

/// A challenge from the sandbox.
pub async fn challenge(seed: u64, width: u32, height: u32, format: &str) -> Challenge {
    let v = get_json(&format!(
        "/challenge?seed={seed}&width={width}&height={height}&format={format}"
    ))
    .await;
    let answer = js_sys::Array::from(&get(&v, "answer"))
        .iter()
        .map(|p| {
            (
                get(&p, "x").as_f64().unwrap(),
                get(&p, "y").as_f64().unwrap(),
            )
        })
        .collect();
    Challenge {
        image: get_str(&v, "imageBase64"),
        comment: get_str(&v, "comment"),
        answer,
    }
}

/// A fresh sandbox account; returns its key.
pub async fn account() -> String {
    let v = post_json("/sandbox/accounts", &json(r#"{"balance": 10}"#)).await;
    let key = get_str(&v, "clientKey");
    used_key(&key);
    key
}

/// What the sandbox saw of `key`: tasks created and requests per method.
pub async fn stats(key: &str) -> (u64, u64, u64) {
    let v = post_json(
        "/sandbox/stats",
        &with(Object::new().into(), "clientKey", &JsValue::from_str(key)),
    )
    .await;
    let req = get(&v, "requests");
    let n = |k: &str| get(&req, k).as_f64().unwrap_or(0.0) as u64;
    (
        get(&v, "tasksCreated").as_f64().unwrap_or(0.0) as u64,
        n("createTask"),
        n("getTaskResult"),
    )
}

/// A client of the sandbox with `key` and extra options (a JSON object).
pub fn client(key: &str, extra: &str) -> CoordinatesClient {
    client_of(key, json(extra))
}

/// A client of the sandbox for `key`, with the options in `extra` (JSON),
/// that sends every request through `fetch`.
pub fn client_through(key: &str, extra: &str, fetch: &JsValue) -> CoordinatesClient {
    client_of(key, with(json(extra), "fetch", fetch))
}

/// A challenge, a fresh key, and a client of that key forced onto
/// `provider` (a sandbox provider such as `Vision` or `Fault:html`), with
/// the options in `extra` (JSON).
pub async fn setup(provider: &str, extra: &str) -> (Challenge, String, CoordinatesClient) {
    let c = challenge(21, 400, 300, "png").await;
    let key = account().await;
    let o = with(json(extra), "provider", &JsValue::from_str(provider));
    let client = client(
        &key,
        &js_sys::JSON::stringify(&o).unwrap().as_string().unwrap(),
    );
    (c, key, client)
}

fn client_of(key: &str, opts: JsValue) -> CoordinatesClient {
    used_key(key);
    let opts = with(opts, "clientKey", &JsValue::from_str(key));
    let opts = with(opts, "endpoint", &JsValue::from_str(sandbox()));
    CoordinatesClient::new(opts)
        .map_err(|e| describe(&e))
        .expect("client options are valid")
}

/// Options for a call: a JSON object.
pub fn opts(s: &str) -> Option<Object> {
    Some(json(s).unchecked_into())
}

/// Options for a call on `c`: its comment, and `extra` (JSON).
pub fn call_opts(c: &Challenge, extra: &str) -> Option<Object> {
    Some(with(json(extra), "comment", &JsValue::from_str(&c.comment)).unchecked_into())
}

/// `[{x, y}, ...]` as pairs.
pub fn points(v: &JsValue) -> Vec<(f64, f64)> {
    js_sys::Array::from(v)
        .iter()
        .map(|p| {
            (
                get(&p, "x").as_f64().unwrap(),
                get(&p, "y").as_f64().unwrap(),
            )
        })
        .collect()
}

/// Every true point has a returned point within `tol` pixels, and the
/// counts agree.
pub fn assert_close(got: &[(f64, f64)], truth: &[(f64, f64)], tol: f64) {
    assert_eq!(got.len(), truth.len(), "got {got:?}, truth {truth:?}");
    for t in truth {
        let d = got
            .iter()
            .map(|g| (g.0 - t.0).hypot(g.1 - t.1))
            .fold(f64::INFINITY, f64::min);
        assert!(
            d <= tol,
            "truth {t:?} is {d:.2} px from the nearest of {got:?}"
        );
    }
}

/// The error's `kind` and `code`.
pub fn kind_code(e: &JsValue) -> (String, String) {
    (get_str(e, "kind"), get_str(e, "code"))
}

/// Sleeps `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let f = js("ms", "return new Promise(r => setTimeout(r, ms))");
    ok(f.call1(&JsValue::NULL, &JsValue::from(ms))
        .unwrap()
        .unchecked_into())
    .await;
}

/// Asserts that `client` still solves a fresh challenge (after a refusal).
pub async fn still_solves(client: &CoordinatesClient, seed: u64) {
    let c = challenge(seed, 320, 240, "png").await;
    let o = Some(with(json("{}"), "comment", &JsValue::from_str(&c.comment)).unchecked_into());
    assert_close(
        &points(&ok(client.solve(JsValue::from_str(&c.image), o)).await),
        &c.answer,
        2.0,
    );
}
