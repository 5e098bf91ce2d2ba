//! The running sandbox driven over HTTP: every error code, every routing
//! mode, the money flow, retention and every fault scenario.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_anysolver-sandbox"))
            .args(["--port", "0", "--solve-delay-ms", "200"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        Server {
            child,
            url,
            http: reqwest::Client::new(),
        }
    }

    async fn post_raw(&self, method: &str, body: String) -> reqwest::Response {
        self.http
            .post(format!("{}/{method}", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, method: &str, body: Value) -> Value {
        let r = self.post_raw(method, body.to_string()).await;
        assert_eq!(r.status(), 200, "{method} answers HTTP 200");
        r.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn account(&self, extra: Value) -> String {
        let mut body = json!({"balance": 1.0});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.post("sandbox/accounts", body).await["clientKey"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn challenge(&self, seed: u64) -> Value {
        self.get(&format!("/challenge?seed={seed}&width=400&height=300"))
            .await
    }

    async fn create(&self, key: &str, task: Value, top: Value) -> Value {
        let mut body = json!({"clientKey": key, "task": task});
        if let (Value::Object(b), Value::Object(t)) = (&mut body, top) {
            b.extend(t);
        }
        self.post("createTask", body).await
    }

    async fn result(&self, key: &str, id: &str) -> Value {
        self.post("getTaskResult", json!({"clientKey": key, "taskId": id}))
            .await
    }

    async fn wait(&self, key: &str, id: &str) -> Value {
        for _ in 0..100 {
            let r = self.result(key, id).await;
            if r["status"] != "processing" {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("task {id} did not finish");
    }

    async fn balance(&self, key: &str) -> f64 {
        self.post("getBalance", json!({"clientKey": key})).await["balance"]
            .as_f64()
            .unwrap()
    }
}

fn task(c: &Value) -> Value {
    json!({"type": "CoordinatesRecognition", "imageBase64": c["imageBase64"], "comment": c["comment"]})
}

fn code(v: &Value) -> &str {
    v["errorCode"].as_str().unwrap_or("")
}

fn png(w: u32, h: u32) -> String {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 3) as u8, 99]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    use base64::Engine;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(out)
    )
}

#[tokio::test]
async fn solves_a_challenge_and_charges_for_it() {
    let s = Server::start(&[]);
    let key = s.account(json!({})).await;
    let c = s.challenge(3).await;
    let created = s.create(&key, task(&c), json!({})).await;
    assert_eq!(created["errorId"], 0);
    let id = created["taskId"].as_str().unwrap();
    assert_eq!(id.len(), 26, "a ULID");
    assert!(
        (s.balance(&key).await - 0.9998).abs() < 1e-9,
        "estimate deducted at creation"
    );
    let first = s.result(&key, id).await;
    assert_eq!(first["status"], "processing");
    assert_eq!(first["solution"], Value::Null);
    assert_eq!(first["provider"], "Vision");
    assert_eq!(first["taskType"], "CoordinatesRecognition");
    let done = s.wait(&key, id).await;
    assert_eq!(done["status"], "ready");
    assert_eq!(done["cost"], 0.0002);
    let got = done["solution"]["coordinates"].as_array().unwrap();
    let truth = c["answer"].as_array().unwrap();
    assert_eq!(got.len(), truth.len());
    for t in truth {
        let d = got
            .iter()
            .map(|g| {
                (g["x"].as_f64().unwrap() - t["x"].as_f64().unwrap())
                    .hypot(g["y"].as_f64().unwrap() - t["y"].as_f64().unwrap())
            })
            .fold(f64::INFINITY, f64::min);
        assert!(d <= 3.0);
    }
    assert_eq!(done["solution"]["raw"]["engine"], "sandbox-vision");
    assert!((s.balance(&key).await - 0.9998).abs() < 1e-9);
}

#[tokio::test]
async fn bare_base64_and_jpeg_are_accepted() {
    let s = Server::start(&[]);
    let key = s.account(json!({})).await;
    let c = s.get("/challenge?seed=4&format=jpeg").await;
    let bare = c["imageBase64"]
        .as_str()
        .unwrap()
        .split_once(',')
        .unwrap()
        .1
        .to_owned();
    let t = json!({"type": "CoordinatesRecognition", "imageBase64": bare, "comment": c["comment"]});
    let id = s.create(&key, t, json!({})).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.wait(&key, &id).await["status"], "ready");
}

#[tokio::test]
async fn every_documented_error_code() {
    let s = Server::start(&["--max-image-side", "500", "--max-image-bytes", "600000"]);
    let key = s.account(json!({})).await;
    let c = s.challenge(5).await;
    let good = task(&c);
    let with = |k: &str, v: Value| {
        let mut t = good.clone();
        t[k] = v;
        t
    };
    let cases: Vec<(&str, Value, Value)> = vec![
        ("INVALID_TASK_DATA", json!({"clientKey": key}), json!({})),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": with("imageBase64", Value::Null)}),
            json!({}),
        ),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": with("minClicks", json!(3))}),
            json!({"maxClicks": 2}),
        ),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": with("minClicks", json!(1.5))}),
            json!({}),
        ),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": with("comment", json!(5))}),
            json!({}),
        ),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": good, "selectionMode": "fastest"}),
            json!({}),
        ),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": good, "keyPoolMode": "mine"}),
            json!({}),
        ),
        (
            "INVALID_TASK_DATA",
            json!({"clientKey": key, "task": good, "provider": "Nobody"}),
            json!({}),
        ),
        (
            "IMAGE_CORRUPTED",
            json!({"clientKey": key, "task": with("imageBase64", json!("%%%not base64"))}),
            json!({}),
        ),
        (
            "IMAGE_CORRUPTED",
            json!({"clientKey": key, "task": with("imageBase64", json!("A".repeat(400)))}),
            json!({}),
        ),
        (
            "IMAGE_TOO_SMALL",
            json!({"clientKey": key, "task": with("imageBase64", json!("aGVsbG8="))}),
            json!({}),
        ),
        (
            "IMAGE_TOO_LARGE",
            json!({"clientKey": key, "task": with("imageBase64", json!(png(600, 100)))}),
            json!({}),
        ),
        (
            "TASK_NOT_SUPPORTED",
            json!({"clientKey": key, "task": with("type", json!("ImageToTextTask"))}),
            json!({}),
        ),
        (
            "ERROR_KEY_DOES_NOT_EXIST",
            json!({"clientKey": "anysolver_nope", "task": good}),
            json!({}),
        ),
        ("ERROR_KEY_DOES_NOT_EXIST", json!({"task": good}), json!({})),
        (
            "ERROR_ZERO_BALANCE",
            json!({"clientKey": "anysolver_empty", "task": good}),
            json!({}),
        ),
        (
            "ERROR_USER_BANNED",
            json!({"clientKey": "anysolver_banned", "task": good}),
            json!({}),
        ),
        (
            "TASK_NOT_SUPPORTED",
            json!({"clientKey": "anysolver_textonly", "task": good}),
            json!({}),
        ),
    ];
    for (want, mut body, extra) in cases {
        if let Some(m) = extra.get("maxClicks") {
            body["task"]["maxClicks"] = m.clone();
        }
        let r = s.post("createTask", body.clone()).await;
        assert_eq!(r["errorId"], 1, "{want}: {r}");
        assert_eq!(code(&r), want, "{}", r["errorDescription"]);
        assert!(
            r["errorDescription"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let r = s.post_raw("createTask", "not json".into()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(code(&r.json::<Value>().await.unwrap()), "INVALID_TASK_DATA");
    // Nothing was charged for refused tasks.
    assert_eq!(s.balance(&key).await, 1.0);
    // Unsolvable: the instruction names nothing the provider knows.
    let t = json!({"type": "CoordinatesRecognition", "imageBase64": c["imageBase64"], "comment": "click on all bicycles"});
    let id = s.create(&key, t, json!({})).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s.wait(&key, &id).await;
    assert_eq!(
        (r["status"].as_str(), code(&r), &r["errorId"]),
        (Some("failed"), "CAPTCHA_UNSOLVABLE", &json!(1))
    );
    assert_eq!(s.balance(&key).await, 1.0, "refunded");
    // Unknown task id.
    let r = s.result(&key, "01ARZ3NDEKTSV4RRFFQ69G5FAV").await;
    assert_eq!(code(&r), "TASK_NOT_FOUND");
    // Another key cannot read the task.
    let other = s.account(json!({})).await;
    assert_eq!(code(&s.result(&other, &id).await), "TASK_NOT_FOUND");
}

#[tokio::test]
async fn oversized_bodies_get_an_envelope() {
    let s = Server::start(&["--max-body-bytes", "10000"]);
    let key = s.account(json!({})).await;
    let body = json!({"clientKey": key, "task": {"type": "CoordinatesRecognition", "imageBase64": "A".repeat(20_000)}});
    let r = s.post("createTask", body).await;
    assert_eq!(code(&r), "IMAGE_TOO_LARGE");
}

#[tokio::test]
async fn finished_tasks_expire_after_the_retention_time() {
    let s = Server::start(&["--retention-secs", "1"]);
    let key = s.account(json!({})).await;
    let c = s.challenge(6).await;
    let id = s.create(&key, task(&c), json!({})).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.wait(&key, &id).await["status"], "ready");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(code(&s.result(&key, &id).await), "TASK_NOT_FOUND");
}

#[tokio::test]
async fn routing_modes_choose_as_documented() {
    let s = Server::start(&[]);
    let c = s.challenge(7).await;
    let provider = |v: Value| v["provider"].as_str().unwrap_or("").to_owned();
    let key = s.account(json!({})).await;
    for (top, want) in [
        (json!({}), "Vision"),
        (json!({"selectionMode": "autoCheapest"}), "Vision"),
        (json!({"selectionMode": "autoFastest"}), "Vision"),
        (
            json!({"selectionMode": "autoMostReliable", "keyPoolMode": "platformOnly"}),
            "Vision",
        ),
        (json!({"provider": "Human"}), "Human"),
    ] {
        let id = s.create(&key, task(&c), top.clone()).await["taskId"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(provider(s.result(&key, &id).await), want, "{top}");
    }
    let prio = s
        .account(json!({"selectionMode": "priority", "priority": ["TextOnly", "Human", "Vision"]}))
        .await;
    let id = s.create(&prio, task(&c), json!({})).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        provider(s.result(&prio, &id).await),
        "Human",
        "the first supporting provider of the key's list"
    );
    let id = s
        .create(&prio, task(&c), json!({"keyPoolMode": "platformOnly"}))
        .await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        provider(s.result(&prio, &id).await),
        "Vision",
        "platformOnly skips the community pool"
    );
    let r = s
        .create(&prio, task(&c), json!({"provider": "TextOnly"}))
        .await;
    assert_eq!(code(&r), "TASK_NOT_SUPPORTED");
    // autoMostReliable learns: after vision failures, the human provider wins.
    for _ in 0..3 {
        let t = json!({"type": "CoordinatesRecognition", "imageBase64": c["imageBase64"], "comment": "click on all bicycles"});
        let id = s.create(&key, t, json!({"provider": "Vision"})).await["taskId"]
            .as_str()
            .unwrap()
            .to_owned();
        s.wait(&key, &id).await;
    }
    let id = s
        .create(&key, task(&c), json!({"selectionMode": "autoMostReliable"}))
        .await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(provider(s.result(&key, &id).await), "Human");
}

#[tokio::test]
async fn fault_scenarios_misbehave_as_documented() {
    let s = Server::start(&[]);
    let key = s.account(json!({"balance": 5.0})).await;
    let c = s.challenge(8).await;
    let make = |p: &str| json!({"provider": p});
    let poll_raw = |id: String| {
        let body = json!({"clientKey": key, "taskId": id}).to_string();
        let s = &s;
        async move { s.post_raw("getTaskResult", body).await }
    };

    for (fault, status) in [("Fault:http500:2", 500u16), ("Fault:http503:1", 503)] {
        let id = s.create(&key, task(&c), make(fault)).await["taskId"]
            .as_str()
            .unwrap()
            .to_owned();
        let n: u16 = if status == 500 { 2 } else { 1 };
        for _ in 0..n {
            let r = poll_raw(id.clone()).await;
            assert_eq!(r.status(), status);
            assert!(r.text().await.unwrap().contains("<html>"));
        }
        assert_eq!(poll_raw(id.clone()).await.status(), 200);
    }
    let id = s.create(&key, task(&c), make("Fault:429:1:3")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = poll_raw(id.clone()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    let id = s.create(&key, task(&c), make("Fault:internal:1")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s.result(&key, &id).await;
    assert_eq!(
        (r["errorId"].as_u64(), code(&r)),
        (Some(2), "INTERNAL_ERROR")
    );
    assert_eq!(s.result(&key, &id).await["errorId"], 0);
    let id = s.create(&key, task(&c), make("Fault:html")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = poll_raw(id).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().starts_with("<!doctype html>"));
    let id = s.create(&key, task(&c), make("Fault:truncated")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(serde_json::from_str::<Value>(&poll_raw(id).await.text().await.unwrap()).is_err());
    let id = s.create(&key, task(&c), make("Fault:slow:600")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = Instant::now();
    s.result(&key, &id).await;
    assert!(t.elapsed() >= Duration::from_millis(600));
    let id = s.create(&key, task(&c), make("Fault:never")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.result(&key, &id).await["status"], "processing");
    let id = s
        .create(&key, task(&c), make("Fault:failed:DOMAIN_BANNED"))
        .await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(code(&s.wait(&key, &id).await), "DOMAIN_BANNED");
    let id = s.create(&key, task(&c), make("Fault:unknownCode")).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        code(&s.wait(&key, &id).await),
        "ERROR_SANDBOX_NOVEL_CONDITION"
    );
    for (shape, check) in [
        (
            "strings",
            (|p: &Value| p["x"].is_string()) as fn(&Value) -> bool,
        ),
        ("arrays", |p: &Value| p.is_array()),
        ("floats", |p: &Value| {
            p["x"].as_f64().is_some_and(|x| x.fract() != 0.0)
        }),
    ] {
        let id = s
            .create(&key, task(&c), make(&format!("Fault:coords:{shape}")))
            .await["taskId"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = s.wait(&key, &id).await;
        assert!(
            r["solution"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .all(check),
            "{shape}: {r}"
        );
    }
    let id = s
        .create(&key, task(&c), make("Fault:coords:outOfBounds"))
        .await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s.wait(&key, &id).await;
    let last = r["solution"]["coordinates"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(last["x"].as_f64().unwrap() > 400.0);
    // drop: the task is created and charged, then the connection closes.
    let before = s.post("sandbox/stats", json!({"clientKey": key})).await["tasksCreated"]
        .as_u64()
        .unwrap();
    let body = json!({"clientKey": key, "task": task(&c), "provider": "Fault:drop"}).to_string();
    let sent = s
        .http
        .post(format!("{}/createTask", s.url))
        .body(body)
        .header("content-type", "application/json")
        .send()
        .await;
    let broken = match sent {
        Err(_) => true,
        Ok(r) => r.text().await.is_err(),
    };
    assert!(broken, "no complete answer");
    let after = s.post("sandbox/stats", json!({"clientKey": key})).await["tasksCreated"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1);
}

#[tokio::test]
async fn cors_preflight_and_static_files() {
    let s = Server::start(&["--www", concat!(env!("CARGO_MANIFEST_DIR"), "/static")]);
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/createTask", s.url))
        .header("origin", "chrome-extension://abc")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let page = s
        .http
        .get(format!("{}/worker.html", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let img = s
        .http
        .get(format!("{}/challenge/image?seed=1&format=gif", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(img.headers()["content-type"], "image/gif");
    assert!(img.bytes().await.unwrap().starts_with(b"GIF8"));
}

#[tokio::test]
async fn the_human_queue_takes_answers() {
    let s = Server::start(&[]);
    let key = s.account(json!({})).await;
    let c = s.challenge(9).await;
    let id = s.create(&key, task(&c), json!({"provider": "Human"})).await["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = s.get("/worker/tasks").await;
    let queued = q["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskId"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(queued["comment"], c["comment"]);
    assert_eq!(queued["width"], 400);
    let r = s
        .http
        .post(format!("{}/worker/answer", s.url))
        .json(&json!({"taskId": id, "points": [{"x": 10.5, "y": 20}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["errorId"], 0);
    let done = s.result(&key, &id).await;
    assert_eq!(done["status"], "ready");
    assert_eq!(
        done["solution"]["coordinates"],
        json!([{"x": 10.5, "y": 20.0}])
    );
    assert_eq!(done["cost"], 0.0015);
}

#[tokio::test]
async fn the_image_of_a_task_found_unsolvable_is_kept_when_asked() {
    use base64::Engine;
    let dir = std::env::temp_dir().join(format!("sandbox-kept-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = Server::start(&["--keep-unsolvable", dir.to_str().unwrap()]);
    let key = s.account(json!({})).await;
    let c = s.challenge(11).await;
    let image = c["imageBase64"].as_str().unwrap();
    let sent = base64::engine::general_purpose::STANDARD
        .decode(image.split_once(',').unwrap().1)
        .unwrap();
    let mut ids = Vec::new();
    for comment in ["click on all bicycles", c["comment"].as_str().unwrap()] {
        let t = json!({"type": "CoordinatesRecognition", "imageBase64": image, "comment": comment});
        let r = s.create(&key, t, json!({})).await;
        ids.push(r["taskId"].as_str().unwrap().to_owned());
    }
    let kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        kept,
        [format!("unsolvable-{}.png", ids[0])],
        "only the unsolvable one"
    );
    assert_eq!(
        std::fs::read(dir.join(&kept[0])).unwrap(),
        sent,
        "the bytes as sent"
    );
    assert_eq!(s.wait(&key, &ids[1]).await["status"], "ready");
    std::fs::remove_dir_all(&dir).unwrap();
}
