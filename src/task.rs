//! What calls return: Task records, results, one poll's state and progress
//! events. Plain Rust types that derive `Serialize`/`Deserialize`, spelled
//! in camelCase as JS callers see them.

use crate::image::geometry::Scaling;
use crate::protocol::{Point, Raw, RejectedPoint};
use serde::{Deserialize, Deserializer, Serialize};

/// A created task: enough to resume waiting later, even in another
/// process (it survives `JSON.stringify`, e.g. in `chrome.storage.session`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// The id AnySolver gave the task.
    pub task_id: String,
    /// Creation time, ms since the epoch.
    #[serde(default = "not_a_time")]
    pub created_at: f64,
    /// The image's original and sent sizes, to map points back; `None`
    /// for a bare task id (points are then returned as sent).
    #[serde(default, deserialize_with = "lenient")]
    pub scaling: Option<Scaling>,
    /// The provider forced at creation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl Task {
    /// A task known only by its id, created `created_at` (ms since epoch).
    pub fn from_id(task_id: impl Into<String>, created_at: f64) -> Self {
        Self {
            task_id: task_id.into(),
            created_at,
            scaling: None,
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
    pub task_id: String,
    /// Click points in the original image's pixels.
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
    /// When and how long.
    pub timing: Timing,
}

/// What one getTaskResult said of a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskState {
    /// The task's id.
    pub task_id: String,
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
    pub task_id: String,
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

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
            provider: None,
        };
        let text = serde_json::to_string(&task).unwrap();
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
        assert!(serde_json::from_str::<Task>(r#"{"taskId":5}"#).is_err());
    }
}
