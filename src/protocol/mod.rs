//! The wire protocol of AnySolver's `createTask`, `getTaskResult` and
//! `getBalance`, as pure serde types (no `web-sys`).
//!
//! The same types are written and read on both targets, through
//! [`json`]: with serde_json natively (unit tests, fuzzing, the sandbox's
//! load generator), and in wasm with serde-wasm-bindgen through
//! `JSON.stringify`/`JSON.parse`. [`parse_answer`] is the one reader of
//! answers: the client calls it, and the response fuzz target runs it.
//!
//! Requests omit every field the caller did not set. Answers are read
//! tolerantly ([`response`]): unknown fields are ignored, fields of an
//! unexpected type are kept as data instead of failing the parse, error
//! codes are matched with or without an `ERROR_` prefix, and coordinates
//! may come as `{x, y}` numbers, numeric strings or `[x, y]` pairs.

pub mod json;
pub mod request;
pub mod response;
pub mod routing;

pub use request::{
    CoordinatesTask, CreateTaskRequest, GetBalanceRequest, GetTaskResultRequest, create_task_body,
};
pub use response::{Envelope, Poll, Raw, RawCoordinates, RawPoint, Ready, Solution, check_points};
pub use routing::{KeyPoolMode, Routing, SelectionMode};

use crate::error::{Error, Result};
use serde::Serialize;

/// The production service.
pub const DEFAULT_ENDPOINT: &str = "https://api.anysolver.com";
/// The task type this crate submits.
pub const TASK_TYPE: &str = "CoordinatesRecognition";

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
        let mut url = endpoint.trim_end_matches('/').to_owned();
        url.push('/');
        url.push_str(self.name());
        url
    }
}

/// A request body as JSON (a `String` natively, a JS string in wasm).
pub fn to_json<T: Serialize>(request: &T) -> Result<json::Body> {
    json::write(request).map_err(unwritable)
}

/// The error of a request that could not be written.
pub(crate) fn unwritable(e: String) -> Error {
    Error::validation(
        "INVALID_REQUEST",
        format!("the request could not be written: {e}"),
    )
}

/// Reads an answer's JSON text: the envelope, or a `parse` error when the
/// text is not JSON, not a JSON object, or not readable as an envelope.
pub fn parse_answer(method: Method, text: &str) -> Result<Envelope> {
    let value = json::parse(text).ok_or_else(|| {
        Error::parse(
            "INVALID_RESPONSE",
            &format!("{} answered with something that is not JSON", method.name()),
            text,
        )
    })?;
    if !json::is_object(&value) {
        return Err(Error::parse(
            "INVALID_RESPONSE",
            &format!("{} answered JSON that is not an object", method.name()),
            text,
        ));
    }
    json::read(value).map_err(|e| {
        Error::parse(
            "INVALID_RESPONSE",
            &format!("{} answered an unreadable envelope ({e})", method.name()),
            text,
        )
    })
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn answers_that_are_not_objects_are_parse_errors() {
        for text in ["[1, \"\"]", "42", "<html>", ""] {
            let e = parse_answer(Method::GetTaskResult, text).unwrap_err();
            assert_eq!(
                (e.kind, e.code.as_ref()),
                (crate::error::Kind::Parse, "INVALID_RESPONSE")
            );
        }
        assert_eq!(Method::CreateTask.url("http://h/"), "http://h/createTask");
    }
}
