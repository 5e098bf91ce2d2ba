//! The service's own rules when it is saturated (`PROTOCOL.md`, "What the
//! service says to do"), against sandbox providers that answer as it
//! documents: provider limits and internal errors from createTask, and
//! provider limits as a task's failure (refunded).

use crate::support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const RATE: &str = "PROVIDER_RATE_LIMITED";
const GLOBAL: &str = "PROVIDER_GLOBAL_LIMIT_REACHED";

/// A call's options: the challenge's comment, `extra` (JSON), and an
/// `onProgress` that keeps every event in the array returned.
fn watched(c: &Challenge, extra: &str) -> (Option<js_sys::Object>, js_sys::Array) {
    let events = js_sys::Array::new();
    let push = js("events", "return (e) => events.push(e)")
        .call1(&JsValue::NULL, &events)
        .unwrap();
    let o = with(call_opts(c, extra).unwrap().into(), "onProgress", &push);
    (Some(o.unchecked_into()), events)
}

/// The `retrying` events: each one's code, and whether it named a task.
fn retries(events: &js_sys::Array) -> Vec<(String, bool)> {
    events
        .iter()
        .filter(|e| get_str(e, "status") == "retrying")
        .map(|e| (get_str(&e, "code"), !get(&e, "taskId").is_undefined()))
        .collect()
}

/// A challenge and a fresh account.
async fn fresh() -> (Challenge, String) {
    (challenge(31, 320, 240, "png").await, account().await)
}

/// Tasks created and createTasks made with `key`.
async fn creations(key: &str) -> (u64, u64) {
    let (created, creates, _) = stats(key).await;
    (created, creates)
}

#[wasm_bindgen_test]
async fn a_rate_limited_create_is_made_again_after_a_second_or_more() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, events) = watched(
        &c,
        &format!(r#"{{"provider": "Fault:createError:{RATE}:2"}}"#),
    );
    let started = js_sys::Date::now();
    let got = ok(client.solve(JsValue::from_str(&c.image), o)).await;
    assert_close(&points(&got), &c.answer, 3.0);
    assert!(
        js_sys::Date::now() - started >= 2000.0,
        "two waits of 1-3 s"
    );
    assert_eq!(creations(&key).await, (1, 3));
    assert_eq!(
        retries(&events),
        [(RATE.into(), false), (RATE.into(), false)]
    );
}

#[wasm_bindgen_test]
async fn a_task_failed_for_a_rate_limit_is_created_again_and_refunded() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, events) = watched(
        &c,
        &format!(r#"{{"provider": "Fault:failFirst:{RATE}:1"}}"#),
    );
    let r = ok(client.recognize(JsValue::from_str(&c.image), o)).await;
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 3.0);
    assert_eq!(creations(&key).await, (2, 2));
    assert_eq!(retries(&events), [(RATE.into(), true)]);
    // Only the task that was solved is paid for.
    let cost = get(&r, "cost").as_f64().unwrap();
    let balance = ok(client.get_balance()).await.as_f64().unwrap();
    assert!(
        (10.0 - cost - balance).abs() < 1e-6,
        "{balance} after {cost}"
    );
}

#[wasm_bindgen_test]
async fn a_global_limit_at_create_switches_to_the_calls_fallback() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, events) = watched(
        &c,
        &format!(
            r#"{{"provider": "Fault:createError:{GLOBAL}", "fallbackProviders": ["Vision:200"]}}"#
        ),
    );
    let r = ok(client.recognize(JsValue::from_str(&c.image), o)).await;
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 3.0);
    assert_eq!(get_str(&r, "provider"), "Vision:200");
    assert_eq!(retries(&events), [(GLOBAL.into(), false)]);
    assert_eq!(creations(&key).await, (1, 2));
}

#[wasm_bindgen_test]
async fn a_task_failed_for_a_global_limit_switches_to_the_clients_fallback() {
    let (c, key) = fresh().await;
    let client = client(&key, r#"{"fallbackProviders": ["Vision:200"]}"#);
    let (o, events) = watched(
        &c,
        &format!(r#"{{"provider": "Fault:failFirst:{GLOBAL}"}}"#),
    );
    let r = ok(client.recognize(JsValue::from_str(&c.image), o)).await;
    assert_eq!(get_str(&r, "provider"), "Vision:200");
    assert_eq!(retries(&events), [(GLOBAL.into(), true)]);
    assert_eq!(creations(&key).await, (2, 2));
}

#[wasm_bindgen_test]
async fn rate_limits_spend_three_retries_then_move_to_the_fallback() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, events) = watched(
        &c,
        &format!(
            r#"{{"provider": "Fault:createError:{RATE}", "fallbackProviders": ["Vision:200"]}}"#
        ),
    );
    let r = ok(client.recognize(JsValue::from_str(&c.image), o)).await;
    assert_eq!(get_str(&r, "provider"), "Vision:200");
    assert_eq!(retries(&events).len(), 4, "3 retries and a switch");
    assert_eq!(creations(&key).await, (1, 5));
}

#[wasm_bindgen_test]
async fn with_no_provider_left_the_call_rejects_at_once() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, events) = watched(
        &c,
        &format!(r#"{{"provider": "Fault:createError:{GLOBAL}"}}"#),
    );
    let e = err(client.solve(JsValue::from_str(&c.image), o)).await;
    assert_eq!(kind_code(&e), ("api".into(), GLOBAL.into()));
    assert_eq!(get(&e, "retryable"), JsValue::TRUE);
    let message = get_str(&e, "message");
    for said in ["not charged", "fallbackProviders", "wait a minute"] {
        assert!(message.contains(said), "{message}");
    }
    assert!(retries(&events).is_empty());
    assert_eq!(creations(&key).await, (0, 1));
    // A fallback that fails for another reason ends the call with it.
    let (o, _) = watched(
        &c,
        &format!(
            r#"{{"provider": "Fault:createError:{GLOBAL}", "fallbackProviders": ["Fault:failed:CAPTCHA_UNSOLVABLE", "Vision:200"]}}"#
        ),
    );
    let e = err(client.solve(JsValue::from_str(&c.image), o)).await;
    assert_eq!(kind_code(&e), ("api".into(), "CAPTCHA_UNSOLVABLE".into()));
    still_solves(&client, 32).await;
}

#[wasm_bindgen_test]
async fn an_internal_error_at_create_is_made_again() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, events) = watched(&c, r#"{"provider": "Fault:createError:INTERNAL_ERROR:1"}"#);
    let task = ok(client.create_task(JsValue::from_str(&c.image), o)).await;
    assert!(!get_str(&task, "taskId").is_empty());
    assert_eq!(retries(&events), [("INTERNAL_ERROR".into(), false)]);
    assert_eq!(creations(&key).await, (1, 2));
}

#[wasm_bindgen_test]
async fn the_deadline_cuts_a_retry_short() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let (o, _) = watched(
        &c,
        &format!(r#"{{"provider": "Fault:createError:{RATE}", "timeoutMs": 1500}}"#),
    );
    let started = js_sys::Date::now();
    let e = err(client.solve(JsValue::from_str(&c.image), o)).await;
    assert!(
        js_sys::Date::now() - started < 1500.0,
        "before the deadline"
    );
    assert_eq!(kind_code(&e), ("api".into(), RATE.into()));
    assert!(
        get_str(&e, "message").contains("no time was left"),
        "{}",
        describe(&e)
    );
    let (created, creates) = creations(&key).await;
    assert!(created == 0 && creates <= 2, "{creates} createTasks");
}

#[wasm_bindgen_test]
async fn an_abort_during_the_wait_sends_nothing_more() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let controller = web_sys::AbortController::new().unwrap();
    let (o, events) = watched(
        &c,
        &format!(r#"{{"provider": "Fault:createError:{RATE}"}}"#),
    );
    let o = with(o.unwrap().into(), "signal", &controller.signal());
    let p = client.solve(JsValue::from_str(&c.image), Some(o.unchecked_into()));
    // Aborted while it waits to create the task again.
    while retries(&events).is_empty() {
        sleep(20).await;
    }
    controller.abort_with_reason(&JsValue::from_str("stop"));
    let e = JsFuture::from(p).await.unwrap_err();
    assert_eq!(e.as_string().as_deref(), Some("stop"));
    // The retry would have gone out within 1.67 s of the refusal.
    sleep(2000).await;
    assert_eq!(
        creations(&key).await,
        (0, 1),
        "nothing sent after the abort"
    );
}

#[wasm_bindgen_test]
async fn resuming_a_task_never_creates_one() {
    let (c, key) = fresh().await;
    let client = client(&key, "{}");
    let task = ok(client.create_task(
        JsValue::from_str(&c.image),
        call_opts(&c, &format!(r#"{{"provider": "Fault:failFirst:{RATE}"}}"#)),
    ))
    .await;
    let e = err(client.wait_for_result(task, None)).await;
    assert_eq!(kind_code(&e), ("api".into(), RATE.into()));
    assert_eq!(get(&e, "retryable"), JsValue::TRUE);
    // A task's failure is final: not polled again (the first poll may come
    // before it failed), not created again.
    let (created, creates, polls) = stats(&key).await;
    assert_eq!((created, creates), (1, 1));
    assert!(polls <= 2, "{polls} polls");
}

#[wasm_bindgen_test]
async fn a_create_that_may_have_reached_the_service_has_no_fallback() {
    let (c, key) = fresh().await;
    let client = client(&key, r#"{"fallbackProviders": ["Vision:200"]}"#);
    let (o, events) = watched(&c, r#"{"provider": "Fault:createHttp:502"}"#);
    let e = err(client.solve(JsValue::from_str(&c.image), o)).await;
    assert_eq!(get(&e, "retryable"), JsValue::FALSE, "{}", describe(&e));
    assert!(retries(&events).is_empty());
    assert_eq!(creations(&key).await, (1, 1), "one task, never another");
}

#[wasm_bindgen_test]
async fn a_key_a_server_echoes_into_a_retried_code_is_in_no_progress_event() {
    let (c, key) = fresh().await;
    // createTask answers errorId 2 with the key in its code, once.
    let echo = js(
        "key",
        "let first = true; \
         return async (req) => { \
           if (first && req.url.endsWith('/createTask')) { first = false; \
             return new Response(JSON.stringify({errorId: 2, errorCode: 'INTERNAL_' + key, errorDescription: key})); } \
           return fetch(req); }",
    )
    .call1(&JsValue::NULL, &JsValue::from_str(&key))
    .unwrap();
    let client = client_through(&key, "{}", &echo);
    let (o, events) = watched(&c, "{}");
    ok(client.solve(JsValue::from_str(&c.image), o)).await;
    let said = js_sys::JSON::stringify(&events)
        .unwrap()
        .as_string()
        .unwrap();
    assert!(said.contains("INTERNAL_[redacted]"), "{said}");
    assert!(!said.contains(&key), "{said}");
}
