//! The `CoordinatesClient` class: create, poll, wait, cancel.
//!
//! Client state lives in an `Rc<Inner>` and every method returns a Promise
//! built from `future_to_promise(async move { .. })`, so concurrent calls
//! and `free()` while one is pending are both safe.

use crate::error::{Error, Kind};
use crate::image::capture::{self, Prepared};
use crate::image::geometry::{Limits, Scaling};
use crate::js::{self, set};
use crate::options::{CallOptions, ClientOptions};
use crate::protocol::{
    self, CoordinatesTask, CreateTaskRequest, Envelope, GetBalanceRequest, GetTaskResultRequest,
    Method, Poll, Ready, TASK_TYPE, check_points,
};
use crate::schedule::{Cadence, Learner, backoff};
use crate::transport::{Cancel, Fetcher, Stop, now_ms, random};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// How many transient faults in a row a wait survives.
const MAX_CONSECUTIVE_FAULTS: u32 = 6;
/// How often createTask is retried after a 429 (the server refused it, so
/// it certainly created nothing).
const MAX_CREATE_RETRIES: u32 = 3;

/// A client of AnySolver's CoordinatesRecognition task.
#[wasm_bindgen]
#[derive(Debug)]
pub struct CoordinatesClient {
    inner: Rc<Inner>,
}

#[derive(Debug)]
struct Inner {
    opts: ClientOptions,
    fetcher: Fetcher,
    learner: RefCell<Learner>,
}

/// A created task: enough to resume waiting later (it survives
/// `JSON.stringify`, e.g. in `chrome.storage.session`).
#[derive(Clone, Debug)]
struct TaskRecord {
    task_id: String,
    created_at: f64,
    scaling: Option<Scaling>,
    provider: Option<String>,
}

impl TaskRecord {
    /// `{taskId, createdAt, scaling, provider?}`.
    fn to_js(&self) -> JsValue {
        let o: JsValue = Object::new().into();
        set(&o, "taskId", &JsValue::from_str(&self.task_id));
        set(&o, "createdAt", &JsValue::from_f64(self.created_at));
        set(
            &o,
            "scaling",
            &self.scaling.map_or(JsValue::NULL, js::scaling),
        );
        if let Some(p) = &self.provider {
            set(&o, "provider", &JsValue::from_str(p));
        }
        o
    }
}

fn reject(stop: Stop, key: &str) -> JsValue {
    match stop {
        Stop::Fail(e) => e.redact(key).into(),
        Stop::Abort(reason) => reason,
    }
}

#[wasm_bindgen]
impl CoordinatesClient {
    /// Creates a client. Throws an `AnySolverError` (`kind: "validation"`)
    /// when an option is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<CoordinatesClient, JsValue> {
        let opts = ClientOptions::read(&options)?;
        let fetcher = match &opts.fetch {
            Some(f) => Fetcher::custom(f.clone()),
            None => Fetcher::global()?,
        };
        Ok(Self {
            inner: Rc::new(Inner {
                opts,
                fetcher,
                learner: RefCell::new(Learner::default()),
            }),
        })
    }

    /// Submits `image` and resolves with the click points, in the original
    /// image's pixels.
    #[wasm_bindgen(unchecked_return_type = "Promise<Point[]>")]
    pub fn solve(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SolveOptions")] options: Option<Object>,
    ) -> Promise {
        self.run(move |inner| async move {
            let result = inner.recognize(&image, options).await?;
            if let Some(first) = result.rejected.first() {
                let mut e = Error::new(
                    Kind::Parse,
                    "INVALID_COORDINATES",
                    format!(
                        "the service answered {} unusable point(s) (first: #{}: {}); recognize() returns the rest",
                        result.rejected.len(),
                        first.index,
                        first.reason
                    ),
                );
                e.task_id = Some(result.task.task_id.clone());
                return Err(e.into());
            }
            Ok(js::points(&result.coordinates))
        })
    }

    /// Like `solve`, but resolves with the whole result: task id, points,
    /// rejected points, cost, provider, raw answer, scaling and timing.
    #[wasm_bindgen(unchecked_return_type = "Promise<Recognition>")]
    pub fn recognize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SolveOptions")] options: Option<Object>,
    ) -> Promise {
        self.run(move |inner| async move { inner.recognize(&image, options).await?.into_js() })
    }

    /// Submits `image` and resolves with a Task record at once, without
    /// waiting for the result (see `waitForResult`).
    #[wasm_bindgen(js_name = createTask, unchecked_return_type = "Promise<Task>")]
    pub fn create_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SolveOptions")] options: Option<Object>,
    ) -> Promise {
        self.run(move |inner| async move {
            let (call, cancel) = inner.begin(options)?;
            let task = inner.create(&image, &call, &cancel).await?;
            Ok(task.to_js())
        })
    }

    /// Polls a task created earlier (a Task record, or a bare task id)
    /// until it is solved, failed, past the deadline or aborted.
    #[wasm_bindgen(js_name = waitForResult, unchecked_return_type = "Promise<Recognition>")]
    pub fn wait_for_result(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Task | string")] task: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<Object>,
    ) -> Promise {
        self.run(move |inner| async move {
            let task = read_task(&task)?;
            let (call, cancel) = inner.begin(options)?;
            inner.wait(&task, &call, &cancel, false).await?.into_js()
        })
    }

    /// One getTaskResult call: resolves with the task's current state.
    #[wasm_bindgen(js_name = getTaskResult, unchecked_return_type = "Promise<TaskState>")]
    pub fn get_task_result(
        &self,
        #[wasm_bindgen(js_name = taskId, unchecked_param_type = "string")] task_id: JsValue,
    ) -> Promise {
        self.run(move |inner| async move {
            let task = read_task(&task_id)?;
            let cancel = Cancel::new(None, inner.opts.request_timeout_ms + 1_000.0);
            let (poll, raw) = inner
                .poll(&task.task_id, &cancel)
                .await
                .map_err(|s| with_task(s, &task.task_id))?;
            let state = Object::new();
            set(&state, "taskId", &JsValue::from_str(&task.task_id));
            match poll {
                Poll::Processing { status, provider } => {
                    set(&state, "status", &JsValue::from_str(&status));
                    set(&state, "provider", &opt_str(provider.as_deref()));
                }
                Poll::Ready(r) => {
                    let (good, rejected) =
                        check_points(&r.coordinates, f64::INFINITY, f64::INFINITY);
                    set(&state, "status", &JsValue::from_str("ready"));
                    set(&state, "provider", &opt_str(r.provider.as_deref()));
                    set(
                        &state,
                        "cost",
                        &r.cost.map_or(JsValue::UNDEFINED, JsValue::from_f64),
                    );
                    set(&state, "coordinates", &js::points(&good));
                    set(&state, "rejected", &js::rejected(&rejected));
                    set(&state, "raw", &raw);
                }
            }
            Ok(state.into())
        })
    }

    /// The account balance in USD.
    #[wasm_bindgen(js_name = getBalance, unchecked_return_type = "Promise<number>")]
    pub fn get_balance(&self) -> Promise {
        self.run(move |inner| async move {
            let cancel = Cancel::new(None, inner.opts.request_timeout_ms + 1_000.0);
            let body = JsValue::from(
                GetBalanceRequest {
                    client_key: &inner.opts.client_key,
                }
                .to_json(),
            );
            let (env, _, text) = inner.call(Method::GetBalance, &body, &cancel).await?;
            Ok(JsValue::from_f64(env.into_balance(&text)?))
        })
    }
}

impl CoordinatesClient {
    fn run<F, Fut>(&self, f: F) -> Promise
    where
        F: FnOnce(Rc<Inner>) -> Fut,
        Fut: std::future::Future<Output = Result<JsValue, Stop>> + 'static,
    {
        let inner = self.inner.clone();
        let key = inner.opts.client_key.clone();
        let fut = f(inner);
        future_to_promise(async move { fut.await.map_err(|s| reject(s, &key)) })
    }
}

fn opt_str(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::UNDEFINED, JsValue::from_str)
}

fn with_task(stop: Stop, task_id: &str) -> Stop {
    match stop {
        Stop::Fail(e) => Stop::Fail(e.with_task(task_id)),
        abort => abort,
    }
}

/// Reads a Task record or a bare task id.
fn read_task(value: &JsValue) -> Result<TaskRecord, Error> {
    let bad = || {
        Error::validation(
            "INVALID_TASK",
            "expected a task id (a non-empty string) or a Task record from createTask()",
        )
    };
    if let Some(id) = value.as_string() {
        let id = id.trim().to_owned();
        if id.is_empty() {
            return Err(bad());
        }
        return Ok(TaskRecord {
            task_id: id,
            created_at: now_ms(),
            scaling: None,
            provider: None,
        });
    }
    if !value.is_object() {
        return Err(bad());
    }
    let get = |k: &str| Reflect::get(value, &JsValue::from_str(k)).unwrap_or_default();
    let task_id = get("taskId")
        .as_string()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(bad)?;
    let created_at = get("createdAt")
        .as_f64()
        .filter(|t| t.is_finite())
        .unwrap_or_else(now_ms);
    let s = get("scaling");
    let dim = |k: &str| {
        Reflect::get(&s, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_f64())
            .filter(|v| v.is_finite() && *v >= 1.0)
            .map(|v| v as u32)
    };
    let scaling = match (
        dim("originalWidth"),
        dim("originalHeight"),
        dim("sentWidth"),
        dim("sentHeight"),
    ) {
        (Some(ow), Some(oh), Some(sw), Some(sh)) => Some(Scaling {
            original_width: ow,
            original_height: oh,
            sent_width: sw,
            sent_height: sh,
        }),
        _ => None,
    };
    Ok(TaskRecord {
        task_id,
        created_at,
        scaling,
        provider: get("provider").as_string(),
    })
}

/// The outcome of a wait.
struct Outcome {
    task: TaskRecord,
    coordinates: Vec<protocol::Point>,
    rejected: Vec<protocol::RejectedPoint>,
    ready: Ready,
    raw: JsValue,
    polls: u32,
    elapsed_ms: f64,
}

impl Outcome {
    fn into_js(self) -> Result<JsValue, Stop> {
        let out = Object::new();
        set(&out, "taskId", &JsValue::from_str(&self.task.task_id));
        set(&out, "coordinates", &js::points(&self.coordinates));
        set(&out, "rejected", &js::rejected(&self.rejected));
        set(
            &out,
            "cost",
            &self
                .ready
                .cost
                .map_or(JsValue::UNDEFINED, JsValue::from_f64),
        );
        set(&out, "provider", &opt_str(self.ready.provider.as_deref()));
        set(
            &out,
            "taskType",
            &JsValue::from_str(self.ready.task_type.as_deref().unwrap_or(TASK_TYPE)),
        );
        set(&out, "raw", &self.raw);
        set(
            &out,
            "scaling",
            &self.task.scaling.map_or(JsValue::UNDEFINED, js::scaling),
        );
        let timing = Object::new();
        set(
            &timing,
            "createdAt",
            &JsValue::from_f64(self.task.created_at),
        );
        set(&timing, "elapsedMs", &JsValue::from_f64(self.elapsed_ms));
        set(&timing, "polls", &JsValue::from_f64(f64::from(self.polls)));
        set(&out, "timing", &timing);
        Ok(out.into())
    }
}

struct Progress<'a> {
    callback: Option<&'a Function>,
    started: f64,
}

impl Progress<'_> {
    fn emit(&self, status: &str, polls: u32, task_id: &str) {
        let Some(cb) = self.callback else {
            return;
        };
        let event = Object::new();
        set(&event, "status", &JsValue::from_str(status));
        set(&event, "polls", &JsValue::from_f64(f64::from(polls)));
        set(
            &event,
            "elapsedMs",
            &JsValue::from_f64((now_ms() - self.started).max(0.0).round()),
        );
        set(&event, "taskId", &JsValue::from_str(task_id));
        // A throwing callback must not break the wait.
        let _ = cb.call1(&JsValue::UNDEFINED, &event);
    }
}

impl Inner {
    /// `solve` and `recognize`: creates the task and waits for its result.
    async fn recognize(&self, image: &JsValue, options: Option<Object>) -> Result<Outcome, Stop> {
        let (call, cancel) = self.begin(options)?;
        let task = self.create(image, &call, &cancel).await?;
        self.wait(&task, &call, &cancel, true).await
    }

    /// Reads a call's options and starts its deadline and signal watch.
    fn begin(&self, options: Option<Object>) -> Result<(CallOptions, Cancel), Stop> {
        let call = CallOptions::read(&options.map(JsValue::from).unwrap_or_default())?;
        let cancel = Cancel::new(
            call.signal.clone(),
            call.timeout_ms.unwrap_or(self.opts.timeout_ms),
        );
        Ok((call, cancel))
    }

    /// One API request: POST, check the status, parse the envelope.
    /// `body` is the JSON as a JS string: pending requests hold no copy in
    /// wasm memory, which never shrinks once grown.
    async fn call(
        &self,
        method: Method,
        body: &JsValue,
        cancel: &Cancel,
    ) -> Result<(Envelope, JsValue, String), Stop> {
        let reply = self
            .fetcher
            .post(
                &method.url(&self.opts.endpoint),
                body,
                self.opts.request_timeout_ms,
                cancel,
            )
            .await?;
        if reply.status != 200 {
            return Err(Error::http(reply.status, reply.retry_after_ms).into());
        }
        let value = js_sys::JSON::parse(&reply.body).map_err(|_| {
            Error::parse(
                "INVALID_RESPONSE",
                &format!("{} answered with something that is not JSON", method.name()),
                &reply.body,
            )
        })?;
        if !value.is_object() || Array::is_array(&value) {
            return Err(Error::parse(
                "INVALID_RESPONSE",
                &format!("{} answered JSON that is not an object", method.name()),
                &reply.body,
            )
            .into());
        }
        let env = Envelope::read(&value);
        Ok((env, value, reply.body))
    }

    async fn prepare(
        &self,
        input: &JsValue,
        limits: Limits,
        what: &'static str,
        cancel: &Cancel,
    ) -> Result<Prepared, Stop> {
        cancel.check()?;
        let prepared = capture::prepare(input, limits, what).await?;
        cancel.check()?;
        Ok(prepared)
    }

    async fn create(
        &self,
        image: &JsValue,
        call: &CallOptions,
        cancel: &Cancel,
    ) -> Result<TaskRecord, Stop> {
        let started = now_ms();
        let prepared = self
            .prepare(image, self.opts.limits, "image", cancel)
            .await?;
        let instructions = match &call.instructions {
            Some(i) => Some(
                self.prepare(i, Limits::INSTRUCTIONS, "instructions", cancel)
                    .await?,
            ),
            None => None,
        };
        let routing = self.opts.routing.overridden_by(&call.routing);
        // Only the request body, as a JS string, is kept across the awaits
        // below: the task and the Rust text are dropped once it is written.
        let body = {
            let task = CoordinatesTask {
                task_type: TASK_TYPE,
                image_base64: prepared.data_url,
                comment: call.comment.clone(),
                img_instructions: instructions.map(|p| p.data_url),
                min_clicks: call.min_clicks,
                max_clicks: call.max_clicks,
            };
            JsValue::from(CreateTaskRequest::new(&self.opts.client_key, &task, &routing).to_json())
        };
        let mut attempt = 0;
        let (env, _, text) = loop {
            match self.call(Method::CreateTask, &body, cancel).await {
                // 429: the server refused the request, so nothing was created
                // and trying again cannot charge twice. Nothing else is retried.
                Err(Stop::Fail(e))
                    if e.http_status == Some(429) && attempt < MAX_CREATE_RETRIES =>
                {
                    let wait = backoff(
                        attempt,
                        e.retry_after_ms.map(|ms| ms as f64 / 1000.0),
                        random(),
                    );
                    attempt += 1;
                    cancel.sleep(wait * 1000.0).await?;
                }
                Err(Stop::Fail(mut e))
                    if e.kind == Kind::Network || e.code == "REQUEST_TIMEOUT" =>
                {
                    e.retryable = false;
                    e.message = format!(
                        "{}; createTask may have reached the server, so it was not retried (that could charge twice)",
                        e.message
                    );
                    return Err(e.into());
                }
                other => break other?,
            }
        };
        let task_id = env.into_task_id(&text)?;
        let record = TaskRecord {
            task_id,
            created_at: started,
            scaling: Some(prepared.scaling),
            provider: routing.provider,
        };
        Progress {
            callback: call.on_progress.as_ref(),
            started,
        }
        .emit("created", 0, &record.task_id);
        Ok(record)
    }

    async fn poll(&self, task_id: &str, cancel: &Cancel) -> Result<(Poll, JsValue), Stop> {
        let body = JsValue::from(
            GetTaskResultRequest {
                client_key: &self.opts.client_key,
                task_id,
            }
            .to_json(),
        );
        let (env, value, text) = self.call(Method::GetTaskResult, &body, cancel).await?;
        let raw = Reflect::get(&value, &JsValue::from_str("solution"))
            .ok()
            .filter(JsValue::is_object)
            .and_then(|s| Reflect::get(&s, &JsValue::from_str("raw")).ok())
            .unwrap_or(JsValue::UNDEFINED);
        Ok((env.into_poll(&text)?, raw))
    }

    async fn wait(
        &self,
        task: &TaskRecord,
        call: &CallOptions,
        cancel: &Cancel,
        fresh: bool,
    ) -> Result<Outcome, Stop> {
        let started = now_ms();
        let progress = Progress {
            callback: call.on_progress.as_ref(),
            started,
        };
        let id = task.task_id.as_str();
        let since_created = || (now_ms() - task.created_at).max(0.0) / 1000.0;
        let mut provider = task.provider.clone();
        let (mut polls, mut last_poll, mut last_unfinished, mut faults) =
            (0u32, 0.0f64, 0.0f64, 0u32);
        let mut poll_now = !fresh;
        loop {
            let fit = self.learner.borrow().fit(provider.as_deref());
            let Some(next) = Cadence::Adaptive(fit).next_poll(polls, last_poll) else {
                let mut e = Error::new(
                    Kind::Timeout,
                    "POLL_LIMIT",
                    format!("no result after {polls} polls, the most one task may take"),
                );
                e.retryable = false;
                return Err(Stop::Fail(e.with_task(id)));
            };
            if !poll_now {
                cancel
                    .sleep((next - since_created()) * 1000.0)
                    .await
                    .map_err(|s| with_task(s, id))?;
            }
            poll_now = false;
            polls += 1;
            last_poll = since_created();
            match self.poll(id, cancel).await {
                Ok((
                    Poll::Processing {
                        status,
                        provider: p,
                    },
                    _,
                )) => {
                    faults = 0;
                    provider = provider.or(p);
                    last_unfinished = last_poll;
                    progress.emit(&status, polls, id);
                }
                Ok((Poll::Ready(ready), raw)) => {
                    let who = provider.clone().or_else(|| ready.provider.clone());
                    self.learner
                        .borrow_mut()
                        .observe(who.as_deref(), last_unfinished, last_poll);
                    let scaling = task.scaling;
                    let (w, h) = scaling.map_or((f64::INFINITY, f64::INFINITY), |s| {
                        (f64::from(s.sent_width), f64::from(s.sent_height))
                    });
                    let (good, rejected) = check_points(&ready.coordinates, w, h);
                    let coordinates = match scaling {
                        Some(s) => good.into_iter().map(|p| s.to_original(p)).collect(),
                        None => good,
                    };
                    progress.emit("ready", polls, id);
                    return Ok(Outcome {
                        task: task.clone(),
                        coordinates,
                        rejected,
                        ready,
                        raw,
                        polls,
                        elapsed_ms: (now_ms() - started).max(0.0),
                    });
                }
                Err(Stop::Fail(e)) if e.retryable && faults < MAX_CONSECUTIVE_FAULTS => {
                    progress.emit("retrying", polls, id);
                    let wait = backoff(
                        faults,
                        e.retry_after_ms.map(|ms| ms as f64 / 1000.0),
                        random(),
                    );
                    faults += 1;
                    cancel
                        .sleep(wait * 1000.0)
                        .await
                        .map_err(|s| with_task(s, id))?;
                    poll_now = true;
                }
                Err(stop) => {
                    if let Stop::Fail(e) = &stop {
                        progress.emit(
                            if e.kind == Kind::Api {
                                "failed"
                            } else {
                                "error"
                            },
                            polls,
                            id,
                        );
                    }
                    return Err(with_task(stop, id));
                }
            }
        }
    }
}
