//! The human provider: tasks wait in a queue until a person answers them on
//! the `/worker` page, as the workers of real providers do.

use crate::api::ApiError;
use crate::challenge::Point;
use crate::providers::Kind;
use crate::state::{AppState, Outcome};
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// `GET /worker`: the worker page.
pub async fn page() -> Html<&'static str> {
    Html(include_str!("../static/worker.html"))
}

/// `GET /worker/tasks`: the queued human tasks, oldest first.
pub async fn queue(State(state): State<Arc<AppState>>) -> Response {
    let Ok(tasks) = state.tasks.lock() else {
        return ApiError::external("INTERNAL_ERROR", "lock poisoned").into_response();
    };
    let mut waiting: Vec<_> = tasks
        .iter()
        .filter(|(_, t)| t.provider.kind == Kind::Human && matches!(t.outcome, Outcome::Pending))
        .filter_map(|(id, t)| t.shown.as_ref().map(|s| (t.created, id, s)))
        .collect();
    waiting.sort_by_key(|(created, _, _)| *created);
    let list: Vec<Value> = waiting
        .into_iter()
        .map(|(_, id, s)| {
            json!({
                "taskId": id,
                "image": s.image,
                "comment": s.comment,
                "instructions": s.instructions,
                "minClicks": s.min_clicks,
                "maxClicks": s.max_clicks,
                "width": s.width,
                "height": s.height,
            })
        })
        .collect();
    Json(json!({ "tasks": list })).into_response()
}

/// Body of `POST /worker/answer`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    task_id: String,
    #[serde(default)]
    points: Vec<Point>,
    #[serde(default)]
    unsolvable: bool,
}

/// `POST /worker/answer`: a person's points, or "unsolvable".
pub async fn answer(State(state): State<Arc<AppState>>, Json(a): Json<Answer>) -> Response {
    let Ok(mut tasks) = state.tasks.lock() else {
        return ApiError::external("INTERNAL_ERROR", "lock poisoned").into_response();
    };
    let Some(task) = tasks
        .get_mut(&a.task_id)
        .filter(|t| t.provider.kind == Kind::Human && matches!(t.outcome, Outcome::Pending))
    else {
        return ApiError::external(crate::api::TASK_NOT_FOUND, "no such waiting task")
            .into_response();
    };
    let valid = a.points.iter().all(|p| p.x.is_finite() && p.y.is_finite());
    task.outcome = if a.unsolvable {
        Outcome::Failed {
            code: "CAPTCHA_UNSOLVABLE".into(),
            description: "the worker marked the task unsolvable".into(),
        }
    } else if a.points.is_empty() || !valid {
        return ApiError::external(
            "INVALID_TASK_DATA",
            "an answer needs at least one finite point",
        )
        .into_response();
    } else {
        Outcome::Solved {
            raw: json!({"engine": "sandbox-human", "clicks": a.points.len()}),
            points: a.points,
        }
    };
    let now = Instant::now();
    task.ready_at = Some(now);
    state.settle(task, now);
    Json(json!({"errorId": 0})).into_response()
}
