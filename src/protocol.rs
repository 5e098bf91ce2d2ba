//! The wire protocol of AnySolver's `createTask`, `getTaskResult` and
//! `getBalance`, as pure types (no `web-sys`, no serde: serde's error
//! messages alone bring some 25 KB of float and Unicode printing into the
//! wasm build).
//!
//! Requests are written as JSON text by [`JsonWriter`]; answers are read
//! from any parsed JSON through the [`Json`] trait (`JSON.parse` results in
//! the browser, `serde_json::Value` natively).
//!
//! Requests omit every field the caller did not set. Answers are read
//! tolerantly: unknown fields are ignored, fields of an unexpected type are
//! kept as data instead of failing the parse, error codes are matched with
//! or without an `ERROR_` prefix, and coordinates may come as `{x, y}`
//! numbers, numeric strings or `[x, y]` pairs.

use crate::error::{Error, Result};
use crate::text::{Num, Quoted};
use std::fmt::Write as _;

/// The production service.
pub const DEFAULT_ENDPOINT: &str = "https://api.anysolver.com";
/// The task type this crate submits.
pub const TASK_TYPE: &str = "CoordinatesRecognition";
/// The values `selectionMode` accepts.
pub const SELECTION_MODES: [&str; 4] = [
    "autoCheapest",
    "autoFastest",
    "autoMostReliable",
    "priority",
];
/// The values `keyPoolMode` accepts.
pub const KEY_POOL_MODES: [&str; 2] = ["all", "platformOnly"];

/// The documented error codes, in the documentation's spelling.
pub const KNOWN_CODES: [&str; 11] = [
    "CAPTCHA_UNSOLVABLE",
    "DOMAIN_BANNED",
    "ERROR_KEY_DOES_NOT_EXIST",
    "ERROR_USER_BANNED",
    "ERROR_ZERO_BALANCE",
    "IMAGE_CORRUPTED",
    "IMAGE_TOO_LARGE",
    "IMAGE_TOO_SMALL",
    "INVALID_TASK_DATA",
    "TASK_NOT_SUPPORTED",
    "INTERNAL_ERROR",
];

/// The documented spelling of `code` when it is a known code written with
/// or without the `ERROR_` prefix; any other code unchanged.
pub fn canonical_code(code: &str) -> String {
    let bare = |c: &str| c.strip_prefix("ERROR_").unwrap_or(c).to_owned();
    let wanted = bare(code);
    KNOWN_CODES
        .iter()
        .find(|k| bare(k).eq_ignore_ascii_case(&wanted))
        .map_or_else(|| code.to_owned(), |k| (*k).to_owned())
}

/// At most 120 characters of `body` on one line, for error messages.
pub fn snippet(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(120).collect();
    if one_line.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// The API methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `POST /createTask`.
    CreateTask,
    /// `POST /getTaskResult`.
    GetTaskResult,
    /// `POST /getBalance`.
    GetBalance,
}

impl Method {
    /// The path segment, e.g. `createTask`.
    pub fn name(self) -> &'static str {
        match self {
            Method::CreateTask => "createTask",
            Method::GetTaskResult => "getTaskResult",
            Method::GetBalance => "getBalance",
        }
    }

    /// The full URL at `endpoint` (a trailing slash is tolerated).
    pub fn url(self, endpoint: &str) -> String {
        format!("{}/{}", endpoint.trim_end_matches('/'), self.name())
    }
}

/// Routing choices sent beside `task`; `None` fields are omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routing {
    /// `provider`: force one provider.
    pub provider: Option<String>,
    /// `selectionMode`: one of [`SELECTION_MODES`].
    pub selection_mode: Option<String>,
    /// `keyPoolMode`: one of [`KEY_POOL_MODES`].
    pub key_pool_mode: Option<String>,
}

impl Routing {
    /// Checks the values; `Err` names the option and what it accepts.
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = &self.provider
            && p.trim().is_empty()
        {
            return Err(Error::validation(
                "INVALID_OPTION",
                "provider must be a non-empty string",
            ));
        }
        check_one_of(
            "selectionMode",
            self.selection_mode.as_deref(),
            &SELECTION_MODES,
        )?;
        check_one_of(
            "keyPoolMode",
            self.key_pool_mode.as_deref(),
            &KEY_POOL_MODES,
        )
    }

    /// These choices, with each field of `over` that is set taking precedence.
    pub fn overridden_by(&self, over: &Routing) -> Routing {
        Routing {
            provider: over.provider.clone().or_else(|| self.provider.clone()),
            selection_mode: over
                .selection_mode
                .clone()
                .or_else(|| self.selection_mode.clone()),
            key_pool_mode: over
                .key_pool_mode
                .clone()
                .or_else(|| self.key_pool_mode.clone()),
        }
    }
}

fn check_one_of(name: &str, value: Option<&str>, allowed: &[&str]) -> Result<()> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Error::validation(
            "INVALID_OPTION",
            format!(
                "{name} must be one of {}, not {}",
                allowed.join(", "),
                Quoted(&snippet(v))
            ),
        )),
        _ => Ok(()),
    }
}

/// The `task` object of a CoordinatesRecognition createTask.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordinatesTask {
    /// Always [`TASK_TYPE`].
    pub task_type: &'static str,
    /// The image, as a data URL.
    pub image_base64: String,
    /// The text instruction.
    pub comment: Option<String>,
    /// The instruction image, as a data URL.
    pub img_instructions: Option<String>,
    /// Fewest clicks expected.
    pub min_clicks: Option<u32>,
    /// Most clicks expected.
    pub max_clicks: Option<u32>,
}

/// The body of `createTask`.
#[derive(Debug)]
pub struct CreateTaskRequest<'a> {
    /// The API key.
    pub client_key: &'a str,
    /// The task.
    pub task: &'a CoordinatesTask,
    /// Forced provider.
    pub provider: Option<&'a str>,
    /// Routing mode.
    pub selection_mode: Option<&'a str>,
    /// Key pool.
    pub key_pool_mode: Option<&'a str>,
}

impl<'a> CreateTaskRequest<'a> {
    /// The JSON body; unset fields are left out.
    pub fn to_json(&self) -> String {
        let t = self.task;
        let mut task = JsonWriter::new();
        task.text("type", Some(t.task_type))
            .text("imageBase64", Some(&t.image_base64))
            .text("comment", t.comment.as_deref())
            .text("imgInstructions", t.img_instructions.as_deref())
            .whole("minClicks", t.min_clicks)
            .whole("maxClicks", t.max_clicks);
        let mut body = JsonWriter::new();
        body.text("clientKey", Some(self.client_key))
            .raw("task", &task.finish())
            .text("provider", self.provider)
            .text("selectionMode", self.selection_mode)
            .text("keyPoolMode", self.key_pool_mode);
        body.finish()
    }

    /// The request for `task` with `routing`.
    pub fn new(client_key: &'a str, task: &'a CoordinatesTask, routing: &'a Routing) -> Self {
        Self {
            client_key,
            task,
            provider: routing.provider.as_deref(),
            selection_mode: routing.selection_mode.as_deref(),
            key_pool_mode: routing.key_pool_mode.as_deref(),
        }
    }
}

/// The body of `getTaskResult`.
#[derive(Debug)]
pub struct GetTaskResultRequest<'a> {
    /// The API key.
    pub client_key: &'a str,
    /// The task.
    pub task_id: &'a str,
}

impl GetTaskResultRequest<'_> {
    /// The JSON body.
    pub fn to_json(&self) -> String {
        let mut body = JsonWriter::new();
        body.text("clientKey", Some(self.client_key))
            .text("taskId", Some(self.task_id));
        body.finish()
    }
}

/// The body of `getBalance`.
#[derive(Debug)]
pub struct GetBalanceRequest<'a> {
    /// The API key.
    pub client_key: &'a str,
}

impl GetBalanceRequest<'_> {
    /// The JSON body.
    pub fn to_json(&self) -> String {
        let mut body = JsonWriter::new();
        body.text("clientKey", Some(self.client_key));
        body.finish()
    }
}

/// Writes one JSON object, member by member; `None` members are left out.
#[derive(Debug)]
pub struct JsonWriter(String);

impl JsonWriter {
    /// An empty object.
    pub fn new() -> Self {
        Self(String::from("{"))
    }

    fn key(&mut self, key: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_string(&mut self.0, key);
        self.0.push(':');
        &mut self.0
    }

    /// A string member.
    pub fn text(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            push_json_string(self.key(key), v);
        }
        self
    }

    /// A whole-number member.
    pub fn whole(&mut self, key: &str, value: Option<u32>) -> &mut Self {
        if let Some(v) = value {
            let _ = write!(self.key(key), "{v}");
        }
        self
    }

    /// A member that is already JSON.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// The object's text.
    pub fn finish(&mut self) -> String {
        let mut out = std::mem::take(&mut self.0);
        out.push('}');
        out
    }
}

impl Default for JsonWriter {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 escaping).
fn push_json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    // The common case, and every base64 image: nothing to escape.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a parsed JSON value is, as far as the protocol cares.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonKind<J> {
    /// `null` (or absent).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// An array, with its items.
    Array(Vec<J>),
    /// An object (read with [`Json::member`]).
    Object,
}

/// A parsed JSON value the protocol can read answers from: the result of
/// `JSON.parse` in the browser, `serde_json::Value` natively.
pub trait Json: Sized {
    /// What the value is.
    fn kind(&self) -> JsonKind<Self>;
    /// The member `key` of an object; `None` when absent or not an object.
    fn member(&self, key: &str) -> Option<Self>;
}

#[cfg(not(target_arch = "wasm32"))]
impl Json for serde_json::Value {
    fn kind(&self) -> JsonKind<Self> {
        use serde_json::Value as V;
        match self {
            V::Null => JsonKind::Null,
            V::Bool(b) => JsonKind::Bool(*b),
            V::Number(n) => n.as_f64().map_or(JsonKind::Null, JsonKind::Number),
            V::String(s) => JsonKind::Text(s.clone()),
            V::Array(items) => JsonKind::Array(items.clone()),
            V::Object(_) => JsonKind::Object,
        }
    }

    fn member(&self, key: &str) -> Option<Self> {
        self.as_object().and_then(|o| o.get(key)).cloned()
    }
}

/// Any JSON value, kept loosely: numbers and numeric strings as numbers
/// where asked, everything else without failing the parse.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Scalar {
    /// Absent or `null`.
    #[default]
    Null,
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An object or array (contents ignored).
    Compound,
}

impl Scalar {
    /// The value as a number: numbers, and strings that hold one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => Some(*n),
            Scalar::Text(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
    }

    /// The value as text: strings, and numbers written out.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Number(n) => Some(Num(*n).to_string()),
            _ => None,
        }
    }
}

impl Scalar {
    /// Reads any JSON value; absent is `Null`.
    pub fn read<J: Json>(v: Option<&J>) -> Self {
        match v.map(Json::kind) {
            None | Some(JsonKind::Null) => Scalar::Null,
            Some(JsonKind::Bool(b)) => Scalar::Bool(b),
            Some(JsonKind::Number(n)) => Scalar::Number(n),
            Some(JsonKind::Text(t)) => Scalar::Text(t),
            Some(JsonKind::Array(_) | JsonKind::Object) => Scalar::Compound,
        }
    }
}

/// One coordinate as it came over the wire, before checking.
#[derive(Clone, Debug, PartialEq)]
pub enum RawPoint {
    /// An `{x, y}` object or `[x, y]` pair (either part may be a string).
    Pair(Scalar, Scalar),
    /// Anything else.
    Other,
}

impl RawPoint {
    /// Reads one point: `{x, y}` (or `{X, Y}`) or an `[x, y]` pair.
    pub fn read<J: Json>(v: &J) -> Self {
        match v.kind() {
            JsonKind::Object => {
                let x = v.member("x").or_else(|| v.member("X"));
                let y = v.member("y").or_else(|| v.member("Y"));
                match (x, y) {
                    (Some(x), Some(y)) => {
                        RawPoint::Pair(Scalar::read(Some(&x)), Scalar::read(Some(&y)))
                    }
                    _ => RawPoint::Other,
                }
            }
            JsonKind::Array(items) => match items.as_slice() {
                [x, y] => RawPoint::Pair(Scalar::read(Some(x)), Scalar::read(Some(y))),
                _ => RawPoint::Other,
            },
            _ => RawPoint::Other,
        }
    }
}

/// `coordinates`: a list, or anything else (kept as "not a list").
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RawCoordinates {
    /// Absent or null.
    #[default]
    Missing,
    /// A list of points.
    List(Vec<RawPoint>),
    /// Not a list.
    Other,
}

impl RawCoordinates {
    /// Reads `coordinates`: a list of points, absent, or something else.
    pub fn read<J: Json>(v: Option<&J>) -> Self {
        match v.map(Json::kind) {
            None | Some(JsonKind::Null) => RawCoordinates::Missing,
            Some(JsonKind::Array(items)) => {
                RawCoordinates::List(items.iter().map(RawPoint::read).collect())
            }
            Some(_) => RawCoordinates::Other,
        }
    }
}

/// The `solution` object (its `raw` part is read separately, untouched).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Solution {
    /// The click points.
    pub coordinates: RawCoordinates,
}

/// Any answer of the API, every field optional and loosely typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    /// 0 success, 1 external error, 2 internal error.
    pub error_id: Scalar,
    /// Machine code of the error.
    pub error_code: Scalar,
    /// Human text of the error.
    pub error_description: Scalar,
    /// The task id.
    pub task_id: Scalar,
    /// `processing`, `ready`, `failed`, or something new.
    pub status: Scalar,
    /// USD charged.
    pub cost: Scalar,
    /// The provider that handled the task.
    pub provider: Scalar,
    /// The task type.
    pub task_type: Scalar,
    /// The solution, once ready.
    pub solution: Option<Solution>,
    /// USD balance (getBalance).
    pub balance: Scalar,
}

impl Envelope {
    /// Reads any parsed answer; what is missing or oddly typed is kept as
    /// such, never a failure.
    pub fn read<J: Json>(v: &J) -> Self {
        let get = |key: &str| Scalar::read(v.member(key).as_ref());
        let solution = v.member("solution").and_then(|s| match s.kind() {
            JsonKind::Null => None,
            _ => Some(Solution {
                coordinates: RawCoordinates::read(s.member("coordinates").as_ref()),
            }),
        });
        Self {
            error_id: get("errorId"),
            error_code: get("errorCode"),
            error_description: get("errorDescription"),
            task_id: get("taskId"),
            status: get("status"),
            cost: get("cost"),
            provider: get("provider"),
            task_type: get("taskType"),
            solution,
            balance: get("balance"),
        }
    }

    /// The error the envelope reports, if `errorId` is not 0.
    pub fn error(&self) -> Option<Error> {
        let id = self.error_id.as_f64().unwrap_or(0.0);
        if id == 0.0 {
            return None;
        }
        let code = self
            .error_code
            .as_text()
            .unwrap_or_else(|| "UNKNOWN_ERROR".to_owned());
        let description = self.error_description.as_text().unwrap_or_default();
        let id = if id == 2.0 { 2 } else { 1 };
        Some(Error::api(id, &code, &description))
    }

    /// Reads a createTask answer: the new task's id.
    pub fn into_task_id(self, body: &str) -> Result<String> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        match self.task_id.as_text() {
            Some(id) if !id.is_empty() => Ok(id),
            _ => Err(Error::parse(
                "NO_TASK_ID",
                "createTask answered without a taskId",
                body,
            )),
        }
    }

    /// Reads a getBalance answer.
    pub fn into_balance(self, body: &str) -> Result<f64> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        self.balance
            .as_f64()
            .filter(|b| b.is_finite())
            .ok_or_else(|| {
                Error::parse("NO_BALANCE", "getBalance answered without a balance", body)
            })
    }

    /// Reads a getTaskResult answer.
    pub fn into_poll(self, body: &str) -> Result<Poll> {
        let status = self.status.as_text().unwrap_or_default();
        if let Some(e) = self.error() {
            return Err(e);
        }
        let provider = self.provider.as_text();
        match status.as_str() {
            "ready" => {
                let coordinates = match self.solution.map(|s| s.coordinates) {
                    Some(RawCoordinates::List(l)) => l,
                    _ => {
                        return Err(Error::parse(
                            "NO_COORDINATES",
                            "a ready answer without solution.coordinates",
                            body,
                        ));
                    }
                };
                Ok(Poll::Ready(Ready {
                    coordinates,
                    cost: self.cost.as_f64().filter(|c| c.is_finite()),
                    provider,
                    task_type: self.task_type.as_text(),
                }))
            }
            "failed" => Err(Error::api(
                1,
                "UNKNOWN_ERROR",
                "the task failed without an error code",
            )),
            "" => Err(Error::parse(
                "NO_STATUS",
                "getTaskResult answered without a status",
                body,
            )),
            other => Ok(Poll::Processing {
                status: other.to_owned(),
                provider,
            }),
        }
    }
}

/// What one getTaskResult said.
#[derive(Clone, Debug, PartialEq)]
pub enum Poll {
    /// Not finished: `processing`, or a status this crate does not know
    /// (kept as data, polling goes on).
    Processing {
        /// The status as sent.
        status: String,
        /// The provider, when named.
        provider: Option<String>,
    },
    /// Solved.
    Ready(Ready),
}

/// A ready task, before its points are checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Ready {
    /// The points as sent.
    pub coordinates: Vec<RawPoint>,
    /// USD charged.
    pub cost: Option<f64>,
    /// Who solved it.
    pub provider: Option<String>,
    /// The task type.
    pub task_type: Option<String>,
}

/// A checked click point, in the pixels of the image that was sent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// From the left edge.
    pub x: f64,
    /// From the top edge.
    pub y: f64,
}

/// A point the service sent that cannot be used, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectedPoint {
    /// Its position in the list.
    pub index: usize,
    /// Why it was rejected.
    pub reason: String,
}

/// Splits `raw` into usable points and rejected ones. A point is usable
/// when both parts are finite numbers (or numeric strings) inside
/// `0..=width` × `0..=height` of the sent image.
pub fn check_points(raw: &[RawPoint], width: f64, height: f64) -> (Vec<Point>, Vec<RejectedPoint>) {
    let mut good = Vec::with_capacity(raw.len());
    let mut bad = Vec::new();
    for (index, p) in raw.iter().enumerate() {
        let reject = |reason: String| RejectedPoint { index, reason };
        let RawPoint::Pair(x, y) = p else {
            bad.push(reject("not an {x, y} object or [x, y] pair".to_owned()));
            continue;
        };
        match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                if x < 0.0 || y < 0.0 || x > width || y > height {
                    bad.push(reject(format!(
                        "({}, {}) lies outside the {}×{} image",
                        Num(x),
                        Num(y),
                        Num(width),
                        Num(height)
                    )));
                } else {
                    good.push(Point { x, y });
                }
            }
            _ => bad.push(reject("a coordinate is not a finite number".to_owned())),
        }
    }
    (good, bad)
}

// The tests read answers with serde_json, a native-only dependency.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn env(json: &str) -> Envelope {
        Envelope::read(&serde_json::from_str::<serde_json::Value>(json).unwrap())
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut w = JsonWriter::new();
        let odd = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🚲";
        w.text("a", Some(odd))
            .text("skipped", None)
            .whole("n", Some(7));
        let text = w.finish();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v, serde_json::json!({"a": odd, "n": 7}));
        assert_eq!(JsonWriter::new().finish(), "{}");
    }

    #[test]
    fn any_json_is_an_envelope() {
        // What the derived serde reader once turned into an error with a
        // blank code (found by fuzzing) is now simply not an error.
        assert_eq!(env(r#"[1, ""]"#), Envelope::default());
        assert_eq!(env("42"), Envelope::default());
        let e = env(r#"{"errorId": 1, "errorCode": ""}"#).error().unwrap();
        assert_eq!(e.code, "UNKNOWN_ERROR");
        let odd = env(r#"{"status": "ready", "solution": 5}"#).into_poll("");
        assert_eq!(odd.unwrap_err().code, "NO_COORDINATES");
    }

    #[test]
    fn create_request_omits_unset_fields() {
        let task = CoordinatesTask {
            task_type: TASK_TYPE,
            image_base64: "data:image/png;base64,AAAA".into(),
            comment: Some("click".into()),
            img_instructions: None,
            min_clicks: None,
            max_clicks: Some(3),
        };
        let routing = Routing {
            selection_mode: Some("autoFastest".into()),
            ..Routing::default()
        };
        let body = CreateTaskRequest::new("k", &task, &routing).to_json();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "clientKey": "k",
                "task": {"type": "CoordinatesRecognition", "imageBase64": "data:image/png;base64,AAAA",
                         "comment": "click", "maxClicks": 3},
                "selectionMode": "autoFastest"
            })
        );
    }

    #[test]
    fn routing_is_validated_and_overridden() {
        let bad = Routing {
            selection_mode: Some("fastest".into()),
            ..Routing::default()
        };
        let e = bad.validate().unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_ref()),
            (crate::error::Kind::Validation, "INVALID_OPTION")
        );
        assert!(e.message.contains("selectionMode"));
        let base = Routing {
            provider: Some("A".into()),
            key_pool_mode: Some("all".into()),
            ..Routing::default()
        };
        let over = Routing {
            provider: Some("B".into()),
            ..Routing::default()
        };
        let r = base.overridden_by(&over);
        assert_eq!(r.provider.as_deref(), Some("B"));
        assert_eq!(r.key_pool_mode.as_deref(), Some("all"));
    }

    #[test]
    fn reads_documented_answers() {
        let id = env(r#"{"errorId":0,"taskId":"01KFNDF328KAN2AJ3BNHCQYE88"}"#)
            .into_task_id("")
            .unwrap();
        assert_eq!(id, "01KFNDF328KAN2AJ3BNHCQYE88");
        let p = env(r#"{"status":"processing","taskId":"01KF","errorId":0,"taskType":"T","provider":"Multibot","solution":null}"#)
            .into_poll("")
            .unwrap();
        assert_eq!(
            p,
            Poll::Processing {
                status: "processing".into(),
                provider: Some("Multibot".into())
            }
        );
        let Poll::Ready(r) = env(r#"{"status":"ready","errorId":0,"cost":0.00013,"provider":"Multibot","new":1,
            "solution":{"coordinates":[{"x":358,"y":268},{"x":"12.5","y":"3"},[4,5]],"raw":{"a":1}}}"#)
        .into_poll("")
        .unwrap() else {
            panic!("not ready")
        };
        assert_eq!(r.cost, Some(0.00013));
        let (good, bad) = check_points(&r.coordinates, 400.0, 300.0);
        assert!(bad.is_empty());
        assert_eq!(
            good,
            vec![
                Point { x: 358.0, y: 268.0 },
                Point { x: 12.5, y: 3.0 },
                Point { x: 4.0, y: 5.0 }
            ]
        );
        assert_eq!(
            env(r#"{"errorId":0,"balance":12.5}"#)
                .into_balance("")
                .unwrap(),
            12.5
        );
    }

    #[test]
    fn errors_keep_unknown_codes_and_match_prefixes() {
        let e =
            env(r#"{"errorId":1,"errorCode":"ERROR_CAPTCHA_UNSOLVABLE","errorDescription":"no"}"#)
                .into_poll("")
                .unwrap_err();
        assert_eq!(e.code, "CAPTCHA_UNSOLVABLE");
        let e = env(r#"{"errorId":1,"errorCode":"KEY_DOES_NOT_EXIST"}"#)
            .into_task_id("")
            .unwrap_err();
        assert_eq!(e.code, "ERROR_KEY_DOES_NOT_EXIST");
        let e = env(r#"{"errorId":1,"errorCode":"SOMETHING_NEW","status":"failed"}"#)
            .into_poll("")
            .unwrap_err();
        assert_eq!(e.code, "SOMETHING_NEW");
        let e = env(r#"{"errorId":2,"errorCode":"INTERNAL_ERROR"}"#)
            .into_poll("")
            .unwrap_err();
        assert!(e.retryable);
    }

    #[test]
    fn tolerates_odd_types_and_unknown_statuses() {
        let p = env(r#"{"errorId":"0","status":"queued","provider":7,"cost":{"a":1}}"#)
            .into_poll("")
            .unwrap();
        assert_eq!(
            p,
            Poll::Processing {
                status: "queued".into(),
                provider: Some("7".into())
            }
        );
        let e = env(r#"{"errorId":0,"status":"ready","solution":{"coordinates":{"x":1}}}"#)
            .into_poll("body")
            .unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Parse);
    }

    #[test]
    fn reports_unusable_points() {
        let list: serde_json::Value = serde_json::from_str(
            r#"[{"x":-1,"y":2},{"x":"abc","y":1},[1],{"x":500,"y":1},{"x":10,"y":10},"p"]"#,
        )
        .unwrap();
        let RawCoordinates::List(raw) = RawCoordinates::read(Some(&list)) else {
            panic!("a list")
        };
        let (good, bad) = check_points(&raw, 400.0, 300.0);
        assert_eq!(good, vec![Point { x: 10.0, y: 10.0 }]);
        assert_eq!(
            bad.iter().map(|b| b.index).collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 5]
        );
    }

    #[test]
    fn codes_and_snippets() {
        assert_eq!(canonical_code("ZERO_BALANCE"), "ERROR_ZERO_BALANCE");
        assert_eq!(canonical_code("ERROR_IMAGE_TOO_LARGE"), "IMAGE_TOO_LARGE");
        assert_eq!(canonical_code("ERROR_NEW"), "ERROR_NEW");
        let long = "x".repeat(500);
        assert_eq!(snippet(&long).chars().count(), 121);
        assert_eq!(snippet("<html>\n  <b>hi</b>"), "<html> <b>hi</b>");
    }
}
