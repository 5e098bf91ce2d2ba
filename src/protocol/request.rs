//! Request bodies. Each is a serde `Serialize` type; unset fields are left
//! out of the JSON, never sent as `null`, the key included: a client of a
//! relay (which adds the key itself) sends none. Their `Debug` never prints
//! the API key.

use super::{KeyPoolMode, Routing, SelectionMode, TASK_TYPE};
use crate::chars::Chars;
use crate::task_id::TaskId;
use crate::text::Redacted;
use serde::Serialize;
use std::fmt;

/// The `task` object of a CoordinatesRecognition createTask.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoordinatesTask {
    /// Always [`TASK_TYPE`].
    #[serde(rename = "type")]
    pub task_type: &'static str,
    /// The image, as a data URL.
    pub image_base64: Chars,
    /// The text instruction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The instruction image, as a data URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub img_instructions: Option<Chars>,
    /// Fewest clicks expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_clicks: Option<u32>,
    /// Most clicks expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_clicks: Option<u32>,
}

impl CoordinatesTask {
    /// A task for the image `image_base64` (a data URL), nothing else set.
    pub fn new(image_base64: Chars) -> Self {
        Self {
            task_type: TASK_TYPE,
            image_base64,
            comment: None,
            img_instructions: None,
            min_clicks: None,
            max_clicks: None,
        }
    }
}

/// The body of `createTask`: the task, with the routing choices as its
/// siblings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTaskRequest<'a> {
    /// The API key; `None` through a relay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<&'a str>,
    /// The task.
    pub task: &'a CoordinatesTask,
    /// Forced provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'a str>,
    /// Routing mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection_mode: Option<&'a str>,
    /// Key pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pool_mode: Option<&'a str>,
}

impl<'a> CreateTaskRequest<'a> {
    /// The request for `task` with `routing`.
    pub fn new(
        client_key: Option<&'a str>,
        task: &'a CoordinatesTask,
        routing: &'a Routing,
    ) -> Self {
        Self {
            client_key,
            task,
            provider: routing.provider.as_deref(),
            selection_mode: routing.selection_mode.map(SelectionMode::as_str),
            key_pool_mode: routing.key_pool_mode.map(KeyPoolMode::as_str),
        }
    }
}

impl fmt::Debug for CreateTaskRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateTaskRequest")
            .field("client_key", &Redacted)
            .field("task", &self.task)
            .field("provider", &self.provider)
            .field("selection_mode", &self.selection_mode)
            .field("key_pool_mode", &self.key_pool_mode)
            .finish()
    }
}

/// The body of `getTaskResult`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetTaskResultRequest<'a> {
    /// The API key; `None` through a relay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<&'a str>,
    /// The task, in the JSON type the service gave it.
    pub task_id: &'a TaskId,
}

impl fmt::Debug for GetTaskResultRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetTaskResultRequest")
            .field("client_key", &Redacted)
            .field("task_id", &self.task_id)
            .finish()
    }
}

/// The body of `getBalance`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBalanceRequest<'a> {
    /// The API key; `None` through a relay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key: Option<&'a str>,
}

impl fmt::Debug for GetBalanceRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetBalanceRequest")
            .field("client_key", &Redacted)
            .finish()
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::protocol::to_json;

    #[test]
    fn create_request_omits_unset_fields_and_escapes_text() {
        let odd = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🚲";
        let task = CoordinatesTask {
            comment: Some(odd.into()),
            max_clicks: Some(3),
            ..CoordinatesTask::new(Chars::from("data:image/png;base64,AAAA"))
        };
        let routing = Routing::default().with_selection_mode(SelectionMode::AutoFastest);
        let body = to_json(&CreateTaskRequest::new(Some("k"), &task, &routing)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "clientKey": "k",
                "task": {"type": "CoordinatesRecognition", "imageBase64": "data:image/png;base64,AAAA",
                         "comment": odd, "maxClicks": 3},
                "selectionMode": "autoFastest"
            })
        );
    }

    #[test]
    fn a_task_id_goes_back_in_the_json_type_it_came_in() {
        let body = |id: TaskId| {
            to_json(&GetTaskResultRequest {
                client_key: Some("k"),
                task_id: &id,
            })
        };
        assert_eq!(
            body(12_345_678_901.into()).unwrap(),
            r#"{"clientKey":"k","taskId":12345678901}"#
        );
        assert_eq!(
            body("12345678901".into()).unwrap(),
            r#"{"clientKey":"k","taskId":"12345678901"}"#
        );
    }

    #[test]
    fn through_a_relay_no_key_is_sent() {
        let task = CoordinatesTask::new(Chars::from("data:image/png;base64,AAAA"));
        let body = to_json(&CreateTaskRequest::new(None, &task, &Routing::default())).unwrap();
        assert!(!body.contains("clientKey"), "{body}");
        let poll = to_json(&GetTaskResultRequest {
            client_key: None,
            task_id: &"t".into(),
        })
        .unwrap();
        assert_eq!(poll, r#"{"taskId":"t"}"#);
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = "anysolver_secret_key";
        let task = CoordinatesTask::new(Chars::from("data:image/png;base64,AAAA"));
        let routing = Routing::default();
        let printed = [
            format!("{:?}", CreateTaskRequest::new(Some(key), &task, &routing)),
            format!(
                "{:?}",
                GetTaskResultRequest {
                    client_key: Some(key),
                    task_id: &"t".into()
                }
            ),
            format!(
                "{:?}",
                GetBalanceRequest {
                    client_key: Some(key)
                }
            ),
        ];
        for p in printed {
            assert!(!p.contains(key) && p.contains("[redacted]"), "{p}");
        }
    }
}
