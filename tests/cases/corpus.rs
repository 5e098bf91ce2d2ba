//! The bad-input corpus: wrong calls a JS caller can make, each rejected
//! (or thrown) with the expected `kind` and `code`, no request reaching the
//! sandbox, and the same client instance solving normally right after each.
//! The calls are written in JS, as a caller writes them.

use crate::support::*;
use js_sys::{Array, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// `[name, kind, code, async (client, img, CoordinatesClient, sandbox) => …]`.
/// `img` is a valid challenge as a data URL; `kind` `abort` means the
/// rejection must be the signal's own reason, as `fetch` does.
const CORPUS: &str = r#"
const tainted = async (sandbox) => {
  const i = new Image(); i.src = `${sandbox}/challenge/image?seed=71`;
  document.body.append(i); await i.decode();
  const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight;
  c.getContext('2d').drawImage(i, 0, 0); return c;
};
const png = (img) => fetch(img).then(r => r.arrayBuffer());
return [
  ['constructor without options', 'validation', 'MISSING_CLIENT_KEY', async (c, img, C) => new C()],
  ['constructor with {}', 'validation', 'MISSING_CLIENT_KEY', async (c, img, C) => new C({})],
  ['clientKey is a number', 'validation', 'MISSING_CLIENT_KEY', async (c, img, C) => new C({clientKey: 42})],
  ['clientKey is blank', 'validation', 'MISSING_CLIENT_KEY', async (c, img, C) => new C({clientKey: '   '})],
  ['options is a string', 'validation', 'INVALID_OPTION', async (c, img, C) => new C('my-key')],
  ['endpoint is not http', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', endpoint: 'ftp://example.com'})],
  ['endpoint is plain http to a remote host', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', endpoint: 'http://api.anysolver.com'})],
  ['endpoint is plain http to a lookalike of localhost', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', endpoint: 'http://127.0.0.1.example.com'})],
  ['allowInsecureHttp is a string', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', endpoint: 'http://api.anysolver.com', allowInsecureHttp: 'yes'})],
  ['timeoutMs is negative', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', timeoutMs: -5})],
  ['fetch is not a function', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', fetch: 'fetch'})],
  ['unknown selectionMode', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', selectionMode: 'fastest-ever'})],
  ['maxImageSide is NaN', 'validation', 'INVALID_OPTION', async (c, img, C) => new C({clientKey: 'k', maxImageSide: NaN})],
  ['call options is a string', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, 'click on bicycles')],
  ['minClicks is NaN', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {minClicks: NaN})],
  ['minClicks is negative', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {minClicks: -1})],
  ['maxClicks is a fraction', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {maxClicks: 1.5})],
  ['maxClicks is a string', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {maxClicks: '3'})],
  ['minClicks > maxClicks', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {minClicks: 5, maxClicks: 2})],
  ['region is a string', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {region: '0,0,10,10'})],
  ['region has no width', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {region: {x: 0, y: 0, height: 10}})],
  ['region.x is a string', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {region: {x: '5', width: 10, height: 10}})],
  ['region.viewportWidth is 0', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {region: {width: 10, height: 10, viewportWidth: 0}})],
  ['region lies outside the screenshot', 'image', 'REGION_OUTSIDE_IMAGE', async (c, img) => c.solve(img, {region: {x: 5000, y: 0, width: 10, height: 10, viewportWidth: 480}})],
  ['comment is a number', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {comment: 42})],
  ['comment is huge', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {comment: 'x'.repeat(20000)})],
  ['signal is not an AbortSignal', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {signal: {aborted: true}})],
  ['onProgress is not a function', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {onProgress: 'yes'})],
  ['timeoutMs is 0', 'validation', 'INVALID_OPTION', async (c, img) => c.solve(img, {timeoutMs: 0})],
  ['unknown provider mode', 'validation', 'INVALID_OPTION', async (c, img) => c.recognize(img, {keyPoolMode: 'all-of-them'})],
  ['image is null', 'validation', 'INVALID_IMAGE_INPUT', async (c) => c.solve(null)],
  ['image is undefined', 'validation', 'INVALID_IMAGE_INPUT', async (c) => c.solve(undefined)],
  ['image is a number', 'validation', 'INVALID_IMAGE_INPUT', async (c) => c.solve(42)],
  ['image is a plain object', 'validation', 'INVALID_IMAGE_INPUT', async (c) => c.solve({width: 10, height: 10})],
  ['instructions is a number', 'validation', 'INVALID_IMAGE_INPUT', async (c, img) => c.solve(img, {instructions: 7})],
  ['image is an empty string', 'image', 'EMPTY_INPUT', async (c) => c.solve('')],
  ['image is a huge non-image string', 'image', 'NOT_AN_IMAGE', async (c) => c.solve('QUFB'.repeat(4000000))],
  ['invalid base64', 'image', 'INVALID_BASE64', async (c) => c.solve('this is not base64!')],
  ['data URL of text', 'image', 'NOT_AN_IMAGE', async (c) => c.solve('data:text/plain;base64,aGVsbG8=')],
  ['data URL without base64', 'image', 'INVALID_DATA_URL', async (c) => c.solve('data:image/png,abc')],
  ['bytes that are no image', 'image', 'NOT_AN_IMAGE', async (c) => c.solve(new TextEncoder().encode('GIF? no, just text'))],
  ['a Blob of text', 'image', 'NOT_AN_IMAGE', async (c) => c.solve(new Blob(['hello'], {type: 'image/png'}))],
  ['empty bytes', 'image', 'EMPTY_INPUT', async (c) => c.solve(new ArrayBuffer(0))],
  ['a cut-off PNG', 'image', 'CORRUPT_IMAGE', async (c, img) => c.solve((await png(img)).slice(0, 20))],
  ['a zero-size canvas', 'image', 'EMPTY_IMAGE', async (c) => c.solve(Object.assign(document.createElement('canvas'), {width: 0}))],
  ['a tainted canvas', 'image', 'TAINTED_CANVAS', async (c, img, C, sandbox) => c.solve(await tainted(sandbox))],
  ['an <img> that failed to load', 'image', 'IMAGE_LOAD_FAILED', async (c) => c.solve(Object.assign(new Image(), {src: 'data:image/png;base64,AAAA'}))],
  ['a detached ArrayBuffer', 'image', 'DETACHED_BUFFER', async (c, img) => { const b = await png(img); structuredClone(b, {transfer: [b]}); return c.solve(b); }],
  ['a closed ImageBitmap', 'image', 'CLOSED_BITMAP', async (c) => { const b = await createImageBitmap(new ImageData(4, 4)); b.close(); return c.solve(b); }],
  ['an already aborted signal', 'abort', '', async (c, img) => { const a = new AbortController(); a.abort(); return c.solve(img, {signal: a.signal}); }],
  ['waitForResult without a task', 'validation', 'INVALID_TASK', async (c) => c.waitForResult('')],
  ['waitForResult with {}', 'validation', 'INVALID_TASK', async (c) => c.waitForResult({})],
  ['getTaskResult with a fraction', 'validation', 'INVALID_TASK', async (c) => c.getTaskResult(1.5)],
  ['getTaskResult with a boolean', 'validation', 'INVALID_TASK', async (c) => c.getTaskResult(true)],
];
"#;

/// Every corpus entry is refused as expected, nothing reaches the sandbox,
/// and the one client instance solves a fresh challenge after each.
#[wasm_bindgen_test]
async fn the_bad_input_corpus() {
    let key = account().await;
    let client: JsValue = client(&key, "{}").into();
    let ctor = get(&client, "constructor");
    let corpus = Array::from(&js("", CORPUS).call0(&JsValue::NULL).unwrap());
    assert!(
        corpus.length() >= 30,
        "the corpus has {} entries",
        corpus.length()
    );
    let settle = js(
        "f, c, img, C, sandbox",
        "return Promise.resolve().then(() => f(c, img, C, sandbox)).then(v => ({ok: v}), e => ({err: e}))",
    );
    let solve = js("c, img, comment", "return c.solve(img, {comment})");
    for (i, entry) in corpus.iter().enumerate() {
        let entry = Array::from(&entry);
        let (name, kind, code) = (
            entry.get(0).as_string().unwrap(),
            entry.get(1).as_string().unwrap(),
            entry.get(2).as_string().unwrap(),
        );
        let c = challenge(100 + i as u64, 320, 240, "png").await;
        let args = Array::of5(
            &entry.get(3),
            &client,
            &JsValue::from_str(&c.image),
            &ctor,
            &JsValue::from_str(sandbox()),
        );
        let outcome = ok(settle
            .apply(&JsValue::NULL, &args)
            .unwrap()
            .unchecked_into())
        .await;
        let e = get(&outcome, "err");
        assert!(
            !e.is_undefined(),
            "{name}: expected a rejection, got {}",
            describe(&get(&outcome, "ok"))
        );
        // The same checks `err` makes: no API key anywhere in the error.
        let _ = err(Promise::reject(&e)).await;
        if kind == "abort" {
            assert_eq!(
                get_str(&e, "name"),
                "AbortError",
                "{name}: {}",
                describe(&e)
            );
        } else {
            assert!(
                e.is_instance_of::<js_sys::Error>(),
                "{name}: not an Error: {}",
                describe(&e)
            );
            assert_eq!(get_str(&e, "name"), "AnySolverError", "{name}");
            assert_eq!(kind_code(&e), (kind, code), "{name}: {}", describe(&e));
            assert!(!get_str(&e, "message").is_empty(), "{name}: no message");
        }
        let got = ok(solve
            .call3(
                &JsValue::NULL,
                &client,
                &JsValue::from_str(&c.image),
                &JsValue::from_str(&c.comment),
            )
            .unwrap()
            .unchecked_into())
        .await;
        assert_close(&points(&got), &c.answer, 2.0);
        let (created, ..) = stats(&key).await;
        assert_eq!(
            created,
            i as u64 + 1,
            "{name}: a refused call created a task"
        );
    }
}
