//! The wire protocol of AnySolver's `createTask`, `getTaskResult` and
//! `getBalance`, as pure serde types (no `web-sys`).
//!
//! The same types are written and read on both targets: with serde_json
//! natively (unit tests, fuzzing, the sandbox's load generator), and in
//! wasm with serde-wasm-bindgen through `JSON.stringify`/`JSON.parse`.
//!
//! Requests omit every field the caller did not set. Answers are read
//! tolerantly ([`response`]): unknown fields are ignored, fields of an
//! unexpected type are kept as data instead of failing the parse, error
//! codes are matched with or without an `ERROR_` prefix, and coordinates
//! may come as `{x, y}` numbers, numeric strings or `[x, y]` pairs.

pub mod request;
pub mod response;

pub use request::{CoordinatesTask, CreateTaskRequest, GetBalanceRequest, GetTaskResultRequest};
pub use response::{
    Envelope, Point, Poll, Raw, RawCoordinates, RawPoint, Ready, RejectedPoint, Scalar, Solution,
    check_points,
};

use crate::error::{Error, Result};
use crate::text::Quoted;
use serde::{Deserialize, Serialize};

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
    let mut out = String::new();
    let mut chars = 0;
    for word in body.split_whitespace() {
        for c in (!out.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if chars == 120 {
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Routing {
    /// `provider`: force one provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `selectionMode`: one of [`SELECTION_MODES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_mode: Option<String>,
    /// `keyPoolMode`: one of [`KEY_POOL_MODES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
        let pick = |o: &Option<String>, s: &Option<String>| o.clone().or_else(|| s.clone());
        Routing {
            provider: pick(&over.provider, &self.provider),
            selection_mode: pick(&over.selection_mode, &self.selection_mode),
            key_pool_mode: pick(&over.key_pool_mode, &self.key_pool_mode),
        }
    }
}

/// `a, b, c`.
struct OneOf<'a>(&'a [&'a str]);

impl std::fmt::Display for OneOf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(item)?;
        }
        Ok(())
    }
}

fn check_one_of(name: &str, value: Option<&str>, allowed: &[&str]) -> Result<()> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Error::validation(
            "INVALID_OPTION",
            format!(
                "{name} must be one of {}, not {}",
                OneOf(allowed),
                Quoted(&snippet(v))
            ),
        )),
        _ => Ok(()),
    }
}

/// A request body as JSON text (natively, with serde_json).
#[cfg(not(target_arch = "wasm32"))]
pub fn to_json<T: Serialize>(request: &T) -> Result<String> {
    serde_json::to_string(request).map_err(|e| {
        Error::new(
            crate::error::Kind::Validation,
            "INVALID_REQUEST",
            format!("the request could not be written: {e}"),
        )
    })
}

/// Reads an answer's JSON text (natively, with serde_json): the envelope,
/// or a parse error when the text is not JSON or not a JSON object.
#[cfg(not(target_arch = "wasm32"))]
pub fn parse_answer(method: Method, text: &str) -> Result<Envelope> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        Error::parse(
            "INVALID_RESPONSE",
            &format!("{} answered with something that is not JSON", method.name()),
            text,
        )
    })?;
    if !value.is_object() {
        return Err(not_an_object(method, text));
    }
    Envelope::deserialize(value).map_err(|e| {
        Error::parse(
            "INVALID_RESPONSE",
            &format!("{} answered an unreadable envelope ({e})", method.name()),
            text,
        )
    })
}

/// The error for an answer that is JSON but not an object.
pub fn not_an_object(method: Method, text: &str) -> Error {
    Error::parse(
        "INVALID_RESPONSE",
        &format!("{} answered JSON that is not an object", method.name()),
        text,
    )
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

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
    fn codes_and_snippets() {
        assert_eq!(canonical_code("ZERO_BALANCE"), "ERROR_ZERO_BALANCE");
        assert_eq!(canonical_code("ERROR_IMAGE_TOO_LARGE"), "IMAGE_TOO_LARGE");
        assert_eq!(canonical_code("ERROR_NEW"), "ERROR_NEW");
        let long = "x".repeat(500);
        assert_eq!(snippet(&long).chars().count(), 121);
        assert_eq!(snippet("<html>\n  <b>hi</b>"), "<html> <b>hi</b>");
    }

    #[test]
    fn answers_that_are_not_objects_are_parse_errors() {
        for text in ["[1, \"\"]", "42", "<html>", ""] {
            let e = parse_answer(Method::GetTaskResult, text).unwrap_err();
            assert_eq!(
                (e.kind, e.code.as_ref()),
                (crate::error::Kind::Parse, "INVALID_RESPONSE")
            );
        }
    }
}
