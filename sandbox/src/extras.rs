//! Sandbox-only endpoints: challenges with their answers, throwaway test
//! accounts and per-key request counts. None of these exist on the real
//! service.

use crate::accounts::{Account, Ledger};
use crate::api::ApiError;
use crate::challenge::{ChallengeSpec, generate};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Query of `GET /challenge` and `GET /challenge/image`.
#[derive(Debug, Deserialize)]
pub struct ChallengeQuery {
    /// The seed (default 1).
    seed: Option<u64>,
    /// Width in pixels (default 480).
    width: Option<u32>,
    /// Height in pixels (default 320).
    height: Option<u32>,
    /// `png` (default), `jpeg` or `gif`.
    format: Option<String>,
    /// For a JPEG: store the pixels turned and say so with this EXIF
    /// orientation (`6`: the stored pixels are the picture turned a quarter
    /// anticlockwise, and a viewer that honours EXIF shows the challenge,
    /// whose answer is in the pixels shown).
    orientation: Option<u16>,
    /// For `/challenge/page`: `strict` sends a Content-Security-Policy that
    /// forbids wasm (see [`strict_csp`]).
    csp: Option<String>,
}

/// `jpeg` with an APP1 segment (right after SOI) whose EXIF IFD0 holds
/// one entry, `Orientation` = `value`.
fn with_exif_orientation(jpeg: &[u8], value: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&value.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).unwrap_or(u16::MAX);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(jpeg.get(2..).unwrap_or_default());
    out
}

fn render(
    q: &ChallengeQuery,
) -> Result<(crate::challenge::Challenge, Vec<u8>, &'static str), ApiError> {
    let c = generate(ChallengeSpec {
        seed: q.seed.unwrap_or(1),
        width: q.width.unwrap_or(480),
        height: q.height.unwrap_or(320),
    });
    let (format, mime) = match q.format.as_deref().unwrap_or("png") {
        "png" => (image::ImageFormat::Png, "image/png"),
        "jpeg" | "jpg" => (image::ImageFormat::Jpeg, "image/jpeg"),
        "gif" => (image::ImageFormat::Gif, "image/gif"),
        other => {
            return Err(ApiError::external(
                "INVALID_TASK_DATA",
                format!("unknown format {other}"),
            ));
        }
    };
    let mut bytes = Vec::new();
    if let Some(orientation) = q.orientation {
        if orientation != 6 || format != image::ImageFormat::Jpeg {
            return Err(ApiError::external(
                "INVALID_TASK_DATA",
                "orientation=6 is offered, for JPEGs only",
            ));
        }
        image::imageops::rotate270(&c.image)
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .map_err(|e| ApiError::external("INTERNAL_ERROR", e.to_string()))?;
        return Ok((c, with_exif_orientation(&bytes, 6), mime));
    }
    let encoded = if format == image::ImageFormat::Gif {
        image::DynamicImage::ImageRgb8(c.image.clone())
            .to_rgba8()
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
    } else {
        c.image
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
    };
    encoded.map_err(|e| ApiError::external("INTERNAL_ERROR", e.to_string()))?;
    Ok((c, bytes, mime))
}

/// `GET /challenge`: a challenge as JSON, with its image as a data URL and
/// its true answer.
pub async fn challenge(Query(q): Query<ChallengeQuery>) -> Response {
    let made = tokio::task::spawn_blocking(move || {
        render(&q).map(|(c, bytes, mime)| {
            json!({
                "seed": q.seed.unwrap_or(1),
                "width": c.image.width(),
                "height": c.image.height(),
                "comment": c.comment,
                "target": {"colour": c.colour, "shape": c.shape},
                "answer": c.answer,
                "imageBase64": format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(&bytes)),
            })
        })
    })
    .await;
    match made {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            ApiError::external("INTERNAL_ERROR", "challenge generation failed").into_response()
        }
    }
}

/// `GET /challenge/image`: the challenge's image bytes alone.
pub async fn challenge_image(Query(q): Query<ChallengeQuery>) -> Response {
    match tokio::task::spawn_blocking(move || render(&q)).await {
        Ok(Ok((_, bytes, mime))) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            ApiError::external("INTERNAL_ERROR", "challenge generation failed").into_response()
        }
    }
}

/// Body of `POST /sandbox/accounts`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    balance: Option<f64>,
    selection_mode: Option<String>,
    #[serde(default)]
    priority: Vec<String>,
}

/// `POST /sandbox/accounts`: creates a throwaway account and returns its key.
pub async fn new_account(
    State(state): State<Arc<AppState>>,
    Json(req): Json<NewAccount>,
) -> Response {
    let key = format!(
        "anysolver_test_{}",
        ulid::Ulid::new().to_string().to_ascii_lowercase()
    );
    let account = Account {
        key: key.clone(),
        balance: req.balance.unwrap_or(10.0),
        banned: false,
        selection_mode: req.selection_mode,
        priority: req.priority,
    };
    match state.ledgers.lock() {
        Ok(mut l) => {
            l.insert(key.clone(), Ledger::new(account));
            Json(json!({"clientKey": key})).into_response()
        }
        Err(_) => ApiError::external("INTERNAL_ERROR", "lock poisoned").into_response(),
    }
}

/// `POST /sandbox/stats` with `{"clientKey": ...}`: what the sandbox saw of
/// that key (the key travels in the body, never in a URL or a log line).
pub async fn stats(State(state): State<Arc<AppState>>, Json(req): Json<Value>) -> Response {
    let key = req
        .get("clientKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Ok(ledgers) = state.ledgers.lock() else {
        return ApiError::external("INTERNAL_ERROR", "lock poisoned").into_response();
    };
    match ledgers.get(key) {
        Some(l) => Json(json!({
            "tasksCreated": l.tasks_created,
            "requests": l.requests,
            "balance": l.balance_usd(),
        }))
        .into_response(),
        None => ApiError::external("ERROR_KEY_DOES_NOT_EXIST", "no such API key").into_response(),
    }
}

/// `GET /challenge/page?seed=&width=&height=`: a page showing the challenge
/// as the example extension expects it: an `<img data-anysolver-challenge>`
/// and its instruction.
pub async fn challenge_page(Query(q): Query<ChallengeQuery>) -> Response {
    let (seed, width, height) = (
        q.seed.unwrap_or(1),
        q.width.unwrap_or(480),
        q.height.unwrap_or(320),
    );
    let comment = generate(ChallengeSpec {
        seed,
        width,
        height,
    })
    .comment;
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox challenge {seed}</title></head>\
         <body style=\"margin:2rem;font:16px system-ui,sans-serif\"><h1>Challenge {seed}</h1>\
         <p data-anysolver-instruction>{comment}</p>\
         <img data-anysolver-challenge alt=\"challenge {seed}\" style=\"width:600px;height:auto;border:3px solid #333;padding:7px\" \
         src=\"/challenge/image?seed={seed}&amp;width={width}&amp;height={height}\"></body></html>"
    );
    page(html, q.csp.as_deref(), || strict_csp("img", ""))
}

/// Query of `GET /challenge/widget`.
#[derive(Debug, Deserialize)]
pub struct WidgetQuery {
    /// The seed (default 1).
    seed: Option<u64>,
    /// Width in pixels (default 480).
    width: Option<u32>,
    /// Height in pixels (default 320).
    height: Option<u32>,
    /// How the challenge is shown: `img` (default), `canvas` (drawn from
    /// the other origin, so tainted), `background` (a CSS background) or
    /// `iframe` (a tainted canvas inside a frame of the other origin).
    variant: Option<String>,
    /// `strict`: served with a Content-Security-Policy that forbids wasm
    /// (see [`strict_csp`]).
    csp: Option<String>,
    /// `0`: no `data-anysolver-*` attributes, as on a page that names
    /// nothing (default `1`).
    marks: Option<u8>,
    /// `canvas` and `iframe`: the canvas is drawn this many milliseconds
    /// after the page's load event, as a page that draws late does; until
    /// then it is blank, and readable (default: drawn as soon as its image
    /// arrives). `background`: the background is set that long after the
    /// load event; until then the box is empty.
    #[serde(rename = "drawDelayMs")]
    draw_delay_ms: Option<u32>,
}

/// The other of the sandbox's two origins (`127.0.0.1` and `localhost` on
/// the same port), from the request's `Host`.
fn other_origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let port = host.rsplit_once(':').map_or("", |(_, p)| p);
    let name = if host.starts_with("localhost") {
        "127.0.0.1"
    } else {
        "localhost"
    };
    if port.is_empty() {
        format!("http://{name}")
    } else {
        format!("http://{name}:{port}")
    }
}

/// A Content-Security-Policy as strict pages send it, without
/// `'wasm-unsafe-eval'`: `default-src 'self'; img-src 'self' data:;
/// style-src 'self' 'unsafe-inline'`, plus, where a widget variant shows
/// the other origin, that origin for its images (`canvas`) or its frame
/// (`iframe`): without them the page could not show the challenge at all.
fn strict_csp(variant: &str, other: &str) -> String {
    let img = if variant == "canvas" {
        format!(" {other}")
    } else {
        String::new()
    };
    let frame = if variant == "iframe" {
        format!(" frame-src {other};")
    } else {
        String::new()
    };
    format!(
        "default-src 'self'; img-src 'self' data:{img};{frame} style-src 'self' 'unsafe-inline'"
    )
}

/// `html`, with the strict Content-Security-Policy when `csp` asks for it.
fn page(html: String, csp: Option<&str>, policy: impl FnOnce() -> String) -> Response {
    let mut response = axum::response::Html(html).into_response();
    if csp == Some("strict")
        && let Ok(value) = policy().parse()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `GET /challenge/widget.js`: the widget's script (a file of its own, as
/// a page with a strict Content-Security-Policy needs).
pub async fn widget_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("widget.js"),
    )
        .into_response()
}

/// `GET /challenge/widget?seed=&width=&height=&variant=`: a challenge that
/// checks its clicks like a real widget: `<body data-state>` turns from
/// `pending` to `passed` once every target was clicked (within 4% of the
/// image's shorter side) and nothing else, or to `failed`. `127.0.0.1` and
/// `localhost` are the two origins the variants draw across.
pub async fn challenge_widget(headers: HeaderMap, Query(q): Query<WidgetQuery>) -> Response {
    let variant = q.variant.unwrap_or_else(|| "img".to_owned());
    if !["img", "canvas", "background", "iframe"].contains(&variant.as_str()) {
        return ApiError::external("INVALID_TASK_DATA", format!("unknown variant {variant}"))
            .into_response();
    }
    let spec = ChallengeSpec {
        seed: q.seed.unwrap_or(1),
        width: q.width.unwrap_or(480),
        height: q.height.unwrap_or(320),
    };
    let c = generate(spec);
    let (width, height) = (c.image.width(), c.image.height());
    let config = json!({
        "seed": spec.seed,
        "width": width,
        "height": height,
        "variant": variant,
        "comment": c.comment,
        "answer": c.answer,
        "tolerance": 0.04 * f64::from(width.min(height)),
        "marks": q.marks != Some(0),
        "csp": q.csp.as_deref() == Some("strict"),
        "drawDelayMs": q.draw_delay_ms,
    });
    // `</` cannot occur in this JSON (no strings from the query but the
    // checked variant), so it is safe inside the <script>.
    let html = include_str!("widget.html").replace("/*CONFIG*/null", &config.to_string());
    let other = other_origin(&headers);
    page(html, q.csp.as_deref(), || strict_csp(&variant, &other))
}
