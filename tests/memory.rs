//! Wasm memory under screenshots of megabytes, in a page of headless
//! Chromium: a suite of its own, so that its module's linear memory holds
//! what this test did and nothing the other tests left.
#![cfg(target_arch = "wasm32")]
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

/// PNG bytes of a `w`×`h` screenshot of noise (PNG cannot compress it:
/// about 3 bytes a pixel), as a `Uint8Array`.
async fn noise_png(w: u32, h: u32) -> JsValue {
    let f = js(
        "w, h",
        "const c = new OffscreenCanvas(w, h); const g = c.getContext('2d'); \
         const d = g.createImageData(w, h); \
         for (let i = 0; i < d.data.length; i++) d.data[i] = i % 4 === 3 ? 255 : Math.random() * 256; \
         g.putImageData(d, 0, 0); \
         return c.convertToBlob({type: 'image/png'}).then(b => b.arrayBuffer()).then(a => new Uint8Array(a))",
    );
    ok(
        f.call2(&JsValue::NULL, &JsValue::from(w), &JsValue::from(h))
            .unwrap()
            .unchecked_into(),
    )
    .await
}

/// Bytes of this module's linear memory (it only grows).
fn wasm_memory() -> f64 {
    get(&get(&wasm_bindgen::memory(), "buffer"), "byteLength")
        .as_f64()
        .unwrap()
}

/// Screenshots of several megabytes each, one after another and three at
/// once, round after round: the allocator reuses what the first round
/// took, so linear memory (which never shrinks) stops growing after it.
/// A leak, or a free list that fragments, would grow it every round.
/// (`cargo xtask test` runs the suites with the npm build's allocator.)
#[wasm_bindgen_test]
async fn screenshots_of_megabytes_round_after_round_leave_wasm_memory_where_round_one_left_it() {
    let mut shots = Vec::new();
    for (w, h) in [(1280, 720), (2560, 1440), (1920, 1080)] {
        shots.push(noise_png(w, h).await);
    }
    let sizes: Vec<f64> = shots
        .iter()
        .map(|s| get(s, "byteLength").as_f64().unwrap())
        .collect();
    assert!(
        sizes.iter().all(|&b| b > 3_000_000.0),
        "each screenshot is megabytes: {sizes:?}"
    );
    let client = client(&account().await, r#"{"provider": "Vision"}"#);
    let options = [
        r#"{"comment": "click on the dots", "region": {"x": 100, "y": 80, "width": 600, "height": 400}}"#,
        r#"{"comment": "click on the dots"}"#,
        r#"{"comment": "click on the dots", "region": {"x": 0, "y": 0, "width": 1280, "height": 720, "viewportWidth": 1280}}"#,
    ];
    let all = js("ps", "return Promise.all(ps)");
    let mut after = Vec::new();
    for _round in 0..4 {
        for (shot, o) in shots.iter().zip(options) {
            ok(client.create_task(shot.clone(), opts(o))).await;
        }
        let together: js_sys::Array = shots
            .iter()
            .zip(options)
            .map(|(shot, o)| JsValue::from(client.create_task(shot.clone(), opts(o))))
            .collect();
        ok(all
            .call1(&JsValue::NULL, &together)
            .unwrap()
            .unchecked_into())
        .await;
        after.push(wasm_memory());
    }
    let mb = |b: f64| (b / 1e5).round() / 10.0;
    let first = after[0];
    let last = after[after.len() - 1];
    assert!(
        last <= first,
        "wasm memory grew after round 1: {:?} MB",
        after.iter().map(|&b| mb(b)).collect::<Vec<_>>()
    );
    // Each screenshot's bytes are freed once the browser holds its copy to
    // decode, so the three prepared at once never sit in wasm memory
    // together.
    let three: f64 = sizes.iter().sum();
    assert!(
        first < three,
        "round 1 took {} MB of wasm memory for {} MB of screenshots",
        mb(first),
        mb(three)
    );
}
