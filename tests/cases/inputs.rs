//! Every image form a page or a worker holds, each carrying a sandbox
//! challenge with a known answer: every returned point must be within 2 px
//! of the truth in the caller's own pixels. Then the refusals, each with its
//! kind and code, and the same client solving normally right after.

use crate::support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// Runs `make` (JS source of an async function of the challenge's data URL
/// that returns the image input) and solves it.
async fn solves_from(seed: u64, width: u32, height: u32, make: &str) -> JsValue {
    let c = challenge(seed, width, height, "png").await;
    let input = ok(js("url", make)
        .call1(&JsValue::NULL, &JsValue::from_str(&c.image))
        .unwrap()
        .unchecked_into())
    .await;
    let client = client(&account().await, "{}");
    let o = Some(with(json("{}"), "comment", &JsValue::from_str(&c.comment)).unchecked_into());
    let r = ok(client.recognize(input, o)).await;
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 2.0);
    r
}

const BYTES: &str = "return fetch(url).then(r => r.arrayBuffer())";

#[wasm_bindgen_test]
async fn array_buffer() {
    solves_from(31, 480, 320, BYTES).await;
}

#[wasm_bindgen_test]
async fn uint8_array_view_with_offset() {
    // A view into the middle of a larger buffer.
    solves_from(
        32,
        480,
        320,
        "return fetch(url).then(r => r.arrayBuffer()).then(b => { const big = new Uint8Array(b.byteLength + 16); \
         big.set(new Uint8Array(b), 7); return big.subarray(7, 7 + b.byteLength); })",
    )
    .await;
}

#[wasm_bindgen_test]
async fn blob_and_file() {
    solves_from(33, 480, 320, "return fetch(url).then(r => r.blob())").await;
    solves_from(
        34,
        480,
        320,
        "return fetch(url).then(r => r.blob()).then(b => new File([b], 'challenge.png', {type: 'image/png'}))",
    )
    .await;
}

#[wasm_bindgen_test]
async fn image_bitmap() {
    solves_from(
        35,
        480,
        320,
        "return fetch(url).then(r => r.blob()).then(b => createImageBitmap(b))",
    )
    .await;
}

#[wasm_bindgen_test]
async fn offscreen_canvas() {
    solves_from(
        36,
        480,
        320,
        "return fetch(url).then(r => r.blob()).then(b => createImageBitmap(b)).then(bm => { \
         const c = new OffscreenCanvas(bm.width, bm.height); c.getContext('2d').drawImage(bm, 0, 0); return c; })",
    )
    .await;
}

#[wasm_bindgen_test]
async fn image_data() {
    solves_from(
        37,
        480,
        320,
        "return fetch(url).then(r => r.blob()).then(b => createImageBitmap(b)).then(bm => { \
         const c = new OffscreenCanvas(bm.width, bm.height); const g = c.getContext('2d'); g.drawImage(bm, 0, 0); \
         return g.getImageData(0, 0, bm.width, bm.height); })",
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_webp_is_converted_before_sending() {
    let r = solves_from(
        38,
        480,
        320,
        "return fetch(url).then(r => r.blob()).then(b => createImageBitmap(b)).then(bm => { \
         const c = new OffscreenCanvas(bm.width, bm.height); c.getContext('2d').drawImage(bm, 0, 0); \
         return c.convertToBlob({type: 'image/webp', quality: 1}); })",
    )
    .await;
    let s = get(&r, "scaling");
    assert_eq!(get(&s, "sentWidth").as_f64(), Some(480.0));
}

#[wasm_bindgen_test]
async fn a_3000_by_2000_image_is_downscaled_and_mapped_back() {
    let r = solves_from(39, 3000, 2000, BYTES).await;
    let s = get(&r, "scaling");
    assert_eq!(get(&s, "originalWidth").as_f64(), Some(3000.0));
    assert_eq!(get(&s, "originalHeight").as_f64(), Some(2000.0));
    assert_eq!(get(&s, "sentWidth").as_f64(), Some(1000.0));
    assert_eq!(get(&s, "sentHeight").as_f64(), Some(667.0));
    let scale = get(&s, "scale").as_f64().unwrap();
    assert!((scale - 1.0 / 3.0).abs() < 1e-9);
}

#[wasm_bindgen_test]
async fn a_small_image_is_sent_as_it_is() {
    let r = solves_from(40, 320, 200, "return Promise.resolve(url)").await;
    let s = get(&r, "scaling");
    assert_eq!(get(&s, "scale").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn base64_in_the_url_safe_alphabet_with_line_breaks_solves() {
    // The bare base64 rewritten as `-`/`_`, without padding, broken into
    // lines of 76: cleaned by a copy (the rare path), then sent as usual.
    solves_from(
        44,
        320,
        200,
        "const b64 = url.split(',')[1].replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''); \
         return Promise.resolve(b64.match(/.{1,76}/g).join('\\r\\n'))",
    )
    .await;
}

/// The rules for base64 as the engine applies them (`Uint8Array.fromBase64`
/// where it has it, RegExp, `indexOf`, `atob`), the same as the native unit
/// tests' (Rust's `base64`).
#[wasm_bindgen_test]
fn base64_is_checked_by_the_same_rules_in_the_engine() {
    use anysolver_coordinates::__private::encoding::{Chars, read};
    let len = |s: &str| read(&Chars::from(s)).map(|t| t.len).map_err(|e| e.code);
    for (text, bytes) in [
        ("QUJDRA==", 4),
        ("QUJDRA", 4),
        (" QUJD\n", 3),
        ("-_8BAg", 4),
        ("data:image/png;base64,+/8BAg", 4),
        ("QUJDRA=", 4),
    ] {
        assert_eq!(len(text), Ok(bytes), "{text:?}");
    }
    // Whitespace inside, which fromBase64 would skip, is cleaned out of
    // what is sent; so is the URL-safe alphabet, which it refuses.
    let sent = |s: &str| {
        read(&Chars::from(s))
            .map(|t| t.base64.copied())
            .map_err(|e| e.code)
    };
    for (text, base64) in [
        ("QUJD\r\nRA==", "QUJDRA=="),
        ("QU JD", "QUJD"),
        ("QUJDRA\n==", "QUJDRA=="),
        ("QUJD-_8=", "QUJD+/8="),
        ("QUJDRA==", "QUJDRA=="),
    ] {
        assert_eq!(sent(text), Ok(base64.to_owned()), "{text:?}");
    }
    for bad in [
        "QU===",
        "QUJDé",
        "QUJD=Q==",
        "QUJDR",
        "Q=UJ",
        "QU _!",
        "not base64!!",
    ] {
        assert_eq!(len(bad), Err("INVALID_BASE64".into()), "{bad:?}");
    }
    assert_eq!(len(""), Err("EMPTY_INPUT".into()));
    assert_eq!(len("data:image/png,abc"), Err("INVALID_DATA_URL".into()));
    // Longer than the engine's check reads at a time (48 KiB of bytes):
    // what lies past its first pass is checked too.
    let long = |middle: &str| format!("{}{middle}{}", "QUJD".repeat(30_000), "QUJD".repeat(10_000));
    assert_eq!(len(&long("")), Ok(120_000));
    assert_eq!(len(&format!("{}RA==", long(""))), Ok(120_001));
    assert_eq!(sent(&long(" \n")), Ok(long("")));
    for bad in ["QU*D", "QU==", "é"] {
        assert_eq!(len(&long(bad)), Err("INVALID_BASE64".into()), "{bad:?}");
    }
}

/// Where the engine has `Uint8Array.fromBase64` and `setFromBase64`
/// (every browser these run in), base64 is checked and decoded by them:
/// not by `atob`, whose binary string costs two bytes of wasm memory per
/// byte of image.
#[wasm_bindgen_test]
fn base64_is_decoded_by_the_engines_own_decoder() {
    use anysolver_coordinates::__private::encoding::{Chars, decode};
    let seen = js(
        "",
        "const seen = [], from = Uint8Array.fromBase64, into = Uint8Array.prototype.setFromBase64, atob = globalThis.atob; \
         if (typeof from !== 'function' || typeof into !== 'function') return null; \
         Uint8Array.fromBase64 = function (...a) { seen.push('fromBase64'); return from.apply(this, a); }; \
         Uint8Array.prototype.setFromBase64 = function (...a) { seen.push('setFromBase64'); return into.apply(this, a); }; \
         globalThis.atob = function (s) { seen.push('atob'); return atob(s); }; \
         seen.restore = () => { Uint8Array.fromBase64 = from; Uint8Array.prototype.setFromBase64 = into; globalThis.atob = atob; }; \
         return seen;",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    if seen.is_null() {
        return; // An engine without it: atob or Buffer, as before.
    }
    let bytes = decode(&Chars::from("data:image/png;base64,QUJDRA==")).map(|d| d.bytes);
    js("seen", "seen.restore()")
        .call1(&JsValue::NULL, &seen)
        .unwrap();
    assert_eq!(bytes.map_err(|e| e.code), Ok(b"ABCD".to_vec()));
    let seen: Vec<String> = js_sys::Array::from(&seen)
        .iter()
        .filter_map(|s| s.as_string())
        .collect();
    // Checked into the kept array (nothing allocated), then decoded.
    assert_eq!(
        seen.first().map(String::as_str),
        Some("setFromBase64"),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|s| s == "fromBase64")
            && seen
                .iter()
                .all(|s| s == "fromBase64" || s == "setFromBase64"),
        "{seen:?}"
    );
}

#[wasm_bindgen_test]
async fn an_instruction_image_is_sent() {
    let c = challenge(41, 400, 300, "png").await;
    let instr = challenge(42, 100, 80, "jpeg").await;
    let key = account().await;
    let client = client(&key, "{}");
    let o = with(json("{}"), "comment", &JsValue::from_str(&c.comment));
    let o = with(o, "instructions", &JsValue::from_str(&instr.image));
    let got = ok(client.solve(JsValue::from_str(&c.image), Some(o.unchecked_into()))).await;
    assert_close(&points(&got), &c.answer, 2.0);
}

/// `make` builds a bad input; the call must reject with `code` and the
/// same client must then solve normally.
async fn refuses(make: &str, kind: &str, code: &str) {
    let input = ok(js("", make).call0(&JsValue::NULL).unwrap().unchecked_into()).await;
    let key = account().await;
    let client = client(&key, "{}");
    let e = err(client.solve(input, opts(r#"{"comment": "click on every red circle"}"#))).await;
    assert_eq!(
        kind_code(&e),
        (kind.to_owned(), code.to_owned()),
        "{make}: {}",
        describe(&e)
    );
    assert!(!get_str(&e, "message").is_empty());
    assert_eq!(stats(&key).await.1, 0, "nothing was sent");
    still_solves(&client, 43).await;
}

#[wasm_bindgen_test]
async fn refusals_have_their_own_codes() {
    refuses(
        "return Promise.resolve('this is not base64!')",
        "image",
        "INVALID_BASE64",
    )
    .await;
    refuses(
        "return Promise.resolve('data:text/plain;base64,aGVsbG8=')",
        "image",
        "NOT_AN_IMAGE",
    )
    .await;
    refuses(
        "return Promise.resolve(new TextEncoder().encode('just some text, not an image at all'))",
        "image",
        "NOT_AN_IMAGE",
    )
    .await;
    refuses("return Promise.resolve('')", "image", "EMPTY_INPUT").await;
    refuses(
        "return Promise.resolve(new Uint8Array(0))",
        "image",
        "EMPTY_INPUT",
    )
    .await;
    refuses(
        "return Promise.resolve(null)",
        "validation",
        "INVALID_IMAGE_INPUT",
    )
    .await;
    refuses(
        "return Promise.resolve(42)",
        "validation",
        "INVALID_IMAGE_INPUT",
    )
    .await;
    refuses(
        "return Promise.resolve({x: 1})",
        "validation",
        "INVALID_IMAGE_INPUT",
    )
    .await;
    refuses(
        "return Promise.resolve(new OffscreenCanvas(0, 10))",
        "image",
        "EMPTY_IMAGE",
    )
    .await;
    refuses(
        "const b = new ArrayBuffer(64); structuredClone(b, {transfer: [b]}); return Promise.resolve(b)",
        "image",
        "DETACHED_BUFFER",
    )
    .await;
    refuses(
        "return createImageBitmap(new ImageData(4, 4)).then(b => { b.close(); return b; })",
        "image",
        "CLOSED_BITMAP",
    )
    .await;
    // A PNG signature with a cut-off header.
    refuses(
        "return Promise.resolve(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0]))",
        "image",
        "CORRUPT_IMAGE",
    )
    .await;
}

/// 200 solves of a Blob that must be shrunk (so each one decodes it into
/// an ImageBitmap): every bitmap the client made is closed once it is done,
/// counted through a wrapped `createImageBitmap`.
#[wasm_bindgen_test]
async fn two_hundred_blob_solves_leave_no_bitmap_open() {
    let c = challenge(42, 480, 320, "png").await;
    let blob = ok(js("url", "return fetch(url).then(r => r.blob())")
        .call1(&JsValue::NULL, &JsValue::from_str(&c.image))
        .unwrap()
        .unchecked_into())
    .await;
    let counts = json(r#"{"made": 0, "closed": 0}"#);
    js(
        "counts",
        "const original = globalThis.createImageBitmap; globalThis.__originalCreateImageBitmap = original; \
         globalThis.createImageBitmap = (...args) => original(...args).then(b => { counts.made++; \
         const close = b.close.bind(b); let done = false; \
         b.close = () => { if (!done) { done = true; counts.closed++; } close(); }; return b; });",
    )
    .call1(&JsValue::NULL, &counts)
    .unwrap();
    // Shrinking 480×320 to 240 px wide needs a decode, hence a bitmap.
    let client = client(&account().await, r#"{"maxImageSide": 240}"#);
    let comment = with(json("{}"), "comment", &JsValue::from_str(&c.comment));
    let mut solved = 0;
    for _batch in 0..10 {
        let all = js_sys::Array::new();
        for _ in 0..20 {
            all.push(&client.solve(blob.clone(), Some(comment.clone().unchecked_into())));
        }
        let results = js_sys::Array::from(&ok(js_sys::Promise::all(&all)).await);
        for r in results.iter() {
            assert_close(&points(&r), &c.answer, 3.0);
            solved += 1;
        }
    }
    js(
        "",
        "globalThis.createImageBitmap = globalThis.__originalCreateImageBitmap; \
         delete globalThis.__originalCreateImageBitmap;",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let made = get(&counts, "made").as_f64().unwrap();
    let closed = get(&counts, "closed").as_f64().unwrap();
    assert_eq!(solved, 200);
    assert!(made >= 200.0, "{made} bitmaps for 200 solves");
    assert_eq!(closed, made, "{closed} of {made} bitmaps closed");
}
