//! Inputs and layout only a page has: `<canvas>`, `<img>` (same-origin,
//! CORS and tainted), and `toClientPoints` on real CSS layouts.

use crate::support::*;
use anysolver_coordinates::js::to_client_points;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

async fn solve_input(input: JsValue, c: &Challenge) -> JsValue {
    let client = client(&account().await, "{}");
    let o = Some(with(json("{}"), "comment", &JsValue::from_str(&c.comment)).unchecked_into());
    ok(client.solve(input, o)).await
}

async fn img(src: &str, cors: bool) -> JsValue {
    let f = js(
        "src, cors",
        "const i = new Image(); if (cors) i.crossOrigin = 'anonymous'; i.src = src; \
         document.body.append(i); return i.decode().then(() => i)",
    );
    ok(f.call2(
        &JsValue::NULL,
        &JsValue::from_str(src),
        &JsValue::from_bool(cors),
    )
    .unwrap()
    .unchecked_into())
    .await
}

/// A `<canvas>` with `img` drawn on it at its natural size.
fn canvas_of(img: &JsValue) -> JsValue {
    js(
        "i",
        "const c = document.createElement('canvas'); c.width = i.naturalWidth; c.height = i.naturalHeight; \
         c.getContext('2d').drawImage(i, 0, 0); return c",
    )
    .call1(&JsValue::NULL, img)
    .unwrap()
}

#[wasm_bindgen_test]
async fn html_canvas() {
    let c = challenge(51, 480, 320, "png").await;
    let i = img(&c.image, false).await;
    let canvas = canvas_of(&i);
    assert_close(&points(&solve_input(canvas, &c).await), &c.answer, 2.0);
}

#[wasm_bindgen_test]
async fn html_img_from_a_data_url_and_from_a_cors_url() {
    let c = challenge(52, 480, 320, "png").await;
    let i = img(&c.image, false).await;
    assert_close(&points(&solve_input(i, &c).await), &c.answer, 2.0);
    let url = format!("{}/challenge/image?seed=52&width=480&height=320", sandbox());
    let i = img(&url, true).await;
    assert_close(&points(&solve_input(i, &c).await), &c.answer, 2.0);
}

#[wasm_bindgen_test]
async fn a_large_canvas_is_downscaled_and_mapped_back() {
    let c = challenge(53, 2400, 1600, "png").await;
    let i = img(&c.image, false).await;
    let canvas = canvas_of(&i);
    assert_close(&points(&solve_input(canvas, &c).await), &c.answer, 2.0);
}

/// A "screenshot" of a 760×500 CSS viewport taken at `scale` device pixels
/// per CSS pixel, with the challenge shown 600×400 at CSS (110.5, 60).
fn screenshot(img: &JsValue, scale: f64) -> JsValue {
    js(
        "i, s",
        "const c = document.createElement('canvas'); c.width = 760 * s; c.height = 500 * s; \
         const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height); \
         g.drawImage(i, 110.5 * s, 60 * s, 600 * s, 400 * s); return c",
    )
    .call2(&JsValue::NULL, img, &JsValue::from_f64(scale))
    .unwrap()
}

#[wasm_bindgen_test]
async fn a_screenshot_region_is_cropped_and_answered_in_css_pixels_at_scale_1_and_2() {
    let c = challenge(56, 480, 320, "png").await;
    let i = img(&c.image, false).await;
    let client = client(&account().await, "{}");
    // The challenge's points in the element's CSS pixels.
    let truth: Vec<(f64, f64)> = c.answer.iter().map(|(x, y)| (x * 1.25, y * 1.25)).collect();
    for scale in [1.0, 2.0] {
        let o = with(
            json(
                r#"{"region": {"x": 110.5, "y": 60, "width": 600, "height": 400, "viewportWidth": 760}}"#,
            ),
            "comment",
            &JsValue::from_str(&c.comment),
        );
        let r = ok(client.recognize(screenshot(&i, scale), Some(o.unchecked_into()))).await;
        assert_close(&points(&get(&r, "coordinates")), &truth, 2.5);
        let placement = get(&r, "placement");
        assert_eq!(get(&placement, "scale").as_f64(), Some(scale));
        // Only the region was sent: 600×400 CSS pixels at this scale, shrunk to at most 1000.
        let sent = get(&get(&r, "scaling"), "originalWidth").as_f64().unwrap();
        assert!(
            (sent - 600.0 * scale).abs() <= 2.0,
            "sent {sent} px wide at scale {scale}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_tainted_canvas_says_what_to_do() {
    // An image from another origin without CORS taints the canvas.
    let url = format!("{}/challenge/image?seed=54", sandbox());
    let i = img(&url, false).await;
    let canvas = canvas_of(&i);
    let key = account().await;
    let client = client(&key, "{}");
    for input in [canvas, i] {
        let e = err(client.solve(input, None)).await;
        assert_eq!(kind_code(&e), ("image".into(), "TAINTED_CANVAS".into()));
        let msg = get_str(&e, "message");
        assert!(msg.contains("crossorigin") && msg.contains("Blob"), "{msg}");
    }
    assert_eq!(stats(&key).await.1, 0);
    still_solves(&client, 55).await;
    // A canvas large enough to be sampled before its PNG is made: the
    // tainted picture must not have left the painter's sample canvas
    // unreadable.
    let c = challenge(56, 480, 320, "png").await;
    let clean = canvas_of(&img(&c.image, false).await);
    assert_close(&points(&solve_input(clean, &c).await), &c.answer, 2.0);
}

#[wasm_bindgen_test]
async fn an_img_that_failed_to_load() {
    let i = js(
        "",
        "const i = new Image(); i.src = 'data:image/png;base64,AAAA'; return i",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let client = client(&account().await, "{}");
    let e = err(client.solve(i, None)).await;
    assert_eq!(kind_code(&e), ("image".into(), "IMAGE_LOAD_FAILED".into()));
}

#[wasm_bindgen_test]
async fn a_zero_size_canvas() {
    let c = js("", "return document.createElement('canvas')")
        .call0(&JsValue::NULL)
        .unwrap();
    js("c", "c.width = 0").call1(&JsValue::NULL, &c).unwrap();
    let client = client(&account().await, "{}");
    let e = err(client.solve(c, None)).await;
    assert_eq!(kind_code(&e), ("image".into(), "EMPTY_IMAGE".into()));
}

/// An element of natural size 400×100 laid out with `style`, fixed at
/// (30, 40) with a 5 px border and 10 px padding.
async fn laid_out(style: &str) -> JsValue {
    let f = js(
        "style",
        "const c = document.createElement('canvas'); c.width = 400; c.height = 100; \
         c.style.cssText = 'position: fixed; left: 30px; top: 40px; border: 5px solid black; padding: 10px; \
         box-sizing: content-box; ' + style; document.body.append(c); return c",
    );
    f.call1(&JsValue::NULL, &JsValue::from_str(style)).unwrap()
}

fn mapped(el: &JsValue, x: f64, y: f64) -> (f64, f64) {
    let pts = json(&format!(r#"[{{"x": {x}, "y": {y}}}]"#));
    let out = to_client_points(pts, el.clone())
        .map_err(|e| describe(&e))
        .unwrap();
    points(&out)[0]
}

fn near(a: (f64, f64), b: (f64, f64)) {
    assert!(
        (a.0 - b.0).abs() < 0.01 && (a.1 - b.1).abs() < 0.01,
        "{a:?} != {b:?}"
    );
}

#[wasm_bindgen_test]
async fn to_client_points_on_real_layouts() {
    // Content box: left 30 + 5 + 10 = 45, top 40 + 5 + 10 = 55, 200×100 CSS px.
    let fill = laid_out("width: 200px; height: 100px;").await;
    near(mapped(&fill, 100.0, 50.0), (45.0 + 50.0, 55.0 + 50.0));
    let contain = laid_out("width: 200px; height: 100px; object-fit: contain;").await;
    near(
        mapped(&contain, 100.0, 50.0),
        (45.0 + 50.0, 55.0 + 25.0 + 25.0),
    );
    let cover = laid_out("width: 200px; height: 100px; object-fit: cover;").await;
    near(
        mapped(&cover, 100.0, 50.0),
        (45.0 - 100.0 + 100.0, 55.0 + 50.0),
    );
    let none_tl =
        laid_out("width: 200px; height: 100px; object-fit: none; object-position: 0 0;").await;
    near(mapped(&none_tl, 100.0, 50.0), (45.0 + 100.0, 55.0 + 50.0));
    let scale_down = laid_out(
        "width: 200px; height: 100px; object-fit: scale-down; object-position: right bottom;",
    )
    .await;
    near(mapped(&scale_down, 0.0, 0.0), (45.0, 55.0 + 50.0));
    let positioned = laid_out(
        "width: 200px; height: 100px; object-fit: contain; object-position: 0 calc(100% - 5px);",
    )
    .await;
    near(mapped(&positioned, 0.0, 0.0), (45.0, 55.0 + 45.0));
    // CSS scaling alone: 400×100 shown at 800×200.
    let big = laid_out("width: 800px; height: 200px;").await;
    near(mapped(&big, 10.0, 10.0), (45.0 + 20.0, 55.0 + 20.0));
    let e = to_client_points(json(r#"[{"x": "a", "y": 1}]"#), big).unwrap_err();
    assert_eq!(kind_code(&e).0, "validation");
}
