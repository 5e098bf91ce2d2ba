//! Task ids across calls and storage: `waitForResult` resumes from a
//! stored Task record or from a bare id, and a service's numeric ids stay
//! numbers, exact, through JSON and back.

use crate::support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn wait_for_result_resumes_from_a_record_or_an_id() {
    let (c, key, first) = setup("Vision", "{}").await;
    let task = ok(first.create_task(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    let id = get_str(&task, "taskId");
    // The record survives JSON, as in chrome.storage.session.
    let stored = json(&js_sys::JSON::stringify(&task).unwrap().as_string().unwrap());
    let again = client(&key, r#"{"provider": "Vision"}"#);
    let r = ok(again.wait_for_result(stored, None)).await;
    assert_eq!(get_str(&r, "taskId"), id);
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 3.0);
    let r = ok(again.wait_for_result(JsValue::from_str(&id), None)).await;
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 3.0);
    let one = ok(again.get_task_result(JsValue::from_str(&id))).await;
    assert_eq!(get_str(&one, "status"), "ready");
    assert_eq!(stats(&key).await.0, 1);
}

/// A service that numbers its tasks: the id stays a number (exact digits),
/// survives JSON, and goes back to getTaskResult as a number (the sandbox
/// finds a numbered task only by its number).
#[wasm_bindgen_test]
async fn numeric_task_ids_round_trip_as_numbers() {
    let (c, key, client) = setup("Fault:numericId", "{}").await;
    let got = ok(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&got), &c.answer, 3.0);
    let task = ok(client.create_task(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    let id = get(&task, "taskId");
    let n = id
        .as_f64()
        .unwrap_or_else(|| panic!("a number, got {}", describe(&id)));
    assert!(n >= 12_345_678_901.0 && n.fract() == 0.0, "{n}");
    let stored = js_sys::JSON::stringify(&task).unwrap().as_string().unwrap();
    assert!(stored.contains(&format!("\"taskId\":{n}")), "{stored}");
    let state = ok(client.get_task_result(id.clone())).await;
    assert_eq!(get(&state, "taskId"), id);
    let r = ok(client.wait_for_result(js_sys::JSON::parse(&stored).unwrap(), None)).await;
    assert_eq!(get(&r, "taskId"), id);
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 3.0);
    // The same digits as a string are another id, which the service does not know.
    let e = err(client.get_task_result(JsValue::from_str(&format!("{n}")))).await;
    assert_eq!(kind_code(&e).0, "api", "{}", describe(&e));
    assert_eq!(stats(&key).await.0, 2);
}
