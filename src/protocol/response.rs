//! Answers: one [`Envelope`] type for every method, read tolerantly.
//!
//! The tolerance lives in these types' `Deserialize` impls, built on the
//! helpers of the crate's `lenient` module: a `Scalar` takes any JSON value (numbers, numeric strings, booleans, `null`, and
//! objects or arrays kept as "compound"), a [`RawPoint`] takes `{x, y}`,
//! `{X, Y}` or `[x, y]`, and a [`Solution`] of the wrong shape is an empty
//! one. So an answer that is a JSON object always reads as an envelope;
//! what it means is decided afterwards, by the method that asked.

use crate::error::{Error, Result};
use crate::geometry::point::{Point, RejectedPoint};
use crate::js_number::Num;
use crate::lenient::{Scalar, or_other};
use crate::task_id::TaskId;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One coordinate as it came over the wire, before checking.
#[derive(Clone, Debug, PartialEq)]
pub enum RawPoint {
    /// An `{x, y}` object or `[x, y]` pair (either part may be a string).
    Pair(Scalar, Scalar),
    /// Anything else.
    Other,
}

struct PointVisitor;

impl<'de> Visitor<'de> for PointVisitor {
    type Value = RawPoint;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a point")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPoint, A::Error> {
        let (mut x, mut y) = (None, None);
        while let Some(key) = map.next_key::<Scalar>()? {
            match key.as_text().as_deref() {
                Some("x") => x = Some(map.next_value::<Scalar>()?),
                Some("y") => y = Some(map.next_value::<Scalar>()?),
                // `{X, Y}` counts when `{x, y}` is not there.
                Some("X") => x = x.or(Some(map.next_value::<Scalar>()?)),
                Some("Y") => y = y.or(Some(map.next_value::<Scalar>()?)),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(match (x, y) {
            (Some(x), Some(y)) => RawPoint::Pair(x, y),
            _ => RawPoint::Other,
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPoint, A::Error> {
        let mut items = Vec::with_capacity(2);
        while let Some(item) = seq.next_element::<Scalar>()? {
            items.push(item);
        }
        Ok(match <[Scalar; 2]>::try_from(items) {
            Ok([x, y]) => RawPoint::Pair(x, y),
            Err(_) => RawPoint::Other,
        })
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawPoint, D::Error> {
        d.deserialize_any(PointVisitor)
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
    fn visit_unit<E>(self) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
    fn visit_none<E>(self) -> Result<RawPoint, E> {
        Ok(RawPoint::Other)
    }
}

impl<'de> Deserialize<'de> for RawPoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PointVisitor)
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

impl<'de> Deserialize<'de> for RawCoordinates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawCoordinates;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of points")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawCoordinates, A::Error> {
                let mut list = Vec::new();
                while let Some(p) = seq.next_element::<RawPoint>()? {
                    list.push(p);
                }
                Ok(RawCoordinates::List(list))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCoordinates, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(RawCoordinates::Other)
            }
            fn visit_unit<E>(self) -> Result<RawCoordinates, E> {
                Ok(RawCoordinates::Missing)
            }
            fn visit_none<E>(self) -> Result<RawCoordinates, E> {
                Ok(RawCoordinates::Missing)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawCoordinates, D::Error> {
                d.deserialize_any(V)
            }
        }
        // Anything that is neither a list nor null is "not a list".
        match or_other(d, V)? {
            Some(c) => Ok(c),
            None => Ok(RawCoordinates::Other),
        }
    }
}

/// The provider's own answer (`solution.raw`), passed through untouched:
/// in wasm the very JS value `JSON.parse` made, natively a
/// `serde_json::Value`.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Raw(#[serde(with = "serde_wasm_bindgen::preserve")] pub wasm_bindgen::JsValue);

/// The provider's own answer (`solution.raw`), passed through untouched:
/// in wasm the very JS value `JSON.parse` made, natively a
/// `serde_json::Value`.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Raw(pub serde_json::Value);

/// The `solution` object. Any other shape reads as an empty solution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Solution {
    /// The click points.
    pub coordinates: RawCoordinates,
    /// The provider's own answer.
    pub raw: Raw,
}

impl<'de> Deserialize<'de> for Solution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Solution;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a solution object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Solution, A::Error> {
                let mut s = Solution::default();
                while let Some(key) = map.next_key::<Scalar>()? {
                    match key.as_text().as_deref() {
                        Some("coordinates") => s.coordinates = map.next_value()?,
                        Some("raw") => s.raw = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(s)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Solution, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Solution::default())
            }
        }
        Ok(or_other(d, V)?.unwrap_or_default())
    }
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
    /// The solution, once ready (`null` reads as `None`).
    pub solution: Option<Solution>,
    /// USD balance (getBalance).
    pub balance: Scalar,
}

/// Read member by member (a hand-written visitor, as tolerant as the
/// fields: any value of any member is kept as data; unknown members are
/// skipped).
impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Envelope;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an answer object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
                let mut e = Envelope::default();
                while let Some(key) = map.next_key::<Scalar>()? {
                    let field = match key.as_text().as_deref() {
                        Some("errorId") => &mut e.error_id,
                        Some("errorCode") => &mut e.error_code,
                        Some("errorDescription") => &mut e.error_description,
                        Some("taskId") => &mut e.task_id,
                        Some("status") => &mut e.status,
                        Some("cost") => &mut e.cost,
                        Some("provider") => &mut e.provider,
                        Some("taskType") => &mut e.task_type,
                        Some("balance") => &mut e.balance,
                        Some("solution") => {
                            e.solution = map.next_value()?;
                            continue;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *field = map.next_value()?;
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

impl Envelope {
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
    pub fn into_task_id(self, body: &str) -> Result<TaskId> {
        if let Some(e) = self.error() {
            return Err(e);
        }
        let id = match self.task_id {
            Scalar::Text(id) if !id.trim().is_empty() => Some(TaskId::Text(id)),
            Scalar::Number(n) => TaskId::from_f64(n),
            _ => None,
        };
        id.ok_or_else(|| {
            Error::parse(
                "NO_TASK_ID",
                "createTask answered without a usable taskId (a string, or a whole number up to 2^53 - 1)",
                body,
            )
        })
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
            return Err(if status == "failed" {
                e.of_failed_task()
            } else {
                e
            });
        }
        let provider = self.provider.as_text();
        match status.as_str() {
            "ready" => {
                let (coordinates, raw) = match self.solution {
                    Some(Solution {
                        coordinates: RawCoordinates::List(l),
                        raw,
                    }) => (l, raw),
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
                    raw,
                }))
            }
            "failed" => Err(match self.error_code.as_text() {
                // A failure with `errorId` 0 and a code: the code is kept.
                Some(code) => Error::api(
                    1,
                    &code,
                    &self.error_description.as_text().unwrap_or_default(),
                ),
                None => Error::api(1, "UNKNOWN_ERROR", "the task failed without an error code"),
            }
            .of_failed_task()),
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
    /// The provider's own answer.
    pub raw: Raw,
}

/// Splits `raw` into usable points and rejected ones. A point is usable
/// when both parts are finite numbers (or numeric strings) inside
/// `0..=width` × `0..=height` of the sent image.
pub fn check_points(raw: &[RawPoint], width: f64, height: f64) -> (Vec<Point>, Vec<RejectedPoint>) {
    let mut good = Vec::with_capacity(raw.len());
    let mut bad = Vec::new();
    for (index, p) in raw.iter().enumerate() {
        let reject = |reason: String| RejectedPoint::new(index, reason);
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

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::protocol::{Method, parse_answer};

    fn env(json: &str) -> Envelope {
        parse_answer(Method::GetTaskResult, json).unwrap()
    }

    #[test]
    fn any_json_object_is_an_envelope() {
        let e = env(r#"{"errorId": 1, "errorCode": ""}"#).error().unwrap();
        assert_eq!(e.code, "UNKNOWN_ERROR");
        for odd in [
            r#"{"status": "ready", "solution": 5}"#,
            r#"{"status": "ready", "solution": [1, 2]}"#,
            r#"{"status": "ready", "solution": {"coordinates": "x"}}"#,
            r#"{"status": "ready", "solution": null}"#,
        ] {
            assert_eq!(
                env(odd).into_poll("").unwrap_err().code,
                "NO_COORDINATES",
                "{odd}"
            );
        }
        assert_eq!(env("{}"), Envelope::default());
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
        assert_eq!(r.raw, Raw(serde_json::json!({"a": 1})));
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
        assert!(e.failed_task);
        let e = env(r#"{"errorId":2,"errorCode":"INTERNAL_ERROR"}"#)
            .into_poll("")
            .unwrap_err();
        assert!(e.retryable && !e.failed_task);
        assert!(
            env(r#"{"status":"failed"}"#)
                .into_poll("")
                .unwrap_err()
                .failed_task
        );
        let e = env(r#"{"errorId":0,"status":"failed","errorCode":"PROVIDER_RATE_LIMITED"}"#)
            .into_poll("")
            .unwrap_err();
        assert!(e.failed_task && e.retryable && e.code == "PROVIDER_RATE_LIMITED");
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
        let numeric = env(r#"{"errorId":0,"taskId":12345678901}"#)
            .into_task_id("")
            .unwrap();
        assert_eq!(numeric, TaskId::Number(12_345_678_901));
        for unusable in [
            r#"{"errorId":0,"taskId":1.5}"#,
            r#"{"errorId":0,"taskId":-1}"#,
            r#"{"errorId":0,"taskId":" "}"#,
            r#"{"errorId":0,"taskId":1e300}"#,
        ] {
            assert_eq!(
                env(unusable).into_task_id("").unwrap_err().code,
                "NO_TASK_ID",
                "{unusable}"
            );
        }
    }

    #[test]
    fn reports_unusable_points() {
        let raw: Vec<RawPoint> = serde_json::from_str(
            r#"[{"x":-1,"y":2},{"x":"abc","y":1},[1],{"x":500,"y":1},{"x":10,"y":10},"p",{"X":3,"Y":4},null,{"x":{},"y":1}]"#,
        )
        .unwrap();
        let (good, bad) = check_points(&raw, 400.0, 300.0);
        assert_eq!(
            good,
            vec![Point { x: 10.0, y: 10.0 }, Point { x: 3.0, y: 4.0 }]
        );
        assert_eq!(
            bad.iter().map(|b| b.index).collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 5, 7, 8]
        );
    }
}
