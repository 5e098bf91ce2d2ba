//! The Rust API as a Rust program (Leptos, Yew, plain web-sys) uses it: no
//! `JsValue` in its calls, Rust types in and out. Runs in a Chromium page
//! and in Node against the sandbox.

use crate::support::{account, assert_close, challenge, js, sandbox, sleep, stats};
use anysolver_coordinates::{
    Client, Config, Image, Kind, Progress, Routing, SolveOptions, Status, Task, WaitOptions,
};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// A sandbox client for `key`, its tasks forced onto `provider`.
fn rust_client(key: &str, provider: &str) -> Client {
    let config = Config::new(key)
        .with_endpoint(sandbox())
        .with_routing(Routing::default().with_provider(provider));
    Client::new(config).unwrap()
}

fn with_comment(comment: &str) -> SolveOptions {
    SolveOptions::default().with_comment(comment)
}

fn pairs(points: &[anysolver_coordinates::Point]) -> Vec<(f64, f64)> {
    points.iter().map(|p| (p.x, p.y)).collect()
}

/// Polls `work` until it is done or `timer` fires; in the second case
/// `work` is dropped unfinished and `None` returned.
struct Until<A: Future, B: Future> {
    work: Pin<Box<A>>,
    timer: Pin<Box<B>>,
}

impl<A: Future, B: Future> Future for Until<A, B> {
    type Output = Option<A::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(v) = self.work.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(_) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

async fn until<A: Future>(work: A, ms: u32) -> Option<A::Output> {
    Until {
        work: Box::pin(work),
        timer: Box::pin(sleep(ms)),
    }
    .await
}

#[wasm_bindgen_test]
async fn rust_solves_from_text_and_from_bytes() {
    let c = challenge(61, 480, 320, "png").await;
    let key = account().await;
    let client = rust_client(&key, "Vision");
    let points = client
        .solve(c.image.as_str(), with_comment(&c.comment))
        .await
        .unwrap();
    assert_close(&pairs(&points), &c.answer, 3.0);

    let bytes = anysolver_coordinates::__private::encoding::decode(&c.image.as_str().into())
        .unwrap()
        .bytes;
    let r = client
        .recognize(Image::from(bytes), with_comment(&c.comment))
        .await
        .unwrap();
    assert_close(&pairs(&r.coordinates), &c.answer, 3.0);
    assert!(r.cost.is_some_and(|c| c > 0.0) && r.timing.polls >= 1);
    assert_eq!(r.task_type, "CoordinatesRecognition");
    assert_eq!(stats(&key).await.0, 2);
    assert!((client.get_balance().await.unwrap() - 10.0).abs() > 0.0);
}

#[wasm_bindgen_test]
async fn rust_creates_then_waits_and_a_task_survives_serialisation() {
    let c = challenge(62, 480, 320, "png").await;
    let key = account().await;
    let client = rust_client(&key, "Vision");
    let task = client
        .create_task(c.image.as_str(), with_comment(&c.comment))
        .await
        .unwrap();
    let scaling = task.scaling.unwrap();
    assert_eq!((scaling.original_width, scaling.sent_width), (480, 480));
    // Stored as JSON (e.g. by a service worker) and read back.
    let stored = js_sys::JSON::stringify(&serde_wasm_bindgen::to_value(&task).unwrap()).unwrap();
    let back: Task =
        serde_wasm_bindgen::from_value(js_sys::JSON::parse(&String::from(stored)).unwrap())
            .unwrap();
    assert_eq!(back, task);
    let statuses = Rc::new(RefCell::new(Vec::<String>::new()));
    let seen = statuses.clone();
    let options = WaitOptions::default()
        .with_on_progress(move |p: &Progress| seen.borrow_mut().push(p.status().to_string()));
    let r = client.wait_for_result(&back, options).await.unwrap();
    assert_close(&pairs(&r.coordinates), &c.answer, 4.0);
    assert_eq!(
        statuses.borrow().last().map(|s| Status::of(s)),
        Some(Status::Ready)
    );
    let state = client.get_task_result(&task.task_id).await.unwrap();
    assert_eq!(state.status(), Status::Ready);
    assert_eq!(stats(&key).await.0, 1);
}

#[wasm_bindgen_test]
async fn rust_errors_are_typed_values() {
    let e = Client::new(Config::new(" ")).unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_ref()),
        (Kind::Validation, "MISSING_CLIENT_KEY")
    );
    let c = challenge(63, 320, 240, "png").await;
    let client = rust_client("anysolver_not_a_real_key_rust", "Vision");
    let e = client
        .solve(c.image.as_str(), with_comment(&c.comment))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_ref()),
        (Kind::Api, "ERROR_KEY_DOES_NOT_EXIST")
    );
    let e = client
        .solve("not base64!", SolveOptions::default())
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code.as_ref()), (Kind::Image, "INVALID_BASE64"));
}

/// Dropping the future of a call cancels it: the request in flight is
/// aborted (its signal fires) and no request follows.
#[wasm_bindgen_test]
async fn dropping_the_future_cancels_the_call() {
    let c = challenge(64, 320, 240, "png").await;
    let key = account().await;
    let signals = js_sys::Array::new();
    let recorder = js(
        "signals",
        "return (req) => { signals.push(req.signal); return fetch(req); }",
    )
    .call1(&JsValue::NULL, &signals)
    .unwrap();
    let config = Config::new(&key)
        .with_endpoint(sandbox())
        .with_fetch(recorder.unchecked_into())
        .with_routing(Routing::default().with_provider("Fault:slow:5000"));
    let client = Client::new(config).unwrap();
    // The first poll hangs for 5 s: drop the call while it is in flight.
    let unfinished = until(
        client.solve(c.image.as_str(), with_comment(&c.comment)),
        3000,
    )
    .await;
    assert!(unfinished.is_none(), "the call ended before it was dropped");
    assert!(signals.length() >= 2, "createTask and a poll were sent");
    let last: web_sys::AbortSignal = signals.get(signals.length() - 1).unchecked_into();
    assert!(last.aborted(), "the request in flight was aborted");
    let (created, creates, polls) = stats(&key).await;
    sleep(3000).await;
    assert_eq!(
        stats(&key).await,
        (created, creates, polls),
        "nothing sent after the drop"
    );
    assert_eq!((created, creates), (1, 1));
}

/// An `AbortSignal` in the options cancels the call too.
#[wasm_bindgen_test]
async fn a_signal_cancels_a_rust_call() {
    let c = challenge(65, 320, 240, "png").await;
    let key = account().await;
    let client = rust_client(&key, "Fault:never");
    let controller = web_sys::AbortController::new().unwrap();
    js("c", "setTimeout(() => c.abort(), 1500)")
        .call1(&JsValue::NULL, &controller)
        .unwrap();
    let options =
        with_comment(&c.comment).with_wait(WaitOptions::default().with_signal(controller.signal()));
    let e = client.solve(c.image.as_str(), options).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_ref()), (Kind::Aborted, "ABORTED"));
    let before = stats(&key).await;
    sleep(2500).await;
    assert_eq!(stats(&key).await, before, "nothing sent after the abort");
    // The client goes on.
    let c = challenge(66, 320, 240, "png").await;
    let client = rust_client(&key, "Vision");
    let points = client
        .solve(c.image.as_str(), with_comment(&c.comment))
        .await
        .unwrap();
    assert_close(&pairs(&points), &c.answer, 3.0);
}

/// A createTask cut off while in flight, by the call's deadline or by an
/// abort, is not retryable and says why: the task may exist and be charged.
#[wasm_bindgen_test]
async fn a_create_cut_off_in_flight_warns_that_the_task_may_exist() {
    let c = challenge(67, 320, 240, "png").await;
    let key = account().await;
    let client = rust_client(&key, "Fault:createSlow:4000");
    let deadline = with_comment(&c.comment)
        .with_wait(WaitOptions::default().with_timeout(Duration::from_millis(1500)));
    let e = client
        .create_task(c.image.as_str(), deadline)
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code.as_ref()), (Kind::Timeout, "TIMEOUT"));
    assert!(!e.retryable);
    assert!(
        e.message.contains("may have reached the service"),
        "{}",
        e.message
    );

    let controller = web_sys::AbortController::new().unwrap();
    js("c", "setTimeout(() => c.abort(), 1500)")
        .call1(&JsValue::NULL, &controller)
        .unwrap();
    let aborted =
        with_comment(&c.comment).with_wait(WaitOptions::default().with_signal(controller.signal()));
    let e = client.solve(c.image.as_str(), aborted).await.unwrap_err();
    assert_eq!((e.kind, e.code.as_ref()), (Kind::Aborted, "ABORTED"));
    assert!(!e.retryable);
    assert!(e.message.contains("could charge twice"), "{}", e.message);
    // Both requests reached the sandbox, which created (and charged) both.
    assert_eq!(stats(&key).await.0, 2);

    // Cut off before anything was sent: no warning, nothing created.
    let late =
        with_comment(&c.comment).with_wait(WaitOptions::default().with_signal(controller.signal()));
    let e = client.solve(c.image.as_str(), late).await.unwrap_err();
    assert_eq!(e.kind, Kind::Aborted);
    assert!(!e.message.contains("charge"), "{}", e.message);
    assert_eq!(stats(&key).await.0, 2);
}

#[wasm_bindgen_test]
async fn rust_falls_back_on_the_providers_it_names() {
    let c = challenge(64, 320, 240, "png").await;
    let key = account().await;
    let client = rust_client(&key, "Fault:createError:PROVIDER_GLOBAL_LIMIT_REACHED");
    let seen: Rc<RefCell<Vec<Progress>>> = Rc::default();
    let kept = seen.clone();
    let wait = WaitOptions::default()
        .with_on_progress(move |p: &Progress| kept.borrow_mut().push(p.clone()));
    let r = client
        .recognize(
            c.image.as_str(),
            with_comment(&c.comment)
                .with_fallback_providers(["Vision:200"])
                .with_wait(wait),
        )
        .await
        .unwrap();
    assert_close(&pairs(&r.coordinates), &c.answer, 3.0);
    assert_eq!(r.provider.as_deref(), Some("Vision:200"));
    let retried: Vec<_> = seen
        .borrow()
        .iter()
        .filter(|p| p.status() == Status::Retrying)
        .map(|p| (p.code.clone(), p.task_id.is_some()))
        .collect();
    assert_eq!(
        retried,
        [(Some("PROVIDER_GLOBAL_LIMIT_REACHED".to_owned()), false)]
    );
    let (created, creates, _) = stats(&key).await;
    assert_eq!((created, creates), (1, 2));
}
