//! What calls return: Task records, results, one poll's state and progress
//! events. Plain Rust types that derive `Serialize`/`Deserialize`, spelled
//! in camelCase as JS callers see them.

use crate::error::{Error, Kind};
use crate::geometry::point::{Point, RejectedPoint};
use crate::geometry::region::Placement;
use crate::geometry::scaling::Scaling;
use crate::lenient::{Members, Scalar};
use crate::protocol::Raw;
pub use crate::task_id::TaskId;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A created task: enough to resume waiting later, even in another
/// process (it survives `JSON.stringify`, e.g. in `chrome.storage.session`).
///
/// Read back leniently, member by member: only `taskId` must be right; a
/// `createdAt`, `scaling`, `placement` or `provider` of the wrong type or
/// shape reads as missing, whatever the rest of the record.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The id the service gave the task.
    pub task_id: TaskId,
    /// When createTask answered, by the client's clock: ms since the Unix
    /// epoch as JS counts time (`createdAt`, `null` when unknown). `None`
    /// for a bare task id; then, as for a time that is not a finite
    /// number, the wait counts from its own start.
    #[serde(rename = "createdAt")]
    pub created_at_ms: Option<f64>,
    /// The image's original and sent sizes, to map points back; `None`
    /// for a bare task id (points are then returned as sent).
    pub scaling: Option<Scaling>,
    /// For a screenshot solved with a [`Region`](crate::Region): how points
    /// map onto the element's CSS pixels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The provider forced at creation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl<'de> Deserialize<'de> for Task {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Task;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Task record")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Task, A::Error> {
                let mut task_id = None;
                let mut task = Task::from_id(TaskId::Number(0));
                while let Some(key) = map.next_key::<Scalar>()? {
                    match key.as_text().as_deref() {
                        Some("taskId") => task_id = Some(map.next_value::<TaskId>()?),
                        Some("createdAt") => {
                            if let Scalar::Number(n) = map.next_value::<Scalar>()? {
                                task.created_at_ms = Some(n);
                            }
                        }
                        Some("scaling") => task.scaling = scaling(&map.next_value()?),
                        Some("placement") => task.placement = placement(&map.next_value()?),
                        Some("provider") => {
                            if let Scalar::Text(p) = map.next_value::<Scalar>()? {
                                task.provider = Some(p);
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                task.task_id =
                    task_id.ok_or_else(|| de::Error::custom("a Task record needs its taskId"))?;
                Ok(task)
            }
        }
        d.deserialize_map(V)
    }
}

impl Task {
    /// A task known only by its id, created at an unknown time.
    pub fn from_id(task_id: impl Into<TaskId>) -> Self {
        Self {
            task_id: task_id.into(),
            created_at_ms: None,
            scaling: None,
            placement: None,
            provider: None,
        }
    }
}

/// A whole number of pixels, at least 1.
fn side(members: &Members, key: &str) -> Option<u32> {
    let n = members.number(key)?;
    (n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32)
}

/// A scaling that cannot be read (a member missing or of the wrong type,
/// or a side below one pixel) is no scaling. Read through [`Members`], so
/// that the record's other fields still parse whatever this one holds.
fn scaling(m: &Members) -> Option<Scaling> {
    (|| {
        Some(Scaling {
            original_width: side(m, "originalWidth")?,
            original_height: side(m, "originalHeight")?,
            sent_width: side(m, "sentWidth")?,
            sent_height: side(m, "sentHeight")?,
        })
    })()
}

/// A placement that cannot be read (a member missing or of the wrong
/// type) or maps nowhere is no placement, whatever the rest of the record.
fn placement(m: &Members) -> Option<Placement> {
    let (scale, offset_x, offset_y) = (m.number("scale"), m.number("offsetX"), m.number("offsetY"));
    match (scale, offset_x, offset_y) {
        (Some(scale), Some(offset_x), Some(offset_y))
            if scale > 0.0 && (scale + offset_x + offset_y).is_finite() =>
        {
            Some(Placement {
                scale,
                offset_x,
                offset_y,
            })
        }
        _ => None,
    }
}

/// When and how long.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Timing {
    /// When createTask answered, ms since the Unix epoch (`createdAt`); for
    /// a task of unknown age, when the wait started.
    #[serde(rename = "createdAt")]
    pub created_at_ms: f64,
    /// How long this call waited, ms.
    pub elapsed_ms: f64,
    /// getTaskResult requests this call made.
    pub polls: u32,
}

/// The whole result of a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct TaskState {
    /// The task's id.
    pub task_id: TaskId,
    /// As sent; read it with [`TaskState::status`].
    pub(crate) status: String,
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

/// A task's or a call's status: what [`TaskState::status`] and
/// [`Progress::status`] return. A poll says `processing`, `ready` or a
/// status this crate does not know; a progress event says `created`, then
/// each poll's status, `retrying`, `ready`, `failed` or `error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Status<'a> {
    /// `created`: the task exists.
    Created,
    /// `processing`: not solved yet.
    Processing,
    /// `retrying`: a refused createTask or a failed poll is tried again
    /// (the progress event's `code` says why).
    Retrying,
    /// `ready`: solved.
    Ready,
    /// `failed`: the task failed.
    Failed,
    /// `error`: the call ends with an error.
    Error,
    /// A status this crate does not know, as the service sent it; polling
    /// goes on.
    Other(&'a str),
}

impl<'a> Status<'a> {
    /// The status spelled `s`.
    pub fn of(s: &'a str) -> Self {
        match s {
            "created" => Status::Created,
            "processing" => Status::Processing,
            "retrying" => Status::Retrying,
            "ready" => Status::Ready,
            "failed" => Status::Failed,
            "error" => Status::Error,
            other => Status::Other(other),
        }
    }

    /// The status as JS sees it.
    pub fn as_str(self) -> &'a str {
        match self {
            Status::Created => "created",
            Status::Processing => "processing",
            Status::Retrying => "retrying",
            Status::Ready => "ready",
            Status::Failed => "failed",
            Status::Error => "error",
            Status::Other(s) => s,
        }
    }
}

impl fmt::Display for Status<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TaskState {
    /// What the poll said: `processing`, `ready`, or a status this crate
    /// does not know.
    pub fn status(&self) -> Status<'_> {
        Status::of(&self.status)
    }
}

impl Progress {
    /// Where the call is.
    pub fn status(&self) -> Status<'_> {
        Status::of(&self.status)
    }
}

/// A progress event of a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Progress {
    /// As JS sees it; read it with [`Progress::status`].
    pub(crate) status: String,
    /// getTaskResult requests made so far.
    pub polls: u32,
    /// Time since the call started, whole ms.
    pub elapsed_ms: f64,
    /// The task concerned; `None` while none exists (a createTask being
    /// retried).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<TaskId>,
    /// With `retrying`: the code of what is retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
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
                created_at_ms: 0.0,
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
            created_at_ms: Some(1_700_000_000_000.0),
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
        assert_eq!((t.scaling, t.created_at_ms), (None, None));
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
            // A member of the wrong type before others: the record still reads.
            r#"{"scale":"x","offsetX":0}"#,
            r#"{"scale":{"a":[1]},"offsetX":0,"offsetY":0}"#,
            r#"[1,2,3]"#,
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
    fn an_unreadable_scaling_or_placement_leaves_the_rest_of_the_record() {
        let t: Task = serde_json::from_str(
            r#"{"taskId":"a","scaling":{"originalWidth":"x","sentWidth":2},"placement":{"scale":"x","offsetX":0},"createdAt":5,"provider":"P"}"#,
        )
        .unwrap();
        assert_eq!(
            (
                t.scaling,
                t.placement,
                t.created_at_ms,
                t.provider.as_deref()
            ),
            (None, None, Some(5.0), Some("P"))
        );
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
