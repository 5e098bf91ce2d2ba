//! The one error type of the crate.
//!
//! Every failure a caller can meet is an [`Error`]: it has a [`Kind`] (what
//! went wrong, broadly), a stable `code` to branch on, a message in plain
//! words, and whether trying again may help, decided when the error is
//! made. The JS binding turns it into an `Error` whose `name` is
//! `"AnySolverError"` and whose own properties carry its serialized fields
//! (`kind`, `code`, `retryable`, `errorId`, `httpStatus`, `taskId`).
//! No message ever contains the API key.
//!
//! Depends only on the leaf modules [`crate::js_number`], [`crate::message`] and [`crate::task_id`].

use crate::js_number::Num;
use crate::message::{Quoted, REDACTED, snippet};
use crate::task_id::TaskId;
use serde::Serialize;
use std::borrow::Cow;

/// The documented error codes, in the documentation's spelling.
pub(crate) const KNOWN_CODES: [&str; 13] = [
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
    RATE_LIMITED,
    GLOBAL_LIMIT,
];

/// The provider got requests faster than its rate budget: refunded; the
/// service asks to wait 1-3 s and try again.
pub(crate) const RATE_LIMITED: &str = "PROVIDER_RATE_LIMITED";
/// The provider's capacity is saturated: refunded; the service asks to
/// switch provider, or to wait a minute.
pub(crate) const GLOBAL_LIMIT: &str = "PROVIDER_GLOBAL_LIMIT_REACHED";

/// The documented spelling of `code` when it is a known code written with
/// or without the `ERROR_` prefix; any other code unchanged.
pub(crate) fn canonical_code(code: &str) -> String {
    let bare = |c: &str| c.strip_prefix("ERROR_").unwrap_or(c).to_owned();
    let wanted = bare(code);
    KNOWN_CODES
        .iter()
        .find(|k| bare(k).eq_ignore_ascii_case(&wanted))
        .map_or_else(|| code.to_owned(), |k| (*k).to_owned())
}

/// What went wrong, broadly. Spelled in JS as the lowercase names below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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
    /// `"aborted"`: the caller cancelled the call (its `AbortSignal`
    /// fired). In JS an abort rejects with the signal's own reason instead.
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
///
/// Its fields are public to read; only this crate makes one.
#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
#[non_exhaustive]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<u32>,
    /// The HTTP status, for `kind == Http`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The task concerned, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// How long the server asked us to wait (`Retry-After`), milliseconds.
    #[serde(skip)]
    pub retry_after_ms: Option<u64>,
    /// Whether the failure came while a request was in flight: sent, and
    /// perhaps received, with no answer read yet.
    #[serde(skip)]
    pub(crate) in_flight: bool,
    /// Whether getTaskResult said the task itself failed (`"failed"`):
    /// final for that task, which the service refunds.
    #[serde(skip)]
    pub(crate) failed_task: bool,
}

// Most constructors serve the transport and the client, which exist on
// wasm32 only; natively only the unit tests call them.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Error {
    /// A new error with no optional detail; `retryable` follows from the
    /// kind (network faults and one request's time limit are worth another
    /// try, the rest is not).
    pub(crate) fn new(
        kind: Kind,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        let retryable = matches!(kind, Kind::Network | Kind::Timeout);
        Self::with_retry(kind, code, message, retryable)
    }

    fn with_retry(
        kind: Kind,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
        retryable: bool,
    ) -> Self {
        Self {
            kind,
            code: code.into(),
            message: message.into(),
            retryable,
            error_id: None,
            http_status: None,
            task_id: None,
            retry_after_ms: None,
            in_flight: false,
            failed_task: false,
        }
    }

    /// A wrong option or argument.
    pub(crate) fn validation(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Validation, code, message)
    }

    /// An image that cannot be used.
    pub(crate) fn image(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Image, code, message)
    }

    /// A transport failure before any answer.
    pub(crate) fn network(message: impl Into<String>) -> Self {
        Self::new(Kind::Network, "NETWORK_ERROR", message)
    }

    /// An answer that does not follow the protocol; `body` is quoted,
    /// shortened, in the message.
    pub(crate) fn parse(code: &'static str, what: &str, body: &str) -> Self {
        Self::new(
            Kind::Parse,
            code,
            format!("{what}: {}", Quoted(&snippet(body))),
        )
    }

    /// A non-200 HTTP status.
    pub(crate) fn http(status: u16, retry_after_ms: Option<u64>) -> Self {
        let mut e = Self::with_retry(
            Kind::Http,
            format!("HTTP_{status}"),
            format!("the server answered HTTP {status}"),
            status == 429 || status == 408 || status >= 500,
        );
        e.http_status = Some(status);
        e.retry_after_ms = retry_after_ms;
        e
    }

    /// An error envelope from the API.
    pub(crate) fn api(error_id: u32, code: &str, description: &str) -> Self {
        // A blank code (`"errorCode": ""`, found by fuzzing) still gets one.
        let code = match code.trim() {
            "" => "UNKNOWN_ERROR".to_owned(),
            code => canonical_code(code),
        };
        let mut message = if description.is_empty() {
            format!("the service answered {code}")
        } else {
            format!("{code}: {description}")
        };
        let advice = match code.as_str() {
            RATE_LIMITED => Some("wait 1-3 s and try again"),
            GLOBAL_LIMIT => Some("switch provider (fallbackProviders), or wait a minute"),
            _ => None,
        };
        if let Some(advice) = advice {
            message.push_str(" (not charged; the service asks to ");
            message.push_str(advice);
            message.push(')');
        }
        let retryable = error_id == 2 || advice.is_some();
        let mut e = Self::with_retry(Kind::Api, code, message, retryable);
        e.error_id = Some(error_id);
        e
    }

    /// The overall deadline of a call passed (not retryable: the caller's
    /// own limit).
    pub(crate) fn deadline(timeout_ms: f64) -> Self {
        Self::with_retry(
            Kind::Timeout,
            "TIMEOUT",
            format!(
                "no result within the {} ms deadline (timeoutMs)",
                Num(timeout_ms)
            ),
            false,
        )
    }

    /// One request got no answer within its limit.
    pub(crate) fn request_timeout(request_timeout_ms: f64) -> Self {
        Self::with_retry(
            Kind::Timeout,
            "REQUEST_TIMEOUT",
            format!(
                "the server did not answer within {} ms (requestTimeoutMs)",
                Num(request_timeout_ms)
            ),
            true,
        )
    }

    /// A task polled as often as one task may be, without a result.
    pub(crate) fn poll_limit(polls: u32) -> Self {
        Self::with_retry(
            Kind::Timeout,
            "POLL_LIMIT",
            format!("no result after {polls} polls, the most one task may take"),
            false,
        )
    }

    /// A task id that is blank or of the wrong type, or a value that is
    /// neither an id nor a Task record.
    pub(crate) fn invalid_task() -> Self {
        Self::validation(
            "INVALID_TASK",
            "expected a task id (a non-empty string or a whole number) or a Task record from createTask()",
        )
    }

    /// The caller's signal fired.
    pub(crate) fn aborted() -> Self {
        Self::with_retry(Kind::Aborted, "ABORTED", "the call was aborted", false)
    }

    /// The same error, marked as having come while its request was in
    /// flight (sent, no answer read yet).
    pub(crate) fn in_flight(mut self) -> Self {
        self.in_flight = true;
        self
    }

    /// Whether a createTask that failed this way may still have created
    /// (and charged) a task: the request may have reached the service and
    /// no task id came back (no answer, a time limit, a 5xx, an unreadable
    /// answer, or the call's deadline or the caller's abort while the
    /// request was in flight). Only a 429, a 408, an API error envelope, or
    /// a deadline or abort before anything was sent prove that nothing was
    /// created.
    pub(crate) fn may_have_created_a_task(&self) -> bool {
        match self.kind {
            Kind::Network | Kind::Parse => true,
            Kind::Timeout => self.code == "REQUEST_TIMEOUT" || self.in_flight,
            Kind::Aborted => self.in_flight,
            Kind::Http => self.http_status.is_some_and(|s| s >= 500),
            _ => false,
        }
    }

    /// A createTask that failed after its request may have reached the
    /// service: not retryable, since trying again could charge twice, and
    /// the message says so.
    pub(crate) fn create_may_have_reached(cause: Error) -> Self {
        let mut e = Self::with_retry(
            cause.kind,
            cause.code,
            format!(
                "{}; createTask may have reached the service and created (and charged) a task whose id never came back, \
                 so it is not retryable: creating another could charge twice",
                cause.message
            ),
            false,
        );
        e.http_status = cause.http_status;
        e
    }

    /// The same error, marked as a task's own failure.
    pub(crate) fn of_failed_task(mut self) -> Self {
        self.failed_task = true;
        self
    }

    /// The same error, with `note` added to its message.
    pub(crate) fn noting(mut self, note: &str) -> Self {
        self.message.push_str("; ");
        self.message.push_str(note);
        self
    }

    /// The same error, naming the task it concerns.
    pub(crate) fn with_task(mut self, task_id: &TaskId) -> Self {
        if self.task_id.is_none() {
            self.task_id = Some(task_id.clone());
        }
        self
    }

    /// The same error with every occurrence of `secret` blanked out of
    /// every string it carries (message, code, task id): a last guard so
    /// that the API key can never leak through text a server echoed back.
    pub(crate) fn redact(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let blank = |s: &str| blanked(s, secret);
        self.message = blank(&self.message);
        if find(&self.code, secret).is_some() {
            self.code = Cow::Owned(blank(&self.code));
        }
        if let Some(TaskId::Text(t)) = &mut self.task_id {
            *t = blank(t);
        }
        self
    }
}

/// `text` with every occurrence of `secret` replaced by [`REDACTED`]
/// (`text` itself when `secret` is empty). Written over bytes, not with
/// `str::replace`, whose searcher brings core's `str` slicing panics and
/// their `Debug` escaping into the wasm build.
pub(crate) fn blanked(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find(rest, secret) {
        // A match of a whole UTF-8 string starts and ends on char
        // boundaries, so both halves exist.
        out.push_str(rest.get(..at).unwrap_or_default());
        out.push_str(REDACTED);
        rest = rest.get(at + secret.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Where `needle` (not empty) first occurs in `text`, in bytes.
fn find(text: &str, needle: &str) -> Option<usize> {
    text.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    fn provider_limits_are_retryable_and_say_they_were_not_charged() {
        for (code, advice) in [
            ("PROVIDER_RATE_LIMITED", "wait 1-3 s"),
            ("ERROR_PROVIDER_GLOBAL_LIMIT_REACHED", "fallbackProviders"),
        ] {
            let e = Error::api(1, code, "busy");
            assert!(e.retryable, "{code}");
            assert_eq!(e.code, code.trim_start_matches("ERROR_"));
            assert!(e.message.contains("not charged"), "{}", e.message);
            assert!(e.message.contains(advice), "{}", e.message);
        }
        assert!(
            !Error::api(1, "CAPTCHA_UNSOLVABLE", "")
                .message
                .contains("charged")
        );
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
    fn redaction_blanks_the_key_everywhere() {
        let key = "anysolver_secret";
        let e = Error::api(
            1,
            "KEY_anysolver_secret_REJECTED",
            "key anysolver_secret is bad",
        )
        .with_task(&"t-anysolver_secret".into())
        .redact(key);
        assert!(!format!("{e:?}").contains(key), "{e:?}");
        assert_eq!(e.code, "KEY_[redacted]_REJECTED");
    }

    #[test]
    fn a_create_that_may_have_reached_the_service_is_not_retryable() {
        let may = |e: Error| e.may_have_created_a_task();
        assert!(may(Error::http(502, None)));
        assert!(may(Error::network("reset")));
        assert!(may(Error::request_timeout(1000.0)));
        assert!(may(Error::parse("INVALID_RESPONSE", "not JSON", "<html>")));
        assert!(!may(Error::http(429, None)));
        assert!(!may(Error::http(408, None)));
        assert!(!may(Error::api(2, "ERROR_INTERNAL", "")));
        // The call's own deadline or an abort: only while the request was out.
        assert!(!may(Error::deadline(4000.0)) && !may(Error::aborted()));
        assert!(may(Error::deadline(4000.0).in_flight()));
        assert!(may(Error::aborted().in_flight()));
        let e = Error::create_may_have_reached(Error::http(503, None));
        assert!(!e.retryable && e.code == "HTTP_503" && e.http_status == Some(503));
        assert!(e.message.contains("charge twice"), "{}", e.message);
    }

    #[test]
    fn retryable_is_decided_at_birth() {
        assert!(!Error::deadline(4000.0).retryable);
        assert!(Error::request_timeout(25_000.0).retryable);
        assert!(!Error::poll_limit(120).retryable);
        assert!(Error::network("reset").retryable);
        let e = Error::create_may_have_reached(Error::network("reset"));
        assert!(!e.retryable && e.message.contains("charge twice"));
        assert_eq!(e.code, "NETWORK_ERROR");
    }
}
