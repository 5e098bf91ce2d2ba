//! The client against the sandbox's fault scenarios (HTTP errors, 429
//! with Retry-After, bodies that are not the API's, failed, slow and
//! never-finishing tasks, dropped requests, a key echoed back): what a user
//! sees, that nothing is created twice, that nothing is sent after a call
//! settles, and that every promise settles by its deadline.

use crate::support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

async fn solves_despite(provider: &str) -> (String, u64) {
    let (c, key, client) = setup(provider, "{}").await;
    let got = ok(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&got), &c.answer, 3.0);
    let (created, creates, polls) = stats(&key).await;
    assert_eq!(
        (created, creates),
        (1, 1),
        "exactly one task and one createTask"
    );
    (key, polls)
}

#[wasm_bindgen_test]
async fn transient_500s_are_retried() {
    let (_, polls) = solves_despite("Fault:http500:2").await;
    assert!(polls >= 3, "{polls} polls");
}

#[wasm_bindgen_test]
async fn internal_errors_are_retried() {
    let (_, polls) = solves_despite("Fault:internal:2").await;
    assert!(polls >= 3, "{polls} polls");
}

#[wasm_bindgen_test]
async fn too_many_requests_waits_for_retry_after() {
    let (c, _, client) = setup("Fault:429:1:2", "{}").await;
    let started = js_sys::Date::now();
    let got = ok(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&got), &c.answer, 3.0);
    // The first poll is answered 429 with Retry-After: 2, so the result
    // cannot arrive sooner than 2 s after that poll.
    assert!(js_sys::Date::now() - started >= 2000.0);
}

#[wasm_bindgen_test]
async fn out_of_image_points_are_reported_not_passed() {
    let (c, key, client) = setup("Fault:coords:outOfBounds", "{}").await;
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_eq!(
        kind_code(&e),
        ("parse".into(), "INVALID_COORDINATES".into())
    );
    assert!(!get_str(&e, "taskId").is_empty());
    assert!(!describe(&e).contains(&key));
    let r = ok(client.recognize(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&get(&r, "coordinates")), &c.answer, 3.0);
    assert_eq!(js_sys::Array::from(&get(&r, "rejected")).length(), 1);
}

#[wasm_bindgen_test]
async fn html_bodies_are_parse_errors() {
    let (c, key, client) = setup("Fault:html", "{}").await;
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_eq!(kind_code(&e), ("parse".into(), "INVALID_RESPONSE".into()));
    assert!(
        get_str(&e, "message").contains("<!doctype html>"),
        "quotes a snippet: {}",
        describe(&e)
    );
    assert!(!describe(&e).contains(&key));
}

#[wasm_bindgen_test]
async fn failed_tasks_reject_with_their_code_and_are_refunded() {
    let (c, key, client) = setup("Fault:failed:CAPTCHA_UNSOLVABLE", "{}").await;
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_eq!(kind_code(&e), ("api".into(), "CAPTCHA_UNSOLVABLE".into()));
    assert_eq!(get(&e, "errorId").as_f64(), Some(1.0));
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    assert!(!get_str(&e, "taskId").is_empty());
    assert_eq!(
        ok(client.get_balance()).await.as_f64(),
        Some(10.0),
        "refunded"
    );
    let _ = key;
}

#[wasm_bindgen_test]
async fn a_dropped_create_is_a_network_error_and_never_retried() {
    let (c, key, client) = setup("Fault:drop", "{}").await;
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_eq!(kind_code(&e).0, "network", "{}", describe(&e));
    assert_eq!(get(&e, "retryable").as_bool(), Some(false));
    let (created, creates, polls) = stats(&key).await;
    assert_eq!((created, creates, polls), (1, 1, 0));
}

#[wasm_bindgen_test]
async fn a_never_finishing_task_times_out_by_the_deadline() {
    let (c, _, client) = setup("Fault:never", r#"{"timeoutMs": 3000}"#).await;
    let started = js_sys::Date::now();
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    let took = js_sys::Date::now() - started;
    assert_eq!(kind_code(&e), ("timeout".into(), "TIMEOUT".into()));
    assert!(!get_str(&e, "taskId").is_empty());
    assert!(took <= 4000.0, "settled after {took} ms");
}

#[wasm_bindgen_test]
async fn a_slow_request_hits_the_request_timeout_within_the_deadline() {
    let (c, _, client) = setup(
        "Fault:slow:3000",
        r#"{"requestTimeoutMs": 400, "timeoutMs": 2500}"#,
    )
    .await;
    let started = js_sys::Date::now();
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    let took = js_sys::Date::now() - started;
    assert_eq!(kind_code(&e).0, "timeout", "{}", describe(&e));
    assert!(took <= 3500.0, "settled after {took} ms");
}

/// Backoff never sleeps past the deadline: with two transient 500s and a
/// 4 s deadline, the backoffs (about 1 s, then 2 s) would end after it; the
/// client polls once more just before the deadline instead, and solves.
#[wasm_bindgen_test]
async fn backoff_polls_once_more_before_the_deadline() {
    let (c, key, client) = setup("Fault:http500:2", r#"{"timeoutMs": 4000}"#).await;
    let got = ok(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&got), &c.answer, 3.0);
    let (created, _, polls) = stats(&key).await;
    assert_eq!((created, polls), (1, 3), "two 500s, then the answer");
}

/// A server that echoes the key inside `errorCode` and `errorDescription`,
/// of createTask and of getTaskResult: the key appears in no field of the
/// error (`err` checks every property), it is blanked where it stood, and
/// the client goes on.
#[wasm_bindgen_test]
async fn a_key_the_server_echoes_reaches_no_field_of_the_error() {
    for (provider, tasks) in [("Fault:echoKey:create", 0), ("Fault:echoKey:poll", 1)] {
        let (c, key, client) = setup(provider, "{}").await;
        let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
        let (kind, code) = kind_code(&e);
        assert_eq!(kind, "api", "{provider}: {}", describe(&e));
        assert_eq!(code, "KEY_[redacted]_REJECTED", "{provider}");
        assert!(
            get_str(&e, "message").contains("the key [redacted] is not accepted"),
            "{provider}: {}",
            describe(&e)
        );
        assert_eq!(stats(&key).await.0, tasks, "{provider}");
        if tasks == 1 {
            // The getTaskResult path on its own, with the Task record.
            let task =
                ok(client.create_task(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
            let e = err(client.get_task_result(get(&task, "taskId"))).await;
            assert_eq!(kind_code(&e).1, "KEY_[redacted]_REJECTED");
            assert_eq!(get(&e, "taskId"), get(&task, "taskId"));
            let e = err(client.wait_for_result(task, None)).await;
            assert_eq!(kind_code(&e).1, "KEY_[redacted]_REJECTED");
        }
    }
}

/// createTask answered HTTP 502 by a proxy after the task was created and
/// charged: one createTask, never retried, and `retryable: false` with a
/// message that says why.
#[wasm_bindgen_test]
async fn a_create_answered_5xx_is_not_retryable() {
    let (c, key, client) = setup("Fault:createHttp:502", "{}").await;
    let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_eq!(kind_code(&e), ("http".into(), "HTTP_502".into()));
    assert_eq!(
        get(&e, "retryable").as_bool(),
        Some(false),
        "{}",
        describe(&e)
    );
    assert_eq!(get(&e, "httpStatus").as_f64(), Some(502.0));
    assert!(
        get_str(&e, "message").contains("charge twice"),
        "{}",
        describe(&e)
    );
    let (created, creates, polls) = stats(&key).await;
    assert_eq!((created, creates, polls), (1, 1, 0));
}

/// The client's overall deadline in the fault matrix.
const DEADLINE_MS: f64 = 8000.0;

/// Every fault scenario, with what `solve` and what `createTask` +
/// `waitForResult` must end in.
const MATRIX: &[(&str, &str, &str)] = &[
    ("Fault:http500:2", "solved", "solved"),
    ("Fault:http503:2", "solved", "solved"),
    ("Fault:429:1:1", "solved", "solved"),
    ("Fault:internal:2", "solved", "solved"),
    (
        "Fault:html",
        "parse INVALID_RESPONSE",
        "parse INVALID_RESPONSE",
    ),
    (
        "Fault:truncated",
        "parse INVALID_RESPONSE",
        "parse INVALID_RESPONSE",
    ),
    ("Fault:slow:400", "solved", "solved"),
    ("Fault:never", "timeout TIMEOUT", "timeout TIMEOUT"),
    (
        "Fault:failed:CAPTCHA_UNSOLVABLE",
        "api CAPTCHA_UNSOLVABLE",
        "api CAPTCHA_UNSOLVABLE",
    ),
    (
        "Fault:failed:ERROR_NO_SLOT_AVAILABLE",
        "api ERROR_NO_SLOT_AVAILABLE",
        "api ERROR_NO_SLOT_AVAILABLE",
    ),
    (
        "Fault:unknownCode",
        "api ERROR_SANDBOX_NOVEL_CONDITION",
        "api ERROR_SANDBOX_NOVEL_CONDITION",
    ),
    ("Fault:coords:strings", "solved", "solved"),
    ("Fault:coords:arrays", "solved", "solved"),
    ("Fault:coords:floats", "solved", "solved"),
    (
        "Fault:coords:outOfBounds",
        "parse INVALID_COORDINATES",
        "solved, 1 rejected",
    ),
    (
        "Fault:drop",
        "network NETWORK_ERROR",
        "network NETWORK_ERROR",
    ),
    ("Fault:createHttp:502", "http HTTP_502", "http HTTP_502"),
    ("Fault:numericId", "solved", "solved"),
];

/// How a call is made in the matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Solve,
    CreateThenWait,
    /// `solve` with a signal aborted 1 s in: must reject with the reason.
    AbortAfter1s,
}

/// Runs one call against `provider` and returns what the user saw, in the
/// matrix's words; checks on the way that it settled by the deadline plus
/// one second, that exactly one task was created with one createTask, and
/// that no request follows once the promise has settled.
async fn outcome(provider: &str, mode: Mode, seed: u64) -> Result<String, String> {
    let c = challenge(seed, 400, 300, "png").await;
    let key = account().await;
    let client = client(
        &key,
        &format!(r#"{{"provider": "{provider}", "timeoutMs": {DEADLINE_MS}}}"#),
    );
    let image = JsValue::from_str(&c.image);
    let controller = web_sys::AbortController::new().unwrap();
    let mut started = js_sys::Date::now();
    // Every progress event is kept, to be searched for the key.
    let events = js_sys::Array::new();
    let push = js("events", "return (e) => events.push(e)")
        .call1(&JsValue::NULL, &events)
        .unwrap();
    let progress = || -> Option<js_sys::Object> {
        let o = with(json("{}"), "comment", &JsValue::from_str(&c.comment));
        Some(with(o, "onProgress", &push).unchecked_into())
    };
    let settled = match mode {
        Mode::Solve => JsFuture::from(client.solve(image, progress())).await,
        Mode::AbortAfter1s => {
            let o = with(progress().unwrap().into(), "signal", &controller.signal());
            let p = client.solve(image, Some(o.unchecked_into()));
            sleep(1000).await;
            controller.abort_with_reason(&JsValue::from_str("stop"));
            JsFuture::from(p).await
        }
        Mode::CreateThenWait => {
            match JsFuture::from(client.create_task(image, call_opts(&c, "{}"))).await {
                Ok(task) => {
                    started = js_sys::Date::now();
                    JsFuture::from(client.wait_for_result(task, progress())).await
                }
                Err(e) => Err(e),
            }
        }
    };
    let took = js_sys::Date::now() - started;
    let said = js_sys::JSON::stringify(&events)
        .unwrap()
        .as_string()
        .unwrap();
    let create_fails = ["Fault:drop", "Fault:createHttp:502"].contains(&provider);
    if events.length() == 0 && mode != Mode::AbortAfter1s && !create_fails {
        return Err(format!("{provider} {mode:?}: no progress events"));
    }
    if said.contains(&key) {
        return Err(format!(
            "{provider} {mode:?}: a progress event carries the API key"
        ));
    }
    let seen = match settled {
        Ok(v) if mode == Mode::CreateThenWait => {
            let rejected = js_sys::Array::from(&get(&v, "rejected")).length();
            assert_close(&points(&get(&v, "coordinates")), &c.answer, 3.0);
            match rejected {
                0 => "solved".to_owned(),
                n => format!("solved, {n} rejected"),
            }
        }
        Ok(v) => {
            assert_close(&points(&v), &c.answer, 3.0);
            "solved".to_owned()
        }
        Err(e) => {
            // The key check every rejection gets.
            let e = err(js_sys::Promise::reject(&e)).await;
            match e.as_string() {
                Some(reason) => format!("rejected with {reason:?}"),
                None => format!("{} {}", get_str(&e, "kind"), get_str(&e, "code")),
            }
        }
    };
    if took > DEADLINE_MS + 1000.0 {
        return Err(format!("{provider} {mode:?}: settled after {took} ms"));
    }
    let (created, creates, polls) = stats(&key).await;
    if (created, creates) != (1, 1) {
        return Err(format!(
            "{provider} {mode:?}: {created} tasks from {creates} createTask calls"
        ));
    }
    sleep(1200).await;
    let after = stats(&key).await.2;
    if after != polls {
        return Err(format!(
            "{provider} {mode:?}: {} requests after the promise settled",
            after - polls
        ));
    }
    Ok(seen)
}

/// Every fault scenario crossed with `solve` and `waitForResult` (and an
/// abort where the task is still in flight), all at once: each outcome as
/// the table says, settled by the deadline plus 1 s, one task each, and no
/// request after settling.
#[wasm_bindgen_test]
async fn every_fault_with_solve_and_wait_for_result() {
    let mut cases = Vec::new();
    for (provider, solve, wait) in MATRIX {
        cases.push((*provider, Mode::Solve, (*solve).to_owned()));
        cases.push((*provider, Mode::CreateThenWait, (*wait).to_owned()));
    }
    for provider in ["Fault:never", "Fault:slow:3000", "Fault:429:1:3"] {
        cases.push((
            provider,
            Mode::AbortAfter1s,
            "rejected with \"stop\"".to_owned(),
        ));
    }
    let all = js_sys::Array::new();
    for (i, (provider, mode, _)) in cases.iter().enumerate() {
        let (provider, mode) = (provider.to_string(), *mode);
        all.push(&wasm_bindgen_futures::future_to_promise(async move {
            outcome(&provider, mode, 300 + i as u64)
                .await
                .map(|s| JsValue::from_str(&s))
                .map_err(|e| JsValue::from_str(&e))
        }));
    }
    let settled = js_sys::Array::from(&ok(js_sys::Promise::all_settled(&all)).await);
    let mut wrong = Vec::new();
    for (i, (provider, mode, want)) in cases.iter().enumerate() {
        let s = settled.get(i as u32);
        match get(&s, "value").as_string() {
            Some(got) if &got == want => {}
            Some(got) => wrong.push(format!("{provider} {mode:?}: want {want}, got {got}")),
            None => wrong.push(describe(&get(&s, "reason"))),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
