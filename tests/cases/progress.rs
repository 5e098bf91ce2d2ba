//! `onProgress`: an event for each poll, from `created` to `ready`, with
//! the poll count, the time elapsed and the task id.

use crate::support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn progress_reports_each_poll() {
    let (c, _, client) = setup("Vision:2500", "{}").await;
    let events = js_sys::Array::new();
    let push = js("events", "return (e) => events.push(e)")
        .call1(&JsValue::NULL, &events)
        .unwrap();
    let o = with(
        with(json("{}"), "comment", &JsValue::from_str(&c.comment)),
        "onProgress",
        &push,
    );
    ok(client.solve(JsValue::from_str(&c.image), Some(o.unchecked_into()))).await;
    let statuses: Vec<String> = events.iter().map(|e| get_str(&e, "status")).collect();
    assert_eq!(statuses.first().map(String::as_str), Some("created"));
    assert_eq!(statuses.last().map(String::as_str), Some("ready"));
    assert!(statuses.iter().any(|s| s == "processing"), "{statuses:?}");
    let last = events.get(events.length() - 1);
    assert!(get(&last, "polls").as_f64().unwrap() >= 2.0);
    assert!(get(&last, "elapsedMs").as_f64().unwrap() >= 2500.0);
    assert!(!get_str(&last, "taskId").is_empty());
}
