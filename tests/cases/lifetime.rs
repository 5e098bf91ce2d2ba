//! What ends a call and what does not: an abort signal ends it (an
//! already aborted one before anything is sent, a later one mid-poll with
//! nothing sent after), and freeing the client does not.

use crate::support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn an_abort_mid_poll_rejects_with_the_reason_and_stops_polling() {
    let (c, key, client) = setup("Fault:never", "{}").await;
    let controller = web_sys::AbortController::new().unwrap();
    let o = with(json("{}"), "comment", &JsValue::from_str(&c.comment));
    let o = with(o, "signal", &controller.signal());
    let pending = client.solve(JsValue::from_str(&c.image), Some(o.unchecked_into()));
    sleep(2500).await;
    controller.abort_with_reason(&JsValue::from_str("stop"));
    let e = err(pending).await;
    assert_eq!(
        e.as_string().as_deref(),
        Some("stop"),
        "rejects with the signal's reason"
    );
    let (_, _, polls) = stats(&key).await;
    assert!(polls >= 1);
    sleep(2500).await;
    assert_eq!(stats(&key).await.2, polls, "no request after the abort");
}

#[wasm_bindgen_test]
async fn an_already_aborted_signal_sends_nothing() {
    let (c, key, client) = setup("Vision", "{}").await;
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let o = with(json("{}"), "signal", &controller.signal());
    let e = err(client.solve(JsValue::from_str(&c.image), Some(o.unchecked_into()))).await;
    assert_eq!(get_str(&e, "name"), "AbortError");
    assert_eq!(stats(&key).await.1, 0, "no createTask");
}

#[wasm_bindgen_test]
async fn concurrent_solves_and_free_while_pending() {
    let (c, _, client) = setup("Vision", "{}").await;
    let d = challenge(22, 360, 240, "png").await;
    let a = client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"));
    let b = client.solve(JsValue::from_str(&d.image), call_opts(&d, "{}"));
    drop(client); // free() while both are pending
    assert_close(&points(&ok(a).await), &c.answer, 3.0);
    assert_close(&points(&ok(b).await), &d.answer, 3.0);
}
