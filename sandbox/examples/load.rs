//! A native load generator for the sandbox: `--clients N` concurrent
//! clients, each with its own account, each solving `--tasks M` challenges
//! one after another with the client crate's own protocol types. Checks
//! that no task is lost (every task ends `ready`, the sandbox counted each
//! createTask once), none is answered twice (task ids are unique, each
//! answer is its own challenge's truth within 3 px, and asking again gives
//! the same answer), and prints latency percentiles and throughput as a
//! Markdown table. Run by `cargo xtask load`.

// `Value[...]` answers Null for a missing key and never panics.
#![allow(clippy::indexing_slicing)]

use anysolver_coordinates::__private::protocol::{
    CoordinatesTask, CreateTaskRequest, Envelope, GetTaskResultRequest, Method, Poll, Routing,
    check_points, parse_answer, to_json,
};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// One challenge with its true points.
struct Challenge {
    image: String,
    comment: String,
    answer: Vec<(f64, f64)>,
}

/// What one client measured.
#[derive(Default)]
struct Measured {
    /// createTask round trips, ms.
    create_ms: Vec<f64>,
    /// getTaskResult round trips, ms.
    poll_ms: Vec<f64>,
    /// From createTask sent to the ready answer received, ms.
    task_ms: Vec<f64>,
    task_ids: Vec<anysolver_coordinates::TaskId>,
    problems: Vec<String>,
}

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

async fn post(http: &reqwest::Client, url: &str, body: &str) -> Result<(String, f64), String> {
    let started = Instant::now();
    let text = http
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?
        .text()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    Ok((text, started.elapsed().as_secs_f64() * 1000.0))
}

async fn challenge(http: &reqwest::Client, base: &str, seed: u64) -> Result<Challenge, String> {
    let url = format!("{base}/challenge?seed={seed}&width=240&height=180");
    let v: Value = http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    let answer = v["answer"]
        .as_array()
        .ok_or("a challenge without an answer")?
        .iter()
        .map(|p| {
            (
                p["x"].as_f64().unwrap_or(f64::NAN),
                p["y"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect();
    Ok(Challenge {
        image: v["imageBase64"].as_str().unwrap_or_default().to_owned(),
        comment: v["comment"].as_str().unwrap_or_default().to_owned(),
        answer,
    })
}

fn envelope(method: Method, text: &str) -> Result<Envelope, String> {
    parse_answer(method, text).map_err(|e| e.message)
}

/// Solves one task: createTask, then getTaskResult after 1 s and every
/// 200 ms until ready; then once more, which must say the same.
async fn solve(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    c: &Challenge,
    m: &mut Measured,
) -> Result<(), String> {
    let task = CoordinatesTask {
        comment: Some(c.comment.clone()),
        ..CoordinatesTask::new(c.image.as_str().into())
    };
    let routing = Routing::default().with_provider("Vision");
    let body =
        to_json(&CreateTaskRequest::new(Some(key), &task, &routing)).map_err(|e| e.message)?;
    let started = Instant::now();
    let (text, ms) = post(http, &format!("{base}/createTask"), &body).await?;
    m.create_ms.push(ms);
    let id = envelope(Method::CreateTask, &text)?
        .into_task_id(&text)
        .map_err(|e| e.message)?;
    m.task_ids.push(id.clone());
    let poll_body = to_json(&GetTaskResultRequest {
        client_key: Some(key),
        task_id: &id,
    })
    .map_err(|e| e.message)?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let first = loop {
        let (text, ms) = post(http, &format!("{base}/getTaskResult"), &poll_body).await?;
        m.poll_ms.push(ms);
        match envelope(Method::GetTaskResult, &text)?
            .into_poll(&text)
            .map_err(|e| format!("{id}: {}", e.message))?
        {
            Poll::Ready(r) => break r,
            Poll::Processing { .. } => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    m.task_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    let (text, _) = post(http, &format!("{base}/getTaskResult"), &poll_body).await?;
    match envelope(Method::GetTaskResult, &text)?.into_poll(&text) {
        Ok(Poll::Ready(again)) if again.coordinates == first.coordinates => {}
        _ => {
            return Err(format!(
                "{id}: asked again, the answer changed: {text:.200}"
            ));
        }
    }
    let (good, bad) = check_points(&first.coordinates, 240.0, 180.0);
    let close = good.len() == c.answer.len()
        && bad.is_empty()
        && c.answer
            .iter()
            .all(|t| good.iter().any(|p| (p.x - t.0).hypot(p.y - t.1) <= 3.0));
    if !close {
        return Err(format!("{id}: the answer is not this challenge's"));
    }
    Ok(())
}

async fn client(
    http: reqwest::Client,
    base: String,
    index: u64,
    tasks: u64,
    start: std::sync::Arc<tokio::sync::Barrier>,
) -> Measured {
    let mut m = Measured::default();
    let account = post(
        &http,
        &format!("{base}/sandbox/accounts"),
        r#"{"balance": 100}"#,
    )
    .await;
    let key = account
        .ok()
        .and_then(|(t, _)| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["clientKey"].as_str().map(str::to_owned));
    let mut challenges = Vec::new();
    for t in 0..tasks {
        match challenge(&http, &base, index * tasks + t + 1).await {
            Ok(c) => challenges.push(c),
            Err(e) => m.problems.push(e),
        }
    }
    start.wait().await;
    let Some(key) = key else {
        m.problems.push(format!("client {index}: no account"));
        return m;
    };
    for c in &challenges {
        if let Err(e) = solve(&http, &base, &key, c, &mut m).await {
            m.problems.push(e);
        }
    }
    match post(
        &http,
        &format!("{base}/sandbox/stats"),
        &json!({"clientKey": key}).to_string(),
    )
    .await
    {
        Ok((t, _)) => {
            let v: Value = serde_json::from_str(&t).unwrap_or_default();
            let created = v["tasksCreated"].as_u64().unwrap_or(0);
            if created != tasks {
                m.problems.push(format!(
                    "client {index}: the sandbox counted {created} tasks, not {tasks}"
                ));
            }
        }
        Err(e) => m.problems.push(e),
    }
    m
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() -> ExitCode {
    let base = arg("--url", "http://127.0.0.1:8080");
    let clients: u64 = arg("--clients", "200").parse().unwrap_or(200);
    let tasks: u64 = arg("--tasks", "50").parse().unwrap_or(50);
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            eprintln!("load: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("load: {clients} clients × {tasks} tasks against {base} (fetching challenges first)");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients as usize + 1));
    let handles: Vec<_> = (0..clients)
        .map(|i| {
            tokio::spawn(client(
                http.clone(),
                base.clone(),
                i,
                tasks,
                barrier.clone(),
            ))
        })
        .collect();
    barrier.wait().await;
    let started = Instant::now();
    let mut all = Measured::default();
    for h in handles {
        match h.await {
            Ok(m) => {
                all.create_ms.extend(m.create_ms);
                all.poll_ms.extend(m.poll_ms);
                all.task_ms.extend(m.task_ms);
                all.task_ids.extend(m.task_ids);
                all.problems.extend(m.problems);
            }
            Err(e) => all.problems.push(format!("a client failed: {e}")),
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let unique: HashSet<&anysolver_coordinates::TaskId> = all.task_ids.iter().collect();
    let expected = clients * tasks;
    let solved = all.task_ms.len() as u64;
    if unique.len() != all.task_ids.len() {
        all.problems.push(format!(
            "{} task ids were given twice",
            all.task_ids.len() - unique.len()
        ));
    }
    for v in [&mut all.create_ms, &mut all.poll_ms, &mut all.task_ms] {
        v.sort_by(f64::total_cmp);
    }
    let requests = all.create_ms.len() + all.poll_ms.len() + solved as usize;
    println!("| measure | value |\n|---|---:|");
    println!("| clients × tasks | {clients} × {tasks} = {expected} |");
    println!("| tasks solved and checked | {solved} |");
    println!("| tasks lost | {} |", expected.saturating_sub(solved));
    println!(
        "| task ids given twice | {} |",
        all.task_ids.len() - unique.len()
    );
    println!("| problems | {} |", all.problems.len());
    println!("| wall time | {wall:.1} s |");
    println!(
        "| throughput | {:.1} tasks/s, {:.0} requests/s |",
        solved as f64 / wall,
        requests as f64 / wall
    );
    for (name, v) in [
        ("createTask", &all.create_ms),
        ("getTaskResult", &all.poll_ms),
    ] {
        println!(
            "| {name} latency p50 / p99 | {:.1} ms / {:.1} ms ({} requests) |",
            percentile(v, 0.5),
            percentile(v, 0.99),
            v.len()
        );
    }
    println!(
        "| task (createTask to ready seen) p50 / p99 | {:.0} ms / {:.0} ms |",
        percentile(&all.task_ms, 0.5),
        percentile(&all.task_ms, 0.99)
    );
    for p in all.problems.iter().take(10) {
        eprintln!("load: {p}");
    }
    if all.problems.is_empty() && solved == expected {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
