//! The Rust API: [`Client`] creates tasks, polls them on an adaptive
//! schedule, and returns Rust types. The JS class in `bindings` is a thin
//! layer over it.
//!
//! A `Client` is cheap to clone (its state is shared), and each call is a
//! future: dropping it cancels the call (its request in flight is aborted
//! and nothing more is sent), as does the `signal` in its options.

use crate::config::{Auth, Config, SolveOptions, WaitOptions, ms};
use crate::error::{Error, Kind, Result};
use crate::gate::{self, Class, Gate};
use crate::geometry::point::Point;
use crate::geometry::region::Placement;
use crate::geometry::region::Region;
use crate::geometry::scaling::Scaling;
use crate::image::Image;
use crate::image::capture;
use crate::image::plan::Prepared;
use crate::image::sizing::Limits;
use crate::protocol::json::Body;
use crate::protocol::{
    CoordinatesTask, Envelope, GetBalanceRequest, GetTaskResultRequest, Method, Poll, Ready,
    Routing, TASK_TYPE, check_points, create_task_body, parse_answer, to_json,
};
use crate::recovery::{Next, Recovery, Stage};
use crate::schedule::{Cadence, Learner, backoff_ms};
use crate::task::{Progress, Recognition, Task, TaskState, Timing};
use crate::task_id::TaskId;
use crate::transport::{self, Cancel, Fetcher, Route, now_ms, random};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How many transient faults in a row a wait survives.
const MAX_CONSECUTIVE_FAULTS: u32 = 6;
/// How often createTask is retried after a 429 (the server refused it, so
/// it certainly created nothing).
const MAX_CREATE_RETRIES: u32 = 3;
/// When a wait would run past the deadline, the last poll is made this
/// long before it instead.
const LAST_POLL_BEFORE_DEADLINE_MS: f64 = 300.0;

/// When a poll of a call watched by `cancel` goes before every request
/// waiting at the gate: when the call's last poll is made, so that a poll
/// still queued then is sent in time for its answer to be seen.
fn urgent_at(cancel: &Cancel) -> f64 {
    cancel.deadline_at() - LAST_POLL_BEFORE_DEADLINE_MS
}

/// Sleeps `ms` before the next poll; if that would end past the deadline,
/// sleeps only until just before it, once (`last_chance`), so that a result
/// ready by then is still seen instead of the call timing out asleep.
async fn sleep_before_poll(cancel: &Cancel, ms: f64, last_chance: &mut bool) -> Result<()> {
    let room = cancel.remaining_ms() - LAST_POLL_BEFORE_DEADLINE_MS;
    let ms = if ms > room && !*last_chance {
        *last_chance = true;
        room.max(0.0)
    } else {
        ms
    };
    cancel.sleep(ms).await
}

/// A client of AnySolver's CoordinatesRecognition task.
///
/// ```no_run
/// use anysolver_coordinates::{Client, Config, SolveOptions};
/// # async fn run(canvas: web_sys::HtmlCanvasElement) -> Result<(), anysolver_coordinates::Error> {
/// let client = Client::new(Config::new("anysolver_..."))?;
/// let points = client
///     .solve(canvas, SolveOptions::default().with_comment("click on all bicycles"))
///     .await?;
/// for p in points {
///     println!("click at {}, {}", p.x, p.y);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Rc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    fetcher: Fetcher,
    /// Where each method's requests go.
    routes: Routes,
    learner: RefCell<Learner>,
    /// How many requests are in flight, and who goes next.
    gate: Rc<Gate>,
    /// How many more answers may tell the connection's protocol, which
    /// sets the gate's limit (0: the limit is settled).
    protocol_probes: Cell<u8>,
}

/// Where each API method's requests go.
#[derive(Debug)]
struct Routes {
    create_task: Route,
    get_task_result: Route,
    get_balance: Route,
}

/// The answers whose protocol a client with the platform's limit reads
/// before it keeps the limit it has: the platform may record an answer a
/// moment after the client has read it.
const PROTOCOL_PROBES: u8 = 3;

impl Client {
    /// A client for `config`, checked first (a `validation` error names
    /// the wrong option).
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        let mut config = Config {
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
            ..config
        };
        if let Auth::Key(key) = &mut config.auth {
            *key = key.trim().to_owned();
        }
        let fetcher = match &config.fetch {
            Some(f) => Fetcher::custom(f.clone()),
            None => Fetcher::global()?,
        };
        let route = |m: Method| Route::new(m.url(&config.endpoint));
        let routes = Routes {
            create_task: route(Method::CreateTask),
            get_task_result: route(Method::GetTaskResult),
            get_balance: route(Method::GetBalance),
        };
        let (limit, protocol_probes) = match config.max_in_flight {
            Some(n) => (n, 0),
            None => match gate::initial_limit(transport::runtime()) {
                gate::UNLIMITED => (gate::UNLIMITED, 0),
                queued => (queued, PROTOCOL_PROBES),
            },
        };
        Ok(Self {
            inner: Rc::new(Inner {
                gate: Gate::new(limit, now_ms),
                config,
                fetcher,
                routes,
                learner: RefCell::new(Learner::default()),
                protocol_probes: Cell::new(protocol_probes),
            }),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Submits `image` and returns the click points, in the original
    /// image's pixels. A point the service sent that cannot be used fails
    /// the call with `INVALID_COORDINATES` ([`Client::recognize`] returns
    /// the rest).
    pub async fn solve(
        &self,
        image: impl Into<Image>,
        options: SolveOptions,
    ) -> Result<Vec<Point>> {
        let result = self.recognize(image, options).await?;
        self.redacted(result.into_points())
    }

    /// Like [`Client::solve`], but returns the whole result: task id,
    /// points, rejected points, cost, provider, raw answer, scaling and
    /// timing.
    pub async fn recognize(
        &self,
        image: impl Into<Image>,
        options: SolveOptions,
    ) -> Result<Recognition> {
        let result = self.inner.recognize(image.into(), &options).await;
        self.redacted(result)
    }

    /// Submits `image` and returns the [`Task`] at once, without waiting
    /// for the result (see [`Client::wait_for_result`]).
    pub async fn create_task(
        &self,
        image: impl Into<Image>,
        options: SolveOptions,
    ) -> Result<Task> {
        let created = self.inner.create(image.into(), &options).await;
        self.redacted(created)
    }

    /// Polls a task created earlier until it is solved, failed, past the
    /// deadline or aborted. Points are mapped back with the task's
    /// scaling (a [`Task::from_id`] has none: they come as sent).
    pub async fn wait_for_result(&self, task: &Task, options: WaitOptions) -> Result<Recognition> {
        options.validate()?;
        let cancel = self.inner.cancel(&options);
        let mut task = task.clone();
        task.task_id = checked_id(&task.task_id)?;
        let result = self.inner.wait(&task, &options, &cancel, None).await;
        self.redacted(result)
    }

    /// One getTaskResult call: the task's current state.
    pub async fn get_task_result(&self, task_id: &TaskId) -> Result<TaskState> {
        let task_id = checked_id(task_id)?;
        let cancel = Cancel::new(None, ms(self.inner.config.request_timeout) + 1_000.0);
        // A task of unknown age: placed before every createTask waiting.
        let poll = self.inner.poll(&task_id, 0.0, &cancel).await;
        let (poll, _) = self.redacted(poll.map_err(|e| e.with_task(&task_id)))?;
        Ok(match poll {
            Poll::Processing { status, provider } => TaskState {
                task_id,
                status,
                provider,
                cost: None,
                coordinates: None,
                rejected: None,
                raw: None,
            },
            Poll::Ready(r) => {
                let (good, rejected) = check_points(&r.coordinates, f64::INFINITY, f64::INFINITY);
                TaskState {
                    task_id,
                    status: "ready".to_owned(),
                    provider: r.provider,
                    cost: r.cost,
                    coordinates: Some(good),
                    rejected: Some(rejected),
                    raw: Some(r.raw),
                }
            }
        })
    }

    /// The account balance in USD.
    pub async fn get_balance(&self) -> Result<f64> {
        let cancel = Cancel::new(None, ms(self.inner.config.request_timeout) + 1_000.0);
        let body = to_json(&GetBalanceRequest {
            client_key: self.inner.config.auth.key(),
        })?;
        let answer = self
            .inner
            .call(
                Method::GetBalance,
                Class::Poll {
                    since: now_ms(),
                    urgent_at: urgent_at(&cancel),
                },
                &body,
                &cancel,
            )
            .await;
        self.redacted(answer.and_then(|a| a.envelope.into_balance(&a.text)))
    }

    /// `result` with the API key blanked out of its error, whatever the
    /// server echoed back into it: every error that holds an answer's
    /// words passes here (the rest are the client's own).
    fn redacted<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|e| self.inner.redact(e))
    }
}

/// `id` trimmed, or a `validation` error when it is blank.
fn checked_id(id: &TaskId) -> Result<TaskId> {
    if id.is_blank() {
        return Err(Error::invalid_task());
    }
    Ok(id.clone().trimmed())
}

/// An answer of the API, read.
struct Answer {
    /// Its envelope, checked by [`parse_answer`].
    envelope: Envelope,
    /// Its text, for the parts read on demand.
    text: String,
    /// When the request was sent (ms): after its wait at the gate.
    sent_at: f64,
}

/// Sends progress events, the API key blanked out of the code of what is
/// retried (a server's words).
struct Reporter<'a> {
    callback: Option<&'a crate::config::OnProgress>,
    started: f64,
    secret: &'a str,
}

impl Reporter<'_> {
    fn emit(&self, status: &str, polls: u32, task_id: &TaskId) {
        self.send(status, polls, Some(task_id), None);
    }

    /// A `retrying` event: `code` is what is retried.
    fn retrying(&self, code: &str, polls: u32, task_id: Option<&TaskId>) {
        self.send("retrying", polls, task_id, Some(code));
    }

    fn send(&self, status: &str, polls: u32, task_id: Option<&TaskId>, code: Option<&str>) {
        if let Some(cb) = self.callback {
            cb(&Progress {
                status: status.to_owned(),
                polls,
                elapsed_ms: (now_ms() - self.started).max(0.0).round(),
                task_id: task_id.cloned(),
                code: code.map(|c| crate::error::blanked(c, self.secret)),
            });
        }
    }
}

/// A task ready to be created, kept while the service refuses it: the
/// task (its images are the platform's strings, not copied), the routing,
/// and what maps its points back.
struct Draft {
    task: CoordinatesTask,
    routing: Routing,
    scaling: Scaling,
    placement: Option<Placement>,
    /// When the call started (ms).
    started: f64,
}

impl Draft {
    /// The providers the task may be created with: the routing's, then
    /// its fallbacks.
    fn recovery(&self) -> Recovery {
        Recovery::new(
            self.routing.provider.clone(),
            &self.routing.fallback_providers,
        )
    }
}

impl Inner {
    /// The API key, blanked out of every error and progress event (empty
    /// through a relay).
    fn secret(&self) -> &str {
        self.config.auth.key().unwrap_or_default()
    }

    /// `e` with the API key blanked out. One function, not one per result
    /// type.
    #[inline(never)]
    fn redact(&self, e: Error) -> Error {
        e.redact(self.secret())
    }

    /// The progress reporter of a call that started at `started` (ms).
    fn reporter<'a>(&'a self, wait: &'a WaitOptions, started: f64) -> Reporter<'a> {
        Reporter {
            callback: wait.on_progress.as_ref(),
            started,
            secret: self.secret(),
        }
    }

    fn cancel(&self, wait: &WaitOptions) -> Cancel {
        Cancel::new(
            wait.signal.clone(),
            ms(wait.timeout.unwrap_or(self.config.timeout)),
        )
    }

    /// One API request: POST, check the status, parse the envelope (with
    /// [`parse_answer`], the protocol's one reader of answers).
    /// `class` places it in the gate's queue.
    async fn call(
        &self,
        method: Method,
        class: Class,
        body: &Body,
        cancel: &Cancel,
    ) -> Result<Answer> {
        // Wait for a slot (see `gate` for the order); the request's own
        // time limit starts only once it is sent.
        let route = match method {
            Method::CreateTask => &self.routes.create_task,
            Method::GetTaskResult => &self.routes.get_task_result,
            Method::GetBalance => &self.routes.get_balance,
        };
        let slot = cancel.until(self.gate.enter(class)).await?;
        let sent_at = now_ms();
        let reply = self
            .fetcher
            .post(route, body, ms(self.config.request_timeout), cancel)
            .await;
        drop(slot);
        let reply = reply?;
        self.read_protocol(route);
        if reply.status != 200 {
            return Err(Error::http(reply.status, reply.retry_after_ms));
        }
        let text = reply.body.as_string().unwrap_or_default();
        let envelope = parse_answer(method, &text)?;
        Ok(Answer {
            envelope,
            text,
            sent_at,
        })
    }

    /// While the limit is the platform's and unsettled: the limit that the
    /// protocol of the answer just read from `route` calls for.
    fn read_protocol(&self, route: &Route) {
        let left = self.protocol_probes.get();
        if left == 0 {
            return;
        }
        match transport::protocol(route.url()).and_then(|p| gate::limit_for_protocol(&p)) {
            Some(limit) => {
                self.gate.set_limit(limit);
                self.protocol_probes.set(0);
            }
            None => self.protocol_probes.set(left - 1),
        }
    }

    async fn prepare(
        &self,
        image: Image,
        limits: Limits,
        what: &'static str,
        region: Option<Region>,
        cancel: &Cancel,
    ) -> Result<Prepared> {
        cancel.check()?;
        let prepared = capture::prepare(image, limits, what, region).await?;
        cancel.check()?;
        Ok(prepared)
    }

    /// Creates the task and waits for its result; a task the service
    /// refused or failed for saturation is created again as [`recovery`]
    /// decides.
    async fn recognize(&self, image: Image, options: &SolveOptions) -> Result<Recognition> {
        let (cancel, draft) = self.draft(image, options).await?;
        let progress = self.reporter(&options.wait, draft.started);
        let mut recovery = draft.recovery();
        loop {
            let task = self
                .submit(&draft, &mut recovery, &progress, &cancel)
                .await?;
            let waited = self.wait(&task, &options.wait, &cancel, Some(draft.started));
            let failed = match waited.await {
                Ok(result) => return Ok(result),
                Err(e) => e,
            };
            let next = recovery.after(failed, Stage::Task, cancel.remaining_ms(), random());
            Self::recover(next, &progress, Some(&task.task_id), &cancel).await?;
        }
    }

    /// Creates the task, without waiting for its result.
    async fn create(&self, image: Image, options: &SolveOptions) -> Result<Task> {
        let (cancel, draft) = self.draft(image, options).await?;
        let progress = self.reporter(&options.wait, draft.started);
        self.submit(&draft, &mut draft.recovery(), &progress, &cancel)
            .await
    }

    /// Checks the options and prepares the images: the task to create,
    /// and the call's deadline and signal watch, which go on into the wait.
    async fn draft(&self, image: Image, options: &SolveOptions) -> Result<(Cancel, Draft)> {
        options.validate()?;
        let cancel = self.cancel(&options.wait);
        let started = now_ms();
        let prepared = self
            .prepare(image, self.config.limits, "image", options.region, &cancel)
            .await?;
        let instructions = match &options.instructions {
            Some(i) => Some(
                self.prepare(
                    i.clone(),
                    Limits::INSTRUCTIONS,
                    "instructions",
                    None,
                    &cancel,
                )
                .await?,
            ),
            None => None,
        };
        let task = CoordinatesTask {
            comment: options.comment.clone().filter(|c| !c.trim().is_empty()),
            img_instructions: instructions.map(|p| p.data_url),
            min_clicks: options.min_clicks,
            max_clicks: options.max_clicks,
            ..CoordinatesTask::new(prepared.data_url)
        };
        let draft = Draft {
            task,
            routing: self.config.routing.overridden_by(&options.routing),
            scaling: prepared.scaling,
            placement: prepared.placement,
            started,
        };
        Ok((cancel, draft))
    }

    /// Creates the task of `draft` with the provider `recovery` names,
    /// and again as it decides while the service refuses it.
    async fn submit(
        &self,
        draft: &Draft,
        recovery: &mut Recovery,
        progress: &Reporter<'_>,
        cancel: &Cancel,
    ) -> Result<Task> {
        loop {
            let routing = Routing {
                provider: recovery.provider().map(str::to_owned),
                ..draft.routing.clone()
            };
            let body = create_task_body(self.config.auth.key(), draft.task.clone(), &routing)?;
            match self.send_create(&body, cancel).await {
                Ok(task_id) => {
                    let task = Task {
                        task_id,
                        // When the service has it: the answer's arrival,
                        // not the call's start (the image's preparation and
                        // the wait for a free slot are not the task's age,
                        // which the polls are timed from).
                        created_at_ms: Some(now_ms()),
                        scaling: Some(draft.scaling),
                        placement: draft.placement,
                        provider: routing.provider,
                    };
                    progress.emit("created", 0, &task.task_id);
                    return Ok(task);
                }
                Err(e) => {
                    let next = recovery.after(e, Stage::Create, cancel.remaining_ms(), random());
                    Self::recover(next, progress, None, cancel).await?;
                }
            }
        }
    }

    /// Waits as `next` says before the task is created again (telling
    /// `progress`), or fails with its error.
    async fn recover(
        next: Next,
        progress: &Reporter<'_>,
        task_id: Option<&TaskId>,
        cancel: &Cancel,
    ) -> Result<()> {
        match next {
            Next::Fail(e) => Err(e),
            Next::Again { wait_ms, code } => {
                progress.retrying(&code, 0, task_id);
                cancel.sleep(wait_ms).await
            }
        }
    }

    /// One createTask with `body`: the new task's id. Retried only after
    /// a 429 (the server refused the request, so nothing was created and
    /// trying again cannot charge twice); an error after which a task may
    /// exist is made not retryable.
    async fn send_create(&self, body: &Body, cancel: &Cancel) -> Result<TaskId> {
        let mut attempt = 0;
        let answer = loop {
            match self
                .call(Method::CreateTask, Class::Create, body, cancel)
                .await
            {
                Err(e) if e.http_status == Some(429) && attempt < MAX_CREATE_RETRIES => {
                    let wait_ms = backoff_ms(attempt, e.retry_after_ms, random());
                    attempt += 1;
                    cancel.sleep(wait_ms).await?;
                }
                other => break other,
            }
        };
        answer
            .and_then(|a| a.envelope.into_task_id(&a.text))
            .map_err(|e| {
                if e.may_have_created_a_task() {
                    Error::create_may_have_reached(e)
                } else {
                    e
                }
            })
    }

    /// One getTaskResult of the task `task_id`, created at `since` (ms):
    /// the task's state, and when the request was sent (ms).
    async fn poll(&self, task_id: &TaskId, since: f64, cancel: &Cancel) -> Result<(Poll, f64)> {
        let body = to_json(&GetTaskResultRequest {
            client_key: self.config.auth.key(),
            task_id,
        })?;
        let a = self
            .call(
                Method::GetTaskResult,
                Class::Poll {
                    since,
                    urgent_at: urgent_at(cancel),
                },
                &body,
                cancel,
            )
            .await?;
        Ok((a.envelope.into_poll(&a.text)?, a.sent_at))
    }

    /// The result of a ready task: points checked against the sent image
    /// and mapped back onto the original.
    fn finish(
        task: &Task,
        created_at: f64,
        ready: Ready,
        polls: u32,
        elapsed_ms: f64,
    ) -> Recognition {
        let (w, h) = task.scaling.map_or((f64::INFINITY, f64::INFINITY), |s| {
            (f64::from(s.sent_width), f64::from(s.sent_height))
        });
        let (good, rejected) = check_points(&ready.coordinates, w, h);
        let coordinates = good
            .into_iter()
            .map(|p| {
                let p = task.scaling.map_or(p, |s| s.to_original(p));
                task.placement.map_or(p, |at| at.to_css(p))
            })
            .collect();
        Recognition {
            task_id: task.task_id.clone(),
            coordinates,
            rejected,
            cost: ready.cost,
            provider: ready.provider.or_else(|| task.provider.clone()),
            task_type: ready.task_type.unwrap_or_else(|| TASK_TYPE.to_owned()),
            raw: ready.raw,
            scaling: task.scaling,
            placement: task.placement,
            timing: Timing {
                created_at_ms: created_at,
                elapsed_ms,
                polls,
            },
        }
    }

    /// Polls `task` until it is ready, failed, past the deadline or
    /// aborted. `created`: the call that created it and when it started
    /// (ms), so that its first poll waits for the schedule and progress
    /// counts from the call's start; `None`: a task resumed, polled at once.
    async fn wait(
        &self,
        task: &Task,
        options: &WaitOptions,
        cancel: &Cancel,
        created: Option<f64>,
    ) -> Result<Recognition> {
        let fresh = created.is_some();
        let started = created.unwrap_or_else(now_ms);
        let progress = self.reporter(options, started);
        let id = &task.task_id;
        let created_at = task
            .created_at_ms
            .filter(|t| t.is_finite())
            .unwrap_or(started);
        let since_created = || (now_ms() - created_at).max(0.0) / 1000.0;
        let mut provider = task.provider.clone();
        let (mut polls, mut last_poll, mut last_unfinished, mut faults) =
            (0u32, 0.0f64, 0.0f64, 0u32);
        let mut poll_now = !fresh;
        let mut last_chance = false;
        loop {
            let fit = self.learner.borrow().fit(provider.as_deref());
            let Some(next) = Cadence::Adaptive(fit).next_poll(polls, last_poll) else {
                return Err(Error::poll_limit(polls).with_task(id));
            };
            if !poll_now {
                let ms = (next - since_created()) * 1000.0;
                sleep_before_poll(cancel, ms, &mut last_chance)
                    .await
                    .map_err(|e| e.with_task(id))?;
            }
            poll_now = false;
            polls += 1;
            let polled = self
                .poll(id, created_at, cancel)
                .await
                .map(|(poll, sent_at)| {
                    // The schedule counts from when the poll was sent: it may
                    // have waited its turn at the gate, and the next one must
                    // still come MIN_INTERVAL after it.
                    last_poll = (sent_at - created_at).max(0.0) / 1000.0;
                    poll
                });
            match polled {
                Ok(Poll::Processing {
                    status,
                    provider: p,
                }) => {
                    faults = 0;
                    provider = provider.or(p);
                    last_unfinished = last_poll;
                    progress.emit(&status, polls, id);
                }
                Ok(Poll::Ready(ready)) => {
                    let who = provider.clone().or_else(|| ready.provider.clone());
                    self.learner
                        .borrow_mut()
                        .observe(who.as_deref(), last_unfinished, last_poll);
                    progress.emit("ready", polls, id);
                    return Ok(Self::finish(
                        task,
                        created_at,
                        ready,
                        polls,
                        (now_ms() - started).max(0.0),
                    ));
                }
                Err(e) if e.retryable && !e.failed_task && faults < MAX_CONSECUTIVE_FAULTS => {
                    progress.retrying(&e.code, polls, Some(id));
                    let wait_ms = backoff_ms(faults, e.retry_after_ms, random());
                    faults += 1;
                    sleep_before_poll(cancel, wait_ms, &mut last_chance)
                        .await
                        .map_err(|e| e.with_task(id))?;
                    poll_now = true;
                }
                Err(e) => {
                    match e.kind {
                        Kind::Api => progress.emit("failed", polls, id),
                        Kind::Aborted => {}
                        _ => progress.emit("error", polls, id),
                    }
                    return Err(e.with_task(id));
                }
            }
        }
    }
}
