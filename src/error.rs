//! The one error type of the crate, and its conversion into a JS `Error`.
//!
//! Every failure a caller can meet is an [`Error`]: it has a [`Kind`] (what
//! went wrong, broadly), a stable `code` to branch on, a message in plain
//! words, and whether trying again may help. In JavaScript it becomes an
//! `Error` whose `name` is `"AnySolverError"` and whose own properties carry
//! `kind`, `code`, `retryable`, `errorId`, `httpStatus` and `taskId`.
//! No message ever contains the API key.

use crate::text::Quoted;
use std::borrow::Cow;

/// What went wrong, broadly. Spelled in JS as the lowercase names below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `"validation"`: an option or argument is wrong; nothing was sent.
    Validation,
    /// `"image"`: the image could not be read, checked or prepared.
    Image,
    /// `"api"`: the service answered with an error envelope (`errorId` ≠ 0).
    Api,
    /// `"http"`: the server or a proxy answered a non-200 HTTP status.
    Http,
    /// `"network"`: the request failed before any answer arrived.
    Network,
    /// `"parse"`: an answer arrived but is not what the protocol says.
    Parse,
    /// `"timeout"`: the overall deadline or one request's limit passed.
    Timeout,
    /// `"aborted"`: the work was cancelled by something other than the
    /// caller's signal (an abort by the signal rejects with its reason).
    Aborted,
}

impl Kind {
    /// The name JS callers see in `error.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Validation => "validation",
            Kind::Image => "image",
            Kind::Api => "api",
            Kind::Http => "http",
            Kind::Network => "network",
            Kind::Parse => "parse",
            Kind::Timeout => "timeout",
            Kind::Aborted => "aborted",
        }
    }
}

/// An error of this crate.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// What went wrong, broadly.
    pub kind: Kind,
    /// A stable machine-readable code, e.g. `"CAPTCHA_UNSOLVABLE"`,
    /// `"HTTP_503"`, `"INVALID_OPTION"`.
    pub code: Cow<'static, str>,
    /// What happened, in words, without the API key.
    pub message: String,
    /// Whether the same call may succeed if tried again later.
    pub retryable: bool,
    /// The API's `errorId`, for `kind == Api`.
    pub error_id: Option<u32>,
    /// The HTTP status, for `kind == Http`.
    pub http_status: Option<u16>,
    /// The task concerned, when one exists.
    pub task_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`), milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl Error {
    /// A new error with no optional detail.
    pub fn new(kind: Kind, code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        let retryable = matches!(kind, Kind::Network | Kind::Http | Kind::Timeout);
        Self {
            kind,
            code: code.into(),
            message: message.into(),
            retryable,
            error_id: None,
            http_status: None,
            task_id: None,
            retry_after_ms: None,
        }
    }

    /// A wrong option or argument.
    pub fn validation(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Validation, code, message)
    }

    /// An image that cannot be used.
    pub fn image(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Image, code, message)
    }

    /// A transport failure before any answer.
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(Kind::Network, "NETWORK_ERROR", message)
    }

    /// An answer that does not follow the protocol; `snippet` is quoted,
    /// shortened, in the message.
    pub fn parse(code: &'static str, what: &str, snippet: &str) -> Self {
        Self::new(
            Kind::Parse,
            code,
            format!("{what}: {}", Quoted(&crate::protocol::snippet(snippet))),
        )
    }

    /// A non-200 HTTP status.
    pub fn http(status: u16, retry_after_ms: Option<u64>) -> Self {
        let mut e = Self::new(
            Kind::Http,
            format!("HTTP_{status}"),
            format!("the server answered HTTP {status}"),
        );
        e.retryable = status == 429 || status == 408 || status >= 500;
        e.http_status = Some(status);
        e.retry_after_ms = retry_after_ms;
        e
    }

    /// An error envelope from the API.
    pub fn api(error_id: u32, code: &str, description: &str) -> Self {
        // A blank code (`"errorCode": ""`, found by fuzzing) still gets one.
        let code = match code.trim() {
            "" => "UNKNOWN_ERROR".to_owned(),
            code => crate::protocol::canonical_code(code),
        };
        let message = if description.is_empty() {
            format!("the service answered {code}")
        } else {
            format!("{code}: {description}")
        };
        let mut e = Self::new(Kind::Api, code, message);
        e.retryable = error_id == 2;
        e.error_id = Some(error_id);
        e
    }

    /// The same error, naming the task it concerns.
    pub fn with_task(mut self, task_id: &str) -> Self {
        if self.task_id.is_none() {
            self.task_id = Some(task_id.to_owned());
        }
        self
    }

    /// The same error with every occurrence of `secret` blanked out of its
    /// message: a last guard so that the API key can never leak through
    /// text a server echoed back.
    pub fn redact(mut self, secret: &str) -> Self {
        if !secret.is_empty() && self.message.contains(secret) {
            self.message = self.message.replace(secret, "[redacted]");
        }
        self
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(target_arch = "wasm32")]
mod js {
    use super::Error;
    use wasm_bindgen::JsValue;

    fn set(target: &JsValue, key: &str, value: &JsValue) {
        // Setting a property on a fresh Error object cannot fail; if it
        // somehow did, the error still carries its message.
        let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
    }

    impl From<Error> for JsValue {
        fn from(e: Error) -> JsValue {
            let err = js_sys::Error::new(&e.message);
            err.set_name("AnySolverError");
            let v: JsValue = err.into();
            set(&v, "kind", &JsValue::from_str(e.kind.as_str()));
            set(&v, "code", &JsValue::from_str(&e.code));
            set(&v, "retryable", &JsValue::from_bool(e.retryable));
            let opt_num = |n: Option<f64>| n.map_or(JsValue::UNDEFINED, JsValue::from_f64);
            set(&v, "errorId", &opt_num(e.error_id.map(f64::from)));
            set(&v, "httpStatus", &opt_num(e.http_status.map(f64::from)));
            let task = e
                .task_id
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str);
            set(&v, "taskId", &task);
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_say_whether_to_retry() {
        assert!(Error::http(503, Some(2000)).retryable);
        assert!(Error::http(429, None).retryable);
        assert!(!Error::http(404, None).retryable);
        assert_eq!(Error::http(502, None).code, "HTTP_502");
    }

    #[test]
    fn api_errors_use_the_documented_spelling() {
        let e = Error::api(1, "ERROR_CAPTCHA_UNSOLVABLE", "no luck");
        assert_eq!(e.code, "CAPTCHA_UNSOLVABLE");
        assert!(!e.retryable);
        assert!(Error::api(2, "INTERNAL_ERROR", "").retryable);
    }

    #[test]
    fn a_blank_api_code_is_unknown_error() {
        for blank in ["", "  ", "\n\r\n"] {
            assert_eq!(Error::api(1, blank, "").code, "UNKNOWN_ERROR");
        }
        assert_eq!(
            Error::api(1, " ZERO_BALANCE ", "").code,
            "ERROR_ZERO_BALANCE"
        );
    }

    #[test]
    fn redaction_blanks_the_key() {
        let e = Error::api(1, "X", "key anysolver_secret is bad").redact("anysolver_secret");
        assert!(!e.message.contains("anysolver_secret"));
    }
}
