//! The requests in flight (`maxRequestsInFlight`) and the order of those
//! that wait: createTasks asked for first go first, a poll near its
//! deadline goes before waiting createTasks, polls that waited their turn
//! are still a second apart, and a request's time limit starts when it is
//! sent.

use crate::support::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// The client keeps at most `maxRequestsInFlight` requests in flight; the
/// rest wait their turn, and a request's time limit starts only when it is
/// sent: ten solves through a fetch that takes 400 ms a request, one at a
/// time, with a 1 s request limit, all succeed, though most wait seconds.
#[wasm_bindgen_test]
async fn requests_wait_their_turn_and_their_time_limit_starts_when_sent() {
    let c = challenge(24, 320, 240, "png").await;
    let key = account().await;
    let seen = js_sys::Object::new();
    let slow = js(
        "seen",
        "seen.now = 0; seen.most = 0; seen.order = []; \
         return async (req) => { seen.now++; seen.most = Math.max(seen.most, seen.now); \
           seen.order.push(req.url.endsWith('/createTask') ? 'c' : 'p'); \
           try { await new Promise(r => setTimeout(r, 400)); return await fetch(req); } finally { seen.now--; } }",
    )
    .call1(&JsValue::NULL, &seen)
    .unwrap();
    let client = client_through(
        &key,
        r#"{"maxRequestsInFlight": 1, "requestTimeoutMs": 1000}"#,
        &slow,
    );
    let calls: Vec<_> = (0..10)
        .map(|_| {
            wasm_bindgen_futures::JsFuture::from(
                client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}")),
            )
        })
        .collect();
    for call in calls {
        let got = call.await.map_err(|e| describe(&e)).unwrap();
        assert_close(&points(&got), &c.answer, 3.0);
    }
    assert_eq!(
        get(&seen, "most").as_f64(),
        Some(1.0),
        "one request in flight at a time"
    );
    // The ten createTasks were all asked for before any task existed: they
    // go first, as a browser's own queue would send them, and the polls
    // (which waited less than their patience, 6 s) after them.
    let order: String = js_sys::Array::from(&get(&seen, "order"))
        .iter()
        .filter_map(|s| s.as_string())
        .collect();
    assert!(
        order.starts_with("cccccccccc") && order.matches('c').count() == 10,
        "{order}"
    );
    let (created, _, _) = stats(&key).await;
    assert_eq!(created, 10);
}

/// Polls that wait their turn at the gate still come a second apart: the
/// schedule counts from when a poll was sent, not from when it was asked
/// for. One request at a time, 0.3 s each, and eight tasks solved in 2 to
/// 5.5 s: more polls are due than go out, so polls wait their turn, and
/// no two polls of one task may go out less than a second apart.
#[wasm_bindgen_test]
async fn polls_that_waited_their_turn_are_still_a_second_apart() {
    let c = challenge(25, 320, 240, "png").await;
    let key = account().await;
    let seen = js_sys::Object::new();
    let slow = js(
        "seen",
        "seen.sent = {}; \
         return async (req) => { \
           if (req.url.endsWith('/getTaskResult')) { \
             const at = Date.now(); \
             const id = JSON.parse(await req.clone().text()).taskId; \
             (seen.sent[id] ??= []).push(at); } \
           await new Promise(r => setTimeout(r, 300)); return fetch(req); }",
    )
    .call1(&JsValue::NULL, &seen)
    .unwrap();
    let client = client_through(&key, r#"{"maxRequestsInFlight": 1}"#, &slow);
    let calls: Vec<_> = (0..8)
        .map(|i| {
            let solved_in = format!(r#"{{"provider": "Vision:{}"}}"#, 2000 + 500 * i);
            JsFuture::from(client.solve(JsValue::from_str(&c.image), call_opts(&c, &solved_in)))
        })
        .collect();
    for call in calls {
        let got = call.await.map_err(|e| describe(&e)).unwrap();
        assert_close(&points(&got), &c.answer, 3.0);
    }
    let sent: js_sys::Object = get(&seen, "sent").unchecked_into();
    let mut gaps = Vec::new();
    for id in js_sys::Object::keys(&sent).iter() {
        let times: Vec<f64> = js_sys::Array::from(&js_sys::Reflect::get(&sent, &id).unwrap())
            .iter()
            .filter_map(|t| t.as_f64())
            .collect();
        gaps.extend(times.windows(2).map(|w| w[1] - w[0]));
    }
    assert!(gaps.len() >= 8, "{gaps:?}: tasks polled more than once");
    // The client spaces polls by its own note of when each is sent; this
    // fetch notes them a few statements later, and on a loaded machine the
    // engine can be descheduled in between, so a gap may read short by a
    // few ms, never by a poll's worth.
    assert!(gaps.iter().all(|g| *g >= 950.0), "{gaps:?}");
}

/// A poll queued at the gate when its call nears its deadline goes out
/// first, so that a task solved in time is seen in time. One request at a
/// time, each createTask taking 50 ms, and 60 solves asked for after the
/// first: the first task (solved 0.5 s after it was created) has its poll
/// queued behind the 60 createTasks asked for before it existed, 3 s of
/// them, while its call may take 2.5 s: it must resolve, not reject with
/// TIMEOUT while its result is ready.
#[wasm_bindgen_test]
async fn a_poll_near_its_deadline_goes_before_waiting_creates() {
    let c = challenge(26, 320, 240, "png").await;
    let key = account().await;
    let slow_creates = js(
        "",
        "return async (req) => { \
           if (req.url.endsWith('/createTask')) await new Promise(r => setTimeout(r, 50)); \
           return fetch(req); }",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let client = client_through(&key, r#"{"maxRequestsInFlight": 1}"#, &slow_creates);
    let first = JsFuture::from(client.solve(
        JsValue::from_str(&c.image),
        call_opts(&c, r#"{"provider": "Vision:500", "timeoutMs": 2500}"#),
    ));
    let others: Vec<_> = (0..60)
        .map(|_| {
            JsFuture::from(client.solve(
                JsValue::from_str(&c.image),
                call_opts(&c, r#"{"provider": "Vision:500"}"#),
            ))
        })
        .collect();
    let got = first.await.map_err(|e| describe(&e)).unwrap();
    assert_close(&points(&got), &c.answer, 3.0);
    for other in others {
        let got = other.await.map_err(|e| describe(&e)).unwrap();
        assert_close(&points(&got), &c.answer, 3.0);
    }
}
