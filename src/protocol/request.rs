//! Request bodies. Each is a serde `Serialize` type; unset fields are left
//! out of the JSON, never sent as `null`, the key included: a client of a
//! relay (which adds the key itself) sends none. Their `Debug` never prints
//! the API key.

use super::json::{self, Body};
use super::{KeyPoolMode, Routing, SelectionMode, TASK_TYPE, to_json, unwritable};
use crate::error::Result;
use crate::message::Redacted;
use crate::platform_text::Chars;
use crate::task_id::TaskId;
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

/// How the image's member starts in the JSON text. It occurs once: inside
/// a string value (the comment, say) every `"` is written `\"`.
const IMAGE_MEMBER: &str = r#""imageBase64":""#;

/// The createTask body for `task`. The image's data URL (often hundreds
/// of kB) is put into the JSON text as it is rather than written by the
/// JSON writer, which would only scan it once more to find nothing to
/// escape: every data URL the crate sends is `data:<type>;base64,` and
/// base64 that was checked or that the platform wrote. Its head is checked
/// here; one that JSON would escape goes through the writer. Measured in
/// Chromium for 287,598 chars, `JSON.stringify` and `new Request`: 756 µs
/// written whole, 387 µs put in.
pub fn create_task_body(
    client_key: Option<&str>,
    mut task: CoordinatesTask,
    routing: &Routing,
) -> Result<Body> {
    if !plain_head(&task.image_base64) {
        return to_json(&CreateTaskRequest::new(client_key, &task, routing));
    }
    let image = std::mem::replace(&mut task.image_base64, Chars::from(""));
    let text = json::chars(to_json(&CreateTaskRequest::new(
        client_key, &task, routing,
    ))?);
    let at = text
        .find(IMAGE_MEMBER)
        .ok_or_else(|| unwritable("the image has no place in it".to_owned()))?
        + IMAGE_MEMBER.len();
    let whole = text
        .slice(0, at)
        .concat(&image)
        .concat(&text.slice(at, text.len()));
    Ok(json::body(&whole))
}

/// Whether the data URL's head, up to its comma, is printable ASCII that
/// JSON writes as it is (no `"` or `\`).
fn plain_head(url: &Chars) -> bool {
    url.find(",").is_some_and(|comma| {
        url.slice(0, comma)
            .copied()
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    })
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
        let body = create_task_body(Some("k"), task, &routing).unwrap();
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
    fn the_image_put_into_the_text_reads_as_written_whole() {
        let url = "data:image/jpeg;base64,/9j/4AAQ+Z==";
        let comments = [None, Some(r#"click "imageBase64":"" and \ \u{0}, é 🚲"#)];
        let routing = Routing::default().with_provider("Vision");
        for comment in comments {
            for key in [Some("k"), None] {
                for image in [url, r#"data:image/png;x="a\b";base64,AAAA"#] {
                    let task = CoordinatesTask {
                        comment: comment.map(str::to_owned),
                        img_instructions: Some(Chars::from(url)),
                        min_clicks: Some(1),
                        ..CoordinatesTask::new(Chars::from(image))
                    };
                    let whole = to_json(&CreateTaskRequest::new(key, &task, &routing)).unwrap();
                    assert_eq!(create_task_body(key, task, &routing).unwrap(), whole);
                }
            }
        }
        assert!(plain_head(&Chars::from(url)));
        for odd in [
            r#"data:image/png;x="a";base64,AA"#,
            "data:\\;base64,AA",
            "AAAA",
        ] {
            assert!(!plain_head(&Chars::from(odd)), "{odd}");
        }
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
        let body = create_task_body(None, task, &Routing::default()).unwrap();
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
