//! What calls return: Task records, results, one poll's state and progress
//! events. Plain Rust types that derive `Serialize`/`Deserialize`, spelled
//! in camelCase as JS callers see them.

use crate::error::{Error, Kind};
use crate::image::geometry::{Placement, Scaling};
use crate::protocol::{Point, Raw, RejectedPoint};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Largest whole number an `f64` (and so a JSON number read by
/// JavaScript) holds exactly: 2⁵³ − 1.
const MAX_EXACT: u64 = (1 << 53) - 1;

/// A task's id, in the JSON type the service gave it: AnySolver sends
/// strings; other services that speak the protocol number their tasks.
/// It goes back to the service as it came (`"abc"` as a string, `12345678901`
/// as a number), and prints as it is (digits for a number).
///
/// ```
/// use anysolver_coordinates::TaskId;
/// assert_eq!(TaskId::from("01KF").to_string(), "01KF");
/// assert_eq!(TaskId::from(12_345_678_901).to_string(), "12345678901");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TaskId {
    /// A string id.
    Text(String),
    /// A numeric id: a whole number up to 2⁵³ − 1 (larger ones cannot
    /// cross JSON in JavaScript exactly).
    Number(u64),
}

impl TaskId {
    /// A numeric id from a JSON number: whole, not negative, and exact
    /// in an `f64`; `None` otherwise.
    pub fn from_f64(n: f64) -> Option<Self> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (n.fract() == 0.0 && (0.0..=MAX_EXACT as f64).contains(&n))
            .then_some(Self::Number(n as u64))
    }

    /// Whether the id is an empty or blank string.
    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Text(t) if t.trim().is_empty())
    }

    /// The id with surrounding whitespace trimmed from a string id.
    #[must_use]
    pub fn trimmed(self) -> Self {
        match self {
            Self::Text(t) if t.trim().len() != t.len() => Self::Text(t.trim().to_owned()),
            other => other,
        }
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

impl From<String> for TaskId {
    fn from(id: String) -> Self {
        Self::Text(id)
    }
}

impl From<&str> for TaskId {
    fn from(id: &str) -> Self {
        Self::Text(id.to_owned())
    }
}

impl From<u64> for TaskId {
    fn from(id: u64) -> Self {
        Self::Number(id)
    }
}

impl PartialEq<&str> for TaskId {
    fn eq(&self, other: &&str) -> bool {
        matches!(self, Self::Text(t) if t == other)
    }
}

impl Serialize for TaskId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(t) => s.serialize_str(t),
            Self::Number(n) => s.serialize_u64(*n),
        }
    }
}

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TaskId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a task id (a string, or a whole number up to 2^53 - 1)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TaskId, E> {
                Ok(TaskId::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<TaskId, E> {
                Ok(TaskId::Text(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TaskId, E> {
                (v <= MAX_EXACT)
                    .then_some(TaskId::Number(v))
                    .ok_or_else(|| E::custom("a numeric task id above 2^53 - 1"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TaskId, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a negative task id"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TaskId, E> {
                TaskId::from_f64(v).ok_or_else(|| E::custom("a task id that is not a whole number"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A created task: enough to resume waiting later, even in another
/// process (it survives `JSON.stringify`, e.g. in `chrome.storage.session`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// The id the service gave the task.
    pub task_id: TaskId,
    /// Creation time, ms since the epoch.
    #[serde(default = "not_a_time")]
    pub created_at: f64,
    /// The image's original and sent sizes, to map points back; `None`
    /// for a bare task id (points are then returned as sent).
    #[serde(default, deserialize_with = "lenient")]
    pub scaling: Option<Scaling>,
    /// For a screenshot solved with a [`Region`](crate::Region): how points
    /// map onto the element's CSS pixels.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_placement"
    )]
    pub placement: Option<Placement>,
    /// The provider forced at creation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl Task {
    /// A task known only by its id, created `created_at` (ms since epoch).
    pub fn from_id(task_id: impl Into<TaskId>, created_at: f64) -> Self {
        Self {
            task_id: task_id.into(),
            created_at,
            scaling: None,
            placement: None,
            provider: None,
        }
    }
}

fn not_a_time() -> f64 {
    f64::NAN
}

/// A scaling that cannot be read (or has a zero side) is no scaling.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Scaling>, D::Error> {
    Ok(Option::<Scaling>::deserialize(d)
        .ok()
        .flatten()
        .filter(Scaling::is_valid))
}

/// A placement that cannot be read (or maps nowhere) is no placement.
fn lenient_placement<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Placement>, D::Error> {
    Ok(Option::<Placement>::deserialize(d)
        .ok()
        .flatten()
        .filter(|p| p.scale > 0.0 && (p.scale + p.offset_x + p.offset_y).is_finite()))
}

/// When and how long.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// When the task was created, ms since the epoch.
    pub created_at: f64,
    /// How long this call waited, ms.
    pub elapsed_ms: f64,
    /// getTaskResult requests this call made.
    pub polls: u32,
}

/// The whole result of a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recognition {
    /// The task's id.
    pub task_id: TaskId,
    /// Click points in the original image's pixels (with a
    /// [`Region`](crate::Region): in the region's CSS pixels).
    pub coordinates: Vec<Point>,
    /// Points the service sent that were not usable (NaN, negative,
    /// outside the image).
    pub rejected: Vec<RejectedPoint>,
    /// USD charged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The provider that solved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The task type (`CoordinatesRecognition`).
    pub task_type: String,
    /// The provider's own answer, passed through untouched.
    #[serde(default)]
    pub raw: Raw,
    /// The image's original and sent sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
    /// How the points were mapped onto the region's CSS pixels, when a
    /// [`Region`](crate::Region) was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// When and how long.
    pub timing: Timing,
}

impl Recognition {
    /// The points, or an `INVALID_COORDINATES` [`Error`] (kind `parse`,
    /// with the task id) if the service sent any that could not be used:
    /// what `solve` returns.
    pub fn into_points(self) -> Result<Vec<Point>, Error> {
        match self.rejected.first() {
            None => Ok(self.coordinates),
            Some(first) => Err(Error::new(
                Kind::Parse,
                "INVALID_COORDINATES",
                format!(
                    "the service answered {} unusable point(s) (first: #{}: {}); recognize() returns the rest",
                    self.rejected.len(),
                    first.index,
                    first.reason
                ),
            )
            .with_task(&self.task_id)),
        }
    }
}

/// What one getTaskResult said of a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskState {
    /// The task's id.
    pub task_id: TaskId,
    /// `processing`, `ready`, or a status this crate does not know.
    pub status: String,
    /// The provider, when named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// USD charged, once ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// Once ready: the points, in the sent image's pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Vec<Point>>,
    /// Once ready: the points that were not usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<Vec<RejectedPoint>>,
    /// Once ready: the provider's own answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<Raw>,
}

/// A progress event of a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// `created`, then each poll's status (`processing`), `retrying`,
    /// `ready`, `failed` or `error`.
    pub status: String,
    /// getTaskResult requests made so far.
    pub polls: u32,
    /// Milliseconds since the call started.
    pub elapsed_ms: f64,
    /// The task's id.
    pub task_id: TaskId,
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn recognition(rejected: Vec<RejectedPoint>) -> Recognition {
        Recognition {
            task_id: "t1".into(),
            coordinates: vec![Point { x: 1.0, y: 2.0 }],
            rejected,
            cost: None,
            provider: None,
            task_type: "CoordinatesRecognition".into(),
            raw: Raw::default(),
            scaling: None,
            placement: None,
            timing: Timing {
                created_at: 0.0,
                elapsed_ms: 0.0,
                polls: 1,
            },
        }
    }

    #[test]
    fn into_points_fails_on_any_unusable_point_and_names_the_first() {
        let points = recognition(vec![]).into_points().unwrap();
        assert_eq!(points, vec![Point { x: 1.0, y: 2.0 }]);
        let bad = vec![
            RejectedPoint {
                index: 3,
                reason: "x is NaN".into(),
            },
            RejectedPoint {
                index: 5,
                reason: "outside".into(),
            },
        ];
        let e = recognition(bad).into_points().unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_ref()),
            (Kind::Parse, "INVALID_COORDINATES")
        );
        assert!(
            e.message
                .contains("2 unusable point(s) (first: #3: x is NaN)"),
            "{}",
            e.message
        );
        assert_eq!(e.task_id, Some("t1".into()));
    }

    #[test]
    fn a_task_record_round_trips_through_json() {
        let task = Task {
            task_id: "01KF".into(),
            created_at: 1_700_000_000_000.0,
            scaling: Some(Scaling {
                original_width: 3000,
                original_height: 2000,
                sent_width: 1000,
                sent_height: 667,
            }),
            placement: Some(Placement {
                scale: 2.0,
                offset_x: -0.25,
                offset_y: 0.5,
            }),
            provider: None,
        };
        let text = serde_json::to_string(&task).unwrap();
        assert!(
            text.contains(r#""placement":{"scale":2.0,"offsetX":-0.25"#),
            "{text}"
        );
        assert!(
            text.contains(r#""originalWidth":3000"#) && text.contains(r#""scale":"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Task>(&text).unwrap(), task);
    }

    #[test]
    fn odd_task_records_are_read_leniently() {
        let t: Task = serde_json::from_str(r#"{"taskId":"a","scaling":{"sentWidth":0}}"#).unwrap();
        assert_eq!((t.scaling, t.created_at.is_nan()), (None, true));
        let t: Task = serde_json::from_str(
            r#"{"taskId":"a","scaling":{"originalWidth":4,"originalHeight":4,"sentWidth":0,"sentHeight":2}}"#,
        )
        .unwrap();
        assert_eq!(t.scaling, None);
        // A placement that maps nowhere is dropped, not trusted.
        for placement in [
            r#""x""#,
            r#"{"scale":0,"offsetX":0,"offsetY":0}"#,
            r#"{"scale":1}"#,
        ] {
            let t: Task =
                serde_json::from_str(&format!(r#"{{"taskId":"a","placement":{placement}}}"#))
                    .unwrap();
            assert_eq!(t.placement, None, "{placement}");
        }
        for bad in [
            r#"{"taskId":-5}"#,
            r#"{"taskId":1.5}"#,
            r#"{"taskId":true}"#,
        ] {
            assert!(serde_json::from_str::<Task>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Task>(r#"{"taskId":9007199254740992}"#).is_err());
    }

    #[test]
    fn numeric_task_ids_keep_their_type_and_digits() {
        let t: Task = serde_json::from_str(r#"{"taskId":12345678901}"#).unwrap();
        assert_eq!(t.task_id, TaskId::Number(12_345_678_901));
        assert_eq!(t.task_id.to_string(), "12345678901");
        let text = serde_json::to_string(&t).unwrap();
        assert!(text.contains(r#""taskId":12345678901,"#), "{text}");
        let t: Task = serde_json::from_str(r#"{"taskId":"12345678901"}"#).unwrap();
        assert_eq!(t.task_id, TaskId::Text("12345678901".into()));
        assert_eq!(
            TaskId::from_f64(9_007_199_254_740_991.0),
            Some(TaskId::Number(9_007_199_254_740_991))
        );
        assert_eq!(TaskId::from_f64(1e300), None);
        assert_eq!(TaskId::from(" a ").trimmed(), TaskId::from("a"));
        assert!(TaskId::from("  ").is_blank() && !TaskId::from(0).is_blank());
    }
}
