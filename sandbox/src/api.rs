//! The AnySolver API: `createTask`, `getTaskResult`, `getBalance`.
//!
//! Every API outcome is HTTP 200 with the JSON envelope; errors carry
//! `errorId`, `errorCode` and `errorDescription` as PROTOCOL.md documents.
//! An unknown or expired task id answers `errorId 1`, `TASK_NOT_FOUND`.

use crate::challenge::Point;
use crate::faults::{Fault, OddCoords};
use crate::providers::{self, KEY_POOL_MODES, Kind, RouteError, SELECTION_MODES};
use crate::state::{AppState, Outcome, Shown, Task};
use crate::upload::{Limits, check_image, decode_base64};
use crate::vision;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The code for an unknown or expired task id (the documentation names none).
pub const TASK_NOT_FOUND: &str = "TASK_NOT_FOUND";
/// The only task type the sandbox solves.
pub const TASK_TYPE: &str = "CoordinatesRecognition";

/// An API error: answered as the error envelope with HTTP 200.
#[derive(Debug)]
pub struct ApiError {
    id: u8,
    code: String,
    description: String,
}

impl ApiError {
    /// An `errorId 1` error.
    pub fn external(code: &str, description: impl Into<String>) -> Self {
        Self {
            id: 1,
            code: code.to_owned(),
            description: description.into(),
        }
    }

    fn invalid(description: impl Into<String>) -> Self {
        Self::external("INVALID_TASK_DATA", description)
    }
}

impl From<crate::upload::Refusal> for ApiError {
    fn from(r: crate::upload::Refusal) -> Self {
        Self::external(r.code, r.description)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        axum::Json(json!({
            "errorId": self.id,
            "errorCode": self.code,
            "errorDescription": self.description,
        }))
        .into_response()
    }
}

type Shared = State<Arc<AppState>>;

fn body_json(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::external("IMAGE_TOO_LARGE", "request body over the size limit")
        } else {
            ApiError::invalid(format!("unreadable body: {e}"))
        }
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::invalid("body is not a JSON object")),
        Err(e) => Err(ApiError::invalid(format!("body is not JSON: {e}"))),
    }
}

/// Checks the `clientKey` of `body`, counts the request, and returns the key.
fn authorise(
    state: &AppState,
    body: &Map<String, Value>,
    method: &'static str,
) -> Result<String, ApiError> {
    let key = body
        .get("clientKey")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::external("ERROR_KEY_DOES_NOT_EXIST", "clientKey is missing"))?;
    let mut ledgers = state.ledgers.lock().map_err(|_| ApiError {
        id: 2,
        code: "INTERNAL_ERROR".into(),
        description: "lock poisoned".into(),
    })?;
    let ledger = ledgers
        .get_mut(key)
        .ok_or_else(|| ApiError::external("ERROR_KEY_DOES_NOT_EXIST", "no such API key"))?;
    *ledger.requests.entry(method).or_default() += 1;
    if ledger.account.banned {
        return Err(ApiError::external(
            "ERROR_USER_BANNED",
            "this account is suspended",
        ));
    }
    Ok(key.to_owned())
}

fn internal() -> ApiError {
    ApiError {
        id: 2,
        code: "INTERNAL_ERROR".into(),
        description: "the sandbox lost its state lock".into(),
    }
}

fn opt_str<'a>(m: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("{field} must be a string"))),
    }
}

fn opt_clicks(m: &Map<String, Value>, field: &str) -> Result<Option<u64>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(Some(n)),
            _ => Err(ApiError::invalid(format!(
                "{field} must be an integer of at least 1"
            ))),
        },
    }
}

/// `POST /createTask`.
pub async fn create_task(State(state): Shared, body: Result<Bytes, BytesRejection>) -> Response {
    let created = create(&state, body).await;
    if let Ok((_, Some(Fault::CreateSlow(ms)))) = &created {
        tokio::time::sleep(std::time::Duration::from_millis(*ms)).await;
    }
    match created {
        Ok((_, Some(Fault::Drop))) => dropped_connection(),
        Ok((_, Some(Fault::CreateHttp(status)))) => html(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "<html><body><h1>502 Bad Gateway</h1><p>upstream went away</p></body></html>",
        ),
        Ok((TaskId::Number(n), _)) => {
            axum::Json(json!({"errorId": 0, "taskId": n})).into_response()
        }
        Ok((TaskId::Text(id), _)) => {
            axum::Json(json!({"errorId": 0, "taskId": id})).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// A task id as createTask gave it.
#[derive(Debug)]
enum TaskId {
    /// A ULID, the sandbox's usual id.
    Text(String),
    /// A number (`Fault:numericId`).
    Number(u64),
}

/// The next numeric task id: above 2³² on purpose, so a client that keeps
/// ids in 32 bits (or as rounded floats) is caught.
static NEXT_NUMERIC_ID: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(12_345_678_901);

/// An error that quotes `key`, as a careless server might (`Fault:echoKey`).
fn echoing(key: &str) -> ApiError {
    ApiError::external(
        &format!("KEY_{key}_REJECTED"),
        format!("the key {key} is not accepted here (sandbox fault scenario)"),
    )
}

/// A response whose body fails at once: hyper closes the connection
/// without a complete answer.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("sandbox fault: connection dropped"))
    });
    Response::new(Body::from_stream(failing))
}

/// Creates the task: its id, and the fault (if any) that decides how
/// createTask answers.
async fn create(
    state: &Arc<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(TaskId, Option<Fault>), ApiError> {
    let body = body_json(body)?;
    let key = authorise(state, &body, "createTask")?;
    let task = match body.get("task") {
        Some(Value::Object(t)) => t,
        _ => return Err(ApiError::invalid("task must be an object")),
    };
    match task.get("type").and_then(Value::as_str) {
        Some(TASK_TYPE) => {}
        Some(other) => {
            return Err(ApiError::external(
                "TASK_NOT_SUPPORTED",
                format!("task type {other} is not supported by the sandbox"),
            ));
        }
        None => return Err(ApiError::invalid("task.type is missing")),
    }
    let image_field = opt_str(task, "imageBase64")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("task.imageBase64 is required"))?
        .to_owned();
    let comment = opt_str(task, "comment")?.map(str::to_owned);
    let instructions = opt_str(task, "imgInstructions")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let min_clicks = opt_clicks(task, "minClicks")?;
    let max_clicks = opt_clicks(task, "maxClicks")?;
    if let (Some(min), Some(max)) = (min_clicks, max_clicks)
        && min > max
    {
        return Err(ApiError::invalid("minClicks is greater than maxClicks"));
    }
    let mode_field = opt_str(&body, "selectionMode")?;
    if let Some(mode) = mode_field
        && !SELECTION_MODES.contains(&mode)
    {
        return Err(ApiError::invalid(format!(
            "selectionMode must be one of {}",
            SELECTION_MODES.join(", ")
        )));
    }
    let pool = opt_str(&body, "keyPoolMode")?.unwrap_or("all");
    if !KEY_POOL_MODES.contains(&pool) {
        return Err(ApiError::invalid("keyPoolMode must be all or platformOnly"));
    }

    let (saved_mode, priority) = {
        let ledgers = state.ledgers.lock().map_err(|_| internal())?;
        let acc = ledgers.get(&key).map(|l| l.account.clone());
        (
            acc.as_ref().and_then(|a| a.selection_mode.clone()),
            acc.map(|a| a.priority).unwrap_or_default(),
        )
    };
    let provider = match opt_str(&body, "provider")? {
        Some(name) => {
            let p = providers::by_name(name)
                .ok_or_else(|| ApiError::invalid(format!("unknown provider {name}")))?;
            if !p.supports_coordinates() {
                return Err(ApiError::external(
                    "TASK_NOT_SUPPORTED",
                    format!("provider {name} does not support {TASK_TYPE}"),
                ));
            }
            p
        }
        None => {
            let mode = mode_field
                .map(str::to_owned)
                .or(saved_mode)
                .unwrap_or_else(|| "autoCheapest".to_owned());
            let stats = state.stats.lock().map_err(|_| internal())?;
            let delay = state.settings.solve_delay.as_millis() as u64;
            providers::route(&mode, pool == "platformOnly", &priority, &stats, delay).map_err(
                |RouteError::NotSupported| {
                    ApiError::external(
                        "TASK_NOT_SUPPORTED",
                        format!("no provider available to {mode} routing supports {TASK_TYPE}"),
                    )
                },
            )?
        }
    };

    let limits = (state.settings.image, state.settings.instructions);
    let solve_comment = comment.clone();
    let checked = tokio::task::spawn_blocking(move || {
        examine(
            &image_field,
            instructions.as_deref(),
            solve_comment.as_deref(),
            limits,
        )
    })
    .await
    .map_err(|_| internal())??;

    let fault = match &provider.kind {
        Kind::Fault(f) => Some(f.clone()),
        _ => None,
    };
    if fault == Some(Fault::EchoKey { at_poll: false }) {
        return Err(echoing(&key));
    }
    // Whether this createTask is among the first a counting fault hits.
    let hit = match &fault {
        Some(Fault::CreateError { times, .. } | Fault::FailFirst { times, .. }) => {
            let mut ledgers = state.ledgers.lock().map_err(|_| internal())?;
            let seen = ledgers
                .get_mut(&key)
                .map(|l| l.fault_hits.entry(provider.name.clone()).or_default())
                .ok_or_else(|| ApiError::external("ERROR_KEY_DOES_NOT_EXIST", "no such API key"))?;
            *seen = seen.saturating_add(1);
            times.is_none_or(|t| *seen <= t)
        }
        _ => false,
    };
    if let Some(Fault::CreateError { code, .. }) = &fault
        && hit
    {
        return Err(ApiError {
            id: if code == "INTERNAL_ERROR" { 2 } else { 1 },
            code: code.clone(),
            description: format!("createTask refused with {code} (sandbox fault scenario)"),
        });
    }
    let now = Instant::now();
    let fails_with = match &fault {
        Some(Fault::Failed(code)) => Some(code),
        Some(Fault::FailFirst { code, .. }) if hit => Some(code),
        _ => None,
    };
    let outcome = match (fails_with, &provider.kind, checked.solved) {
        (Some(code), _, _) => Outcome::Failed {
            code: code.clone(),
            description: format!("the provider failed with {code} (sandbox fault scenario)"),
        },
        (None, Kind::Human, _) => Outcome::Pending,
        (None, Kind::Fault(Fault::Never), _) => Outcome::Pending,
        (None, _, Ok((points, raw))) => clicks_outcome(points, raw, min_clicks, max_clicks),
        (None, _, Err(description)) => Outcome::Failed {
            code: "CAPTCHA_UNSOLVABLE".into(),
            description,
        },
    };
    // The vision provider's own verdict (not a fault scenario's): the
    // image is kept when asked, to show what the client sent.
    let kept = state
        .keep_unsolvable
        .as_ref()
        .filter(|_| matches!(outcome, Outcome::Failed { .. }) && fault.is_none())
        .map(|dir| (dir.clone(), checked.image_url.clone()));
    let price = provider.price_micros;
    // The account's n-th task (from 0), for a seeded delay.
    let nth = {
        let mut ledgers = state.ledgers.lock().map_err(|_| internal())?;
        let ledger = ledgers
            .get_mut(&key)
            .ok_or_else(|| ApiError::external("ERROR_KEY_DOES_NOT_EXIST", "no such API key"))?;
        if ledger.balance_micros < price {
            return Err(ApiError::external(
                "ERROR_ZERO_BALANCE",
                "insufficient balance",
            ));
        }
        ledger.balance_micros -= price;
        ledger.tasks_created += 1;
        ledger.tasks_created - 1
    };
    let delay = provider
        .delay_ms
        .map_or(state.settings.solve_delay, std::time::Duration::from_millis)
        .mul_f64(provider.delay_sigma.map_or(1.0, |sigma| {
            log_normal_factor(sigma, provider.delay_seed.map(|seed| (seed, nth)))
        }));
    let ready_at = match outcome {
        Outcome::Pending => None,
        _ => Some(now + delay),
    };
    let shown = (provider.kind == Kind::Human).then_some(Shown {
        image: checked.image_url,
        comment,
        instructions: checked.instructions_url,
        min_clicks,
        max_clicks,
        width: checked.width,
        height: checked.height,
    });
    let id = if fault == Some(Fault::NumericId) {
        TaskId::Number(NEXT_NUMERIC_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    } else {
        TaskId::Text(ulid::Ulid::new().to_string())
    };
    let task = Task {
        key,
        provider,
        created: now,
        ready_at,
        outcome,
        estimate_micros: price,
        cost_micros: None,
        settled_at: None,
        polls: 0,
        size: (checked.width, checked.height),
        shown,
    };
    let mut tasks = state.tasks.lock().map_err(|_| internal())?;
    state.purge(&mut tasks, now);
    let stored = match &id {
        TaskId::Text(t) => t.clone(),
        TaskId::Number(n) => n.to_string(),
    };
    if let Some((dir, url)) = kept {
        keep_image(&dir, &stored, &url);
    }
    tasks.insert(stored, task);
    Ok((id, fault))
}

/// Writes the image of task `id` (a data URL) into `dir` as
/// `unsolvable-<id>.<ext>`; a failure is logged, never the request's.
fn keep_image(dir: &std::path::Path, id: &str, url: &str) {
    let Ok(bytes) = decode_base64(url, "imageBase64") else {
        return;
    };
    let ext = image::guess_format(&bytes)
        .ok()
        .and_then(|f| f.extensions_str().first().copied())
        .unwrap_or("bin");
    let path = dir.join(format!("unsolvable-{id}.{ext}"));
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("could not keep {}: {e}", path.display());
    }
}

fn clicks_outcome(points: Vec<Point>, raw: Value, min: Option<u64>, max: Option<u64>) -> Outcome {
    let n = points.len() as u64;
    if n == 0 || min.is_some_and(|m| n < m) {
        return Outcome::Failed {
            code: "CAPTCHA_UNSOLVABLE".into(),
            description: format!("found {n} matching shapes"),
        };
    }
    let keep = max.map_or(points.len(), |m| m.min(n) as usize);
    Outcome::Solved {
        points: points.into_iter().take(keep).collect(),
        raw,
    }
}

struct Examined {
    image_url: String,
    instructions_url: Option<String>,
    width: u32,
    height: u32,
    solved: Result<(Vec<Point>, Value), String>,
}

fn examine(
    image_field: &str,
    instructions: Option<&str>,
    comment: Option<&str>,
    (image_limits, instr_limits): (Limits, Limits),
) -> Result<Examined, ApiError> {
    let bytes = decode_base64(image_field, "imageBase64")?;
    let img = check_image(&bytes, image_limits, "imageBase64")?;
    let instructions_url = match instructions {
        Some(field) => {
            let b = decode_base64(field, "imgInstructions")?;
            check_image(&b, instr_limits, "imgInstructions")?;
            Some(as_data_url(field))
        }
        None => None,
    };
    let solved = match comment.and_then(vision::parse_instruction) {
        None => {
            Err("the instruction names no colour and shape the vision provider knows".to_owned())
        }
        Some(target) => {
            let found = vision::find_shapes(&img);
            let points = vision::answer(&found, target);
            let raw = json!({
                "engine": "sandbox-vision",
                "target": {"colour": target.colour, "shape": target.shape},
                "found": found,
            });
            Ok((points, raw))
        }
    };
    Ok(Examined {
        image_url: as_data_url(image_field),
        instructions_url,
        width: img.width(),
        height: img.height(),
        solved,
    })
}

fn as_data_url(field: &str) -> String {
    if field.starts_with("data:") {
        field.to_owned()
    } else {
        format!("data:image/png;base64,{field}")
    }
}

/// `POST /getTaskResult`.
pub async fn get_task_result(
    State(state): Shared,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match poll(&state, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn poll(
    state: &Arc<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_json(body)?;
    let key = authorise(state, &body, "getTaskResult")?;
    // A numbered task is found only by its number, a ULID only by its
    // string: the id must come back in the JSON type it was given.
    let (id, numeric) = match body.get("taskId") {
        Some(Value::String(s)) => (s.clone(), false),
        Some(Value::Number(n)) => (
            n.as_u64()
                .ok_or_else(|| ApiError::invalid("taskId must be a string or a whole number"))?
                .to_string(),
            true,
        ),
        None | Some(Value::Null) => return Err(ApiError::invalid("taskId is required")),
        Some(_) => {
            return Err(ApiError::invalid(
                "taskId must be a string or a whole number",
            ));
        }
    };
    let not_found =
        || ApiError::external(TASK_NOT_FOUND, "no such task, or its result has expired");
    let mine =
        |t: &Task| t.key == key && (t.provider.kind == Kind::Fault(Fault::NumericId)) == numeric;

    let (kind, n) = {
        let mut tasks = state.tasks.lock().map_err(|_| internal())?;
        state.purge(&mut tasks, Instant::now());
        let task = tasks
            .get_mut(&id)
            .filter(|t| mine(t))
            .ok_or_else(not_found)?;
        task.polls += 1;
        (task.provider.kind.clone(), task.polls)
    };
    if let Kind::Fault(fault) = &kind {
        match *fault {
            Fault::Http { status, times } if n <= times => {
                let code =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Ok(html(code, "<html><body><h1>Bad gateway</h1></body></html>"));
            }
            Fault::TooMany { times, secs } if n <= times => {
                let mut r = html(
                    StatusCode::TOO_MANY_REQUESTS,
                    "<html><body>Too many requests</body></html>",
                );
                if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return Ok(r);
            }
            Fault::Internal(times) if n <= times => {
                return Err(ApiError {
                    id: 2,
                    code: "INTERNAL_ERROR".into(),
                    description: "a transient internal error (sandbox fault scenario)".into(),
                });
            }
            Fault::Html => {
                return Ok(html(
                    StatusCode::OK,
                    "<!doctype html><html><body>Gateway login</body></html>",
                ));
            }
            Fault::Truncated => {
                return Ok((
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"errorId":0,"status":"rea"#,
                )
                    .into_response());
            }
            Fault::Slow(ms) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
            Fault::EchoKey { at_poll: true } => return Err(echoing(&key)),
            _ => {}
        }
    }

    let now = Instant::now();
    let mut tasks = state.tasks.lock().map_err(|_| internal())?;
    let task = tasks
        .get_mut(&id)
        .filter(|t| mine(t))
        .ok_or_else(not_found)?;
    state.settle(task, now);
    let id = if numeric {
        TaskId::Number(id.parse().unwrap_or_default())
    } else {
        TaskId::Text(id)
    };
    Ok(axum::Json(task_answer(&id, task, now)).into_response())
}

fn html(status: StatusCode, text: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        text,
    )
        .into_response()
}

fn task_answer(id: &TaskId, task: &Task, now: Instant) -> Value {
    let id = match id {
        TaskId::Text(t) => json!(t),
        TaskId::Number(n) => json!(n),
    };
    let base = |status: &str| {
        json!({
            "errorId": 0,
            "status": status,
            "taskId": id,
            "taskType": TASK_TYPE,
            "provider": task.provider.name,
            "solution": null,
        })
    };
    if !task.is_due(now) {
        return base("processing");
    }
    let cost = crate::accounts::usd(task.cost_micros.unwrap_or(0));
    match &task.outcome {
        Outcome::Pending => base("processing"),
        Outcome::Failed { code, description } => {
            let mut v = base("failed");
            if let Value::Object(m) = &mut v {
                m.insert("errorId".into(), json!(1));
                m.insert("errorCode".into(), json!(code));
                m.insert("errorDescription".into(), json!(description));
                m.insert("cost".into(), json!(cost));
            }
            v
        }
        Outcome::Solved { points, raw } => {
            let (odd, shift) = match &task.provider.kind {
                Kind::Fault(Fault::OddCoords(o)) => (Some(*o), 0.0),
                Kind::Fault(Fault::Shift(px)) => (None, f64::from(*px)),
                _ => (None, 0.0),
            };
            let points: Vec<Point> = points
                .iter()
                .map(|p| Point {
                    x: p.x + shift,
                    y: p.y + shift,
                })
                .collect();
            let mut v = base("ready");
            if let Value::Object(m) = &mut v {
                m.insert("cost".into(), json!(cost));
                // Sandbox only: how long the result has been waiting for
                // this poll, so benchmarks can measure polling overhead.
                let since = task
                    .ready_at
                    .map_or(0, |t| now.saturating_duration_since(t).as_millis());
                m.insert("readySinceMs".into(), json!(since));
                m.insert(
                    "solution".into(),
                    json!({"coordinates": coordinates(&points, odd, task), "raw": raw}),
                );
            }
            v
        }
    }
}

fn coordinates(points: &[Point], odd: Option<OddCoords>, task: &Task) -> Value {
    // One decimal, as sub-pixel providers answer: integers would cost up to
    // half a pixel, three pixels after a 3× downscale.
    let round = |v: f64| (v * 10.0).round() / 10.0;
    let mut out: Vec<Value> = points
        .iter()
        .map(|p| match odd {
            Some(OddCoords::Strings) => {
                json!({"x": format!("{:.1}", p.x), "y": format!("{:.1}", p.y)})
            }
            Some(OddCoords::Arrays) => json!([p.x.round(), p.y.round()]),
            Some(OddCoords::Floats) => json!({"x": p.x, "y": p.y}),
            _ => json!({"x": round(p.x), "y": round(p.y)}),
        })
        .collect();
    if odd == Some(OddCoords::OutOfBounds) {
        let far = task.size.0 + 50;
        out.push(json!({"x": far, "y": -5}));
    }
    Value::Array(out)
}

/// `POST /getBalance`.
pub async fn get_balance(State(state): Shared, body: Result<Bytes, BytesRejection>) -> Response {
    let run = || -> Result<Value, ApiError> {
        let body = body_json(body)?;
        let key = authorise(&state, &body, "getBalance")?;
        let ledgers = state.ledgers.lock().map_err(|_| internal())?;
        let balance = ledgers.get(&key).map_or(0.0, |l| l.balance_usd());
        Ok(json!({"errorId": 0, "balance": balance}))
    };
    match run() {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `exp(σ·z)` with `z` standard normal: the factor that spreads a median
/// delay log-normally. With `(seed, n)`, `z` is the n-th draw of the
/// sequence seeded by `seed` (its own ChaCha stream), the same on every run;
/// without, it is random.
fn log_normal_factor(sigma: f64, seeded: Option<(u64, u64)>) -> f64 {
    use rand::SeedableRng;
    let z = match seeded {
        Some((seed, n)) => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(n);
            standard_normal(&mut rng)
        }
        None => standard_normal(&mut rand::rng()),
    };
    (sigma * z).exp()
}

/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut impl rand::Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_delays_repeat_per_task_and_spread_log_normally() {
        let draws = |seed| (0..2000).map(move |n| log_normal_factor(0.45, Some((seed, n))));
        let first: Vec<f64> = draws(7).collect();
        assert_eq!(first, draws(7).collect::<Vec<_>>(), "the same on every run");
        assert_ne!(
            first,
            draws(8).collect::<Vec<_>>(),
            "another seed, other draws"
        );
        // ln of the factor is N(0, 0.45²): its mean near 0, its spread near σ.
        let logs: Vec<f64> = first.iter().map(|f| f.ln()).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / logs.len() as f64).sqrt();
        assert!(mean.abs() < 0.05, "mean of ln {mean}");
        assert!((sd - 0.45).abs() < 0.03, "sd of ln {sd}");
    }
}
