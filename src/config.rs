//! The client's configuration and each call's options, as Rust types, and
//! their validation. The JS binding fills the same types from its option
//! objects, so a Rust caller and a JS caller get the same checks and the
//! same messages (which name options by their JS spelling: `timeoutMs` is
//! [`Config::timeout_ms`]).

use crate::error::{Error, Result};
use crate::image::geometry::{Limits, Region};
use crate::protocol::{DEFAULT_ENDPOINT, Routing, snippet};
use crate::text::{Num, Quoted};
use std::fmt;

/// Default overall deadline of a call, ms.
pub const DEFAULT_TIMEOUT_MS: f64 = 180_000.0;
/// Default limit of one request, ms: under the 30 s after which Chrome
/// ends an extension service worker's fetch.
pub const DEFAULT_REQUEST_TIMEOUT_MS: f64 = 25_000.0;
/// The longest deadline accepted, ms (one day).
pub const MAX_TIMEOUT_MS: f64 = 86_400_000.0;
/// The longest `comment` accepted, bytes.
pub const MAX_COMMENT_BYTES: usize = 10_000;
/// The most clicks a task may ask for.
pub const MAX_CLICKS: u32 = 1000;
/// The range of `maxImageBytes`.
pub(crate) const MIN_IMAGE_BYTES: f64 = 1_000.0;
/// The range of `maxImageBytes`.
pub(crate) const MAX_IMAGE_BYTES: f64 = 1e9;
/// The range of `maxImageSide`.
pub(crate) const MIN_IMAGE_SIDE: f64 = 16.0;
/// The range of `maxImageSide`.
pub(crate) const MAX_IMAGE_SIDE: f64 = 100_000.0;

pub(crate) fn invalid(message: String) -> Error {
    Error::validation("INVALID_OPTION", message)
}

/// Checks that `value` is finite and within `min..=max`.
fn check_range(name: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(invalid(format!("options.{name} must be a finite number")));
    }
    if !(min..=max).contains(&value) {
        return Err(invalid(format!(
            "options.{name} must be between {} and {}, not {}",
            Num(min),
            Num(max),
            Num(value)
        )));
    }
    Ok(())
}

/// Checks that `value` is a whole number within `min..=max`.
pub(crate) fn check_whole(name: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if value.fract() != 0.0 {
        return Err(invalid(format!(
            "options.{name} must be a whole number, not {}",
            Num(value)
        )));
    }
    check_range(name, value, min, max)
}

/// Checks a duration in ms: finite and within `1..=MAX_TIMEOUT_MS`.
fn check_ms(name: &str, value: f64) -> Result<()> {
    check_range(name, value, 1.0, MAX_TIMEOUT_MS)
}

/// The hostname of an `http://` URL as the WHATWG URL parser gives it
/// (lowercase, IPv4 in dotted decimal, IPv6 in brackets): the browser's
/// own parser in wasm, so the check sees the host `fetch` will connect to.
#[cfg(target_arch = "wasm32")]
fn hostname(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|u| u.hostname())
        .unwrap_or_default()
}

/// The hostname of an `http://` URL (lowercase input): the authority
/// without user info and port. Natively, for the unit tests.
#[cfg(not(target_arch = "wasm32"))]
fn hostname(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.find(']') {
        Some(end) => host_port.get(..=end),
        None => host_port.split(':').next(),
    };
    host.unwrap_or_default().to_owned()
}

/// Whether `host` (a URL's hostname) is this machine: `localhost` (and
/// its subdomains), `127.0.0.0/8` in dotted decimal, or `[::1]`.
fn is_loopback(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let octet = |o: &str| {
        (1..=3).contains(&o.len())
            && o.bytes().all(|b| b.is_ascii_digit())
            && o.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0')) <= 255
    };
    let ipv4_loopback =
        host.starts_with("127.") && host.split('.').count() == 4 && host.split('.').all(octet);
    host == "localhost" || host.ends_with(".localhost") || host == "[::1]" || ipv4_loopback
}

/// How a [`Client`](crate::Client) talks to AnySolver.
///
/// ```
/// use anysolver_coordinates::Config;
/// let mut config = Config::new("anysolver_...");
/// config.endpoint = "http://127.0.0.1:8080".into();
/// config.timeout_ms = 60_000.0;
/// assert!(config.validate().is_ok());
/// ```
#[derive(Clone)]
pub struct Config {
    /// The API key (`anysolver_...`). Never printed, logged or put in an
    /// error.
    pub client_key: String,
    /// Base URL of the API (`endpoint`). Default [`DEFAULT_ENDPOINT`].
    pub endpoint: String,
    /// Default routing of every task.
    pub routing: Routing,
    /// Overall deadline of a call, ms (`timeoutMs`).
    pub timeout_ms: f64,
    /// Limit of one HTTP request, ms (`requestTimeoutMs`).
    pub request_timeout_ms: f64,
    /// What images are shrunk or re-encoded to fit (`maxImageBytes`,
    /// `maxImageSide`).
    pub limits: Limits,
    /// Accept an `http://` endpoint on a host other than this machine
    /// (`allowInsecureHttp`). Off by default: the key would cross the
    /// network unencrypted. `http://` to `localhost`, `127.0.0.0/8` or
    /// `[::1]` is always accepted.
    pub allow_insecure_http: bool,
    /// A `fetch` function to use instead of `globalThis.fetch`; it is
    /// called with one `Request`.
    #[cfg(target_arch = "wasm32")]
    pub fetch: Option<js_sys::Function>,
}

impl Config {
    /// The defaults, with `client_key`.
    pub fn new(client_key: impl Into<String>) -> Self {
        Self {
            client_key: client_key.into(),
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            routing: Routing::default(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            limits: Limits::DEFAULT,
            allow_insecure_http: false,
            #[cfg(target_arch = "wasm32")]
            fetch: None,
        }
    }

    /// Checks every field; `Err` is a `validation` error naming the option.
    pub fn validate(&self) -> Result<()> {
        if self.client_key.trim().is_empty() {
            return Err(Error::validation(
                "MISSING_CLIENT_KEY",
                "options.clientKey must be a non-empty string",
            ));
        }
        let lower = self.endpoint.trim().to_ascii_lowercase();
        if lower.starts_with("http://") {
            if !self.allow_insecure_http && !is_loopback(&hostname(&lower)) {
                return Err(invalid(format!(
                    "options.endpoint {} would send your API key unencrypted: use https://, \
                     or http:// only to this machine (localhost, 127.0.0.1, [::1]); \
                     set options.allowInsecureHttp to send it in clear anyway",
                    Quoted(&snippet(&self.endpoint))
                )));
            }
        } else if !lower.starts_with("https://") {
            return Err(invalid(format!(
                "options.endpoint must be an http(s) URL, not {}",
                Quoted(&snippet(&self.endpoint))
            )));
        }
        check_ms("timeoutMs", self.timeout_ms)?;
        check_ms("requestTimeoutMs", self.request_timeout_ms)?;
        check_whole(
            "maxImageBytes",
            self.limits.max_bytes as f64,
            MIN_IMAGE_BYTES,
            MAX_IMAGE_BYTES,
        )?;
        check_whole(
            "maxImageSide",
            f64::from(self.limits.max_side),
            MIN_IMAGE_SIDE,
            MAX_IMAGE_SIDE,
        )?;
        self.routing.validate()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("client_key", &crate::protocol::request::REDACTED)
            .field("endpoint", &self.endpoint)
            .field("routing", &self.routing)
            .field("timeout_ms", &self.timeout_ms)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("limits", &self.limits)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

/// A progress callback: called after the task is created and after each
/// poll.
#[cfg(target_arch = "wasm32")]
pub type OnProgress = std::rc::Rc<dyn Fn(&crate::task::Progress)>;

/// Options of waiting for a task: [`Client::wait_for_result`](crate::Client::wait_for_result),
/// and the waiting half of `solve` and `recognize`.
#[derive(Clone, Default)]
pub struct WaitOptions {
    /// This call's overall deadline, ms, instead of the client's.
    pub timeout_ms: Option<f64>,
    /// Cancels the call when it fires: the request in flight is aborted
    /// and nothing more is sent. (Dropping the call's future does the same.)
    #[cfg(target_arch = "wasm32")]
    pub signal: Option<web_sys::AbortSignal>,
    /// Called with each progress event.
    #[cfg(target_arch = "wasm32")]
    pub on_progress: Option<OnProgress>,
}

impl WaitOptions {
    /// Checks the deadline.
    pub fn validate(&self) -> Result<()> {
        self.timeout_ms.map_or(Ok(()), |t| check_ms("timeoutMs", t))
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout_ms", &self.timeout_ms)
            .finish_non_exhaustive()
    }
}

/// Options of `solve`, `recognize` and `create_task`.
#[derive(Clone, Default)]
pub struct SolveOptions {
    /// The instruction shown to the worker, e.g. "click on all bicycles".
    pub comment: Option<String>,
    /// An instruction image, sent as `imgInstructions` (at most 100 kB).
    #[cfg(target_arch = "wasm32")]
    pub instructions: Option<crate::image::Image>,
    /// Fewest clicks expected.
    pub min_clicks: Option<u32>,
    /// Most clicks expected.
    pub max_clicks: Option<u32>,
    /// Routing for this task; what is set overrides the client's.
    pub routing: Routing,
    /// When the image is a screenshot: the part that shows the challenge.
    /// Only that part is sent, and the points come back in its CSS pixels.
    pub region: Option<Region>,
    /// Deadline, signal and progress.
    pub wait: WaitOptions,
}

impl SolveOptions {
    /// Checks every field; `Err` is a `validation` error naming the option.
    pub fn validate(&self) -> Result<()> {
        for (name, clicks) in [
            ("minClicks", self.min_clicks),
            ("maxClicks", self.max_clicks),
        ] {
            if let Some(n) = clicks {
                check_whole(name, f64::from(n), 1.0, f64::from(MAX_CLICKS))?;
            }
        }
        if let (Some(min), Some(max)) = (self.min_clicks, self.max_clicks)
            && min > max
        {
            return Err(invalid(format!(
                "options.minClicks ({min}) is greater than options.maxClicks ({max})"
            )));
        }
        if self
            .comment
            .as_ref()
            .is_some_and(|c| c.len() > MAX_COMMENT_BYTES)
        {
            return Err(invalid(
                "options.comment is longer than 10,000 bytes".to_owned(),
            ));
        }
        if self.region.is_some_and(|r| !r.is_valid()) {
            return Err(invalid(
                "options.region needs finite x and y, a positive width and height, \
                 and a positive viewportWidth if one is given"
                    .to_owned(),
            ));
        }
        self.routing.validate()?;
        self.wait.validate()
    }
}

impl fmt::Debug for SolveOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SolveOptions")
            .field("comment", &self.comment)
            .field("min_clicks", &self.min_clicks)
            .field("max_clicks", &self.max_clicks)
            .field("routing", &self.routing)
            .field("region", &self.region)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn code(r: Result<()>) -> String {
        r.map_or_else(|e| e.code.into_owned(), |()| "ok".into())
    }

    #[test]
    fn config_is_checked_field_by_field() {
        assert_eq!(code(Config::new("k").validate()), "ok");
        assert_eq!(code(Config::new("  ").validate()), "MISSING_CLIENT_KEY");
        let mut c = Config::new("k");
        c.endpoint = "ftp://x".into();
        assert_eq!(code(c.validate()), "INVALID_OPTION");
        let mut c = Config::new("k");
        c.timeout_ms = f64::NAN;
        let e = c.validate().unwrap_err();
        assert!(e.message.contains("timeoutMs"), "{}", e.message);
        let mut c = Config::new("k");
        c.limits.max_side = 8;
        assert!(c.validate().unwrap_err().message.contains("maxImageSide"));
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_allowed() {
        let check = |endpoint: &str, allow: bool| {
            let mut c = Config::new("k");
            c.endpoint = endpoint.into();
            c.allow_insecure_http = allow;
            code(c.validate())
        };
        for ok in [
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://127.0.0.1:3000/api",
            "http://127.255.0.9",
            "http://[::1]:8080/",
            "http://user@127.0.0.1:80",
            "http://app.localhost",
            "https://api.anysolver.com",
            "HTTPS://example.com",
        ] {
            assert_eq!(check(ok, false), "ok", "{ok}");
        }
        for refused in [
            "http://api.anysolver.com",
            "http://192.168.1.10:8080",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
            "http://127.0.0.1@evil.com",
            "http://[::2]",
            "http://128.0.0.1",
            "http://127.0.0.256",
            "http://127.0.0",
        ] {
            assert_eq!(check(refused, false), "INVALID_OPTION", "{refused}");
            assert_eq!(check(refused, true), "ok", "{refused}");
        }
        let mut c = Config::new("k");
        c.endpoint = "http://api.anysolver.com".into();
        let message = c.validate().unwrap_err().message;
        assert!(
            message.contains("allowInsecureHttp") && message.contains("unencrypted"),
            "{message}"
        );
    }

    #[test]
    fn debug_hides_the_key() {
        let c = Config::new("anysolver_secret");
        assert!(!format!("{c:?}").contains("anysolver_secret"));
    }

    #[test]
    fn solve_options_are_checked() {
        let ok = SolveOptions {
            min_clicks: Some(1),
            max_clicks: Some(3),
            ..SolveOptions::default()
        };
        assert_eq!(code(ok.validate()), "ok");
        let swapped = SolveOptions {
            min_clicks: Some(4),
            max_clicks: Some(3),
            ..SolveOptions::default()
        };
        assert!(swapped.validate().unwrap_err().message.contains("greater"));
        let zero = SolveOptions {
            max_clicks: Some(0),
            ..SolveOptions::default()
        };
        assert_eq!(code(zero.validate()), "INVALID_OPTION");
        let long = SolveOptions {
            comment: Some("x".repeat(20_000)),
            ..SolveOptions::default()
        };
        assert_eq!(code(long.validate()), "INVALID_OPTION");
    }
}
