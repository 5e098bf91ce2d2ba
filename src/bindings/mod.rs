//! The JS layer: the `CoordinatesClient` class and `toClientPoints`, a thin
//! layer over the Rust API. It only converts values at the boundary, all
//! through serde-wasm-bindgen: option objects in (`options`), images in
//! (`image`), results, Task records, progress events and errors' data out.
//!
//! Every method returns a Promise built from `future_to_promise(async move
//! { .. })` over a clone of the Rust [`Client`] (its state is shared), so
//! concurrent calls and `free()` while one is pending are both safe.

mod display;
mod image;
mod options;
mod typescript;

pub use display::to_client_points;

use crate::client::Client;
use crate::error::{Error, Kind};
use crate::task::Task;
use crate::task_id::TaskId;
use js_sys::{Object, Promise};
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

/// A value out to JS as plain objects and arrays (not Maps).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, Error> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| Error::new(Kind::Parse, "INVALID_RESULT", e.to_string()))
}

/// An [`Error`] as a JS `Error` named `AnySolverError`, its fields as own
/// properties.
pub(crate) fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("AnySolverError");
    if let Ok(data) = to_js(e) {
        let _ = Object::assign(err.as_ref(), &data.unchecked_into());
    }
    err.into()
}

/// What a call rejects with: the caller's signal's reason for an abort (as
/// `fetch` does), else the error. [`Client`] has blanked the API key out of
/// every error that holds a server's words; the rest (option checks, and
/// `into_points`, whose only server-given part is the task id every
/// result carries too) are the client's own.
fn reject(e: &Error, signal: Option<&AbortSignal>) -> JsValue {
    match signal {
        Some(s) if e.kind == Kind::Aborted => s.reason(),
        _ => js_error(e),
    }
}

/// The methods that submit an image.
#[derive(Clone, Copy)]
enum Submit {
    Solve,
    Recognize,
    CreateTask,
}

/// A method's work, boxed: one future type for every method.
type Call = Pin<Box<dyn Future<Output = Result<JsValue, Error>>>>;

/// A client of AnySolver's CoordinatesRecognition task.
#[wasm_bindgen]
#[derive(Debug)]
pub struct CoordinatesClient {
    client: Client,
}

#[wasm_bindgen]
impl CoordinatesClient {
    /// Creates a client. Throws an `AnySolverError` (`kind: "validation"`)
    /// when an option is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<CoordinatesClient, JsValue> {
        options::client_config(&options)
            .and_then(Client::new)
            .map(|client| Self { client })
            .map_err(|e| js_error(&e))
    }

    /// Submits `image` and resolves with the click points, in the original
    /// image's pixels.
    #[wasm_bindgen(unchecked_return_type = "Promise<Point[]>")]
    pub fn solve(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SolveOptions")] options: Option<Object>,
    ) -> Promise {
        self.submit(Submit::Solve, image, options)
    }

    /// Like `solve`, but resolves with the whole result: task id, points,
    /// rejected points, cost, provider, raw answer, scaling and timing.
    #[wasm_bindgen(unchecked_return_type = "Promise<Recognition>")]
    pub fn recognize(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SolveOptions")] options: Option<Object>,
    ) -> Promise {
        self.submit(Submit::Recognize, image, options)
    }

    /// Submits `image` and resolves with a Task record at once, without
    /// waiting for the result (see `waitForResult`).
    #[wasm_bindgen(js_name = createTask, unchecked_return_type = "Promise<Task>")]
    pub fn create_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ImageInput")] image: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SolveOptions")] options: Option<Object>,
    ) -> Promise {
        self.submit(Submit::CreateTask, image, options)
    }

    /// Polls a task created earlier (a Task record, or a bare task id)
    /// until it is solved, failed, past the deadline or aborted.
    #[wasm_bindgen(js_name = waitForResult, unchecked_return_type = "Promise<Recognition>")]
    pub fn wait_for_result(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Task | TaskId")] task: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "WaitOptions")] options: Option<Object>,
    ) -> Promise {
        let client = self.client.clone();
        let options = options::wait_options(&options.map(JsValue::from).unwrap_or_default());
        let signal = options.as_ref().ok().and_then(|o| o.signal.clone());
        self.settle(signal, async move {
            let task = read_task(&task)?;
            to_js(&client.wait_for_result(&task, options?).await?)
        })
    }

    /// One getTaskResult call: resolves with the task's current state.
    #[wasm_bindgen(js_name = getTaskResult, unchecked_return_type = "Promise<TaskState>")]
    pub fn get_task_result(
        &self,
        #[wasm_bindgen(js_name = taskId, unchecked_param_type = "TaskId | Task")] task_id: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        self.settle(None, async move {
            let task = read_task(&task_id)?;
            to_js(&client.get_task_result(&task.task_id).await?)
        })
    }

    /// The account balance in USD.
    #[wasm_bindgen(js_name = getBalance, unchecked_return_type = "Promise<number>")]
    pub fn get_balance(&self) -> Promise {
        let client = self.client.clone();
        self.settle(None, async move {
            Ok(JsValue::from_f64(client.get_balance().await?))
        })
    }
}

impl CoordinatesClient {
    /// Reads the image and the options, then submits the image. One
    /// function for the three methods (not a generic one per method), so
    /// that the task's future is compiled once.
    fn submit(&self, what: Submit, image: JsValue, options: Option<Object>) -> Promise {
        let client = self.client.clone();
        let options = options::solve_options(&options.map(JsValue::from).unwrap_or_default());
        let signal = options.as_ref().ok().and_then(|o| o.wait.signal.clone());
        self.settle(signal, async move {
            let options = options?;
            let image = image::image_from_js(&image, "image")?;
            match what {
                Submit::CreateTask => to_js(&client.create_task(image, options).await?),
                Submit::Recognize => to_js(&client.recognize(image, options).await?),
                Submit::Solve => to_js(&client.recognize(image, options).await?.into_points()?),
            }
        })
    }

    /// The Promise of `fut`, its errors turned into what JS rejects with.
    /// Every method's future is boxed into one type first, so that
    /// `future_to_promise` and its executor glue are compiled once, not
    /// once per method.
    fn settle(
        &self,
        signal: Option<AbortSignal>,
        fut: impl Future<Output = Result<JsValue, Error>> + 'static,
    ) -> Promise {
        self.settle_boxed(signal, Box::pin(fut))
    }

    fn settle_boxed(&self, signal: Option<AbortSignal>, fut: Call) -> Promise {
        future_to_promise(async move { fut.await.map_err(|e| reject(&e, signal.as_ref())) })
    }
}

/// Reads a Task record or a bare task id (a string or a number). Blank
/// ids and missing creation times are the core's to check and fill in.
fn read_task(value: &JsValue) -> Result<Task, Error> {
    if value.is_object() {
        return serde_wasm_bindgen::from_value::<Task>(value.clone())
            .map_err(|_| Error::invalid_task());
    }
    serde_wasm_bindgen::from_value::<TaskId>(value.clone())
        .map(Task::from_id)
        .map_err(|_| Error::invalid_task())
}
