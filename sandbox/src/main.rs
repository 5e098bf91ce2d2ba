//! `anysolver-sandbox`: a local server that speaks AnySolver's API
//! (`createTask`, `getTaskResult`, `getBalance`), really solves synthetic
//! CoordinatesRecognition challenges, and serves the demo page and the
//! built npm package. See `sandbox/README.md`.

mod accounts;
mod api;
mod challenge;
mod extras;
mod faults;
mod human;
mod providers;
mod state;
mod upload;
mod vision;

use accounts::{AccountsFile, Ledger, default_accounts};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use clap::Parser;
use state::{AppState, Settings};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::services::ServeDir;
use upload::Limits;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "A local AnySolver-compatible server for development and tests"
)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind (0 picks a free one; the chosen address is printed).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Folder served at `/` (the demo page).
    #[arg(long)]
    www: Option<PathBuf>,
    /// Folder served at `/pkg` (the built npm package).
    #[arg(long)]
    pkg: Option<PathBuf>,
    /// A JSON file of accounts: `{"accounts": [{"key": "...", "balance": 5}]}`;
    /// replaces the built-in demo keys.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Origins allowed by CORS (repeatable); any origin when none is given.
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// How long the vision provider keeps a task `processing`, ms.
    #[arg(long, default_value_t = 1200)]
    solve_delay_ms: u64,
    /// Largest accepted image, bytes.
    #[arg(long, default_value_t = 1_000_000)]
    max_image_bytes: usize,
    /// Largest accepted image side, pixels.
    #[arg(long, default_value_t = 2000)]
    max_image_side: u32,
    /// Largest accepted request body, bytes (larger ones get an error envelope).
    #[arg(long, default_value_t = 4_000_000)]
    max_body_bytes: usize,
    /// How long a finished task's result stays readable, seconds.
    #[arg(long, default_value_t = 300)]
    retention_secs: u64,
    /// A folder where the image of every task the vision provider finds
    /// no shape in is written (`unsolvable-<taskId>.<ext>`), to see what
    /// a client sent when a test fails.
    #[arg(long)]
    keep_unsolvable: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("anysolver-sandbox: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let accounts = match &args.config {
        Some(path) => {
            serde_json::from_str::<AccountsFile>(&std::fs::read_to_string(path)?)?.accounts
        }
        None => default_accounts(),
    };
    let ledgers: HashMap<String, Ledger> = accounts
        .into_iter()
        .map(|a| (a.key.clone(), Ledger::new(a)))
        .collect();
    let state = Arc::new(AppState {
        settings: Settings {
            image: Limits {
                max_bytes: args.max_image_bytes,
                max_side: args.max_image_side,
            },
            instructions: Limits {
                max_bytes: 100_000,
                max_side: args.max_image_side,
            },
            solve_delay: Duration::from_millis(args.solve_delay_ms),
            retention: Duration::from_secs(args.retention_secs),
        },
        ledgers: Mutex::new(ledgers),
        tasks: Mutex::new(HashMap::new()),
        stats: Mutex::new(providers::Stats::default()),
        keep_unsolvable: args.keep_unsolvable,
    });

    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(Any)
        .expose_headers([axum::http::header::RETRY_AFTER])
        .max_age(Duration::from_secs(600));
    let cors = if args.cors_origins.is_empty() {
        cors.allow_origin(Any)
    } else {
        let origins = args
            .cors_origins
            .iter()
            .map(|o| HeaderValue::from_str(o))
            .collect::<Result<Vec<_>, _>>()?;
        cors.allow_origin(AllowOrigin::list(origins))
    };

    let mut app = Router::new()
        .route("/createTask", post(api::create_task))
        .route("/getTaskResult", post(api::get_task_result))
        .route("/getBalance", post(api::get_balance))
        .route("/challenge", get(extras::challenge))
        .route("/challenge/image", get(extras::challenge_image))
        .route("/challenge/page", get(extras::challenge_page))
        .route("/challenge/widget", get(extras::challenge_widget))
        .route("/challenge/widget.js", get(extras::widget_script))
        .route("/sandbox/accounts", post(extras::new_account))
        .route("/sandbox/stats", post(extras::stats))
        .route("/worker", get(human::page))
        .route("/worker/tasks", get(human::queue))
        .route("/worker/answer", post(human::answer));
    if let Some(pkg) = &args.pkg {
        app = app.nest_service("/pkg", ServeDir::new(pkg));
    }
    if let Some(www) = &args.www {
        app = app.fallback_service(ServeDir::new(www));
    }
    let app = app
        .layer(DefaultBodyLimit::max(args.max_body_bytes))
        .layer(cors)
        .layer(middleware::from_fn(cross_origin_resource))
        .layer(middleware::from_fn(log_request))
        .with_state(state);

    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
    let addr: SocketAddr = listener.local_addr()?;
    // The line tools wait for: keep its form.
    println!("anysolver-sandbox listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// `Cross-Origin-Resource-Policy: cross-origin`, so that pages isolated with
/// `Cross-Origin-Embedder-Policy: require-corp` can still show the sandbox's
/// challenge images (with or without CORS).
async fn cross_origin_resource(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    res
}

/// One log line per request: method, path, status, duration. Keys travel
/// in bodies, which are never logged.
async fn log_request(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let start = Instant::now();
    let res = next.run(req).await;
    eprintln!(
        "{method} {path} {} {}ms",
        res.status().as_u16(),
        start.elapsed().as_millis()
    );
    res
}
