//! The client's configuration and each call's options, as Rust types, and
//! their validation. The JS binding fills the same types from its option
//! objects, checking each JS value first (its messages name the JS option,
//! `timeoutMs`); the checks here name the Rust field (`timeout`), with the
//! JS option beside it where a JS caller meets them too.

pub(crate) mod loopback;

use crate::error::{Error, Result};

use crate::geometry::region::Region;
use crate::image::sizing::Limits;
use crate::js_number::Num;
use crate::message::{Quoted, Redacted, snippet};
use crate::protocol::{DEFAULT_ENDPOINT, Routing};
use loopback::is_loopback_url;
use std::fmt;
use std::time::Duration;

/// Default overall deadline of a call: 3 minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);
/// Default limit of one request: 25 s, under the 30 s after which Chrome
/// ends an extension service worker's fetch.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(25);
/// The longest deadline accepted: one day.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);
/// The most requests in flight a client may be set to.
pub(crate) const MAX_IN_FLIGHT: f64 = 1000.0;
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

/// `d` in milliseconds, as the timers and messages count.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `ms` milliseconds (already checked to be finite and within range), as
/// the JS binding reads its options.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn from_ms(ms: f64) -> Duration {
    Duration::from_micros((ms * 1000.0).round() as u64)
}

/// Checks that `value` is finite and within `min..=max`.
/// `name` is the option as the caller set it: the field for a Rust
/// caller (`timeout`), the option for a JS one (`timeoutMs`), whose
/// binding checks every number before the core sees it.
fn check_range(name: &str, value: f64, min: f64, max: f64) -> Result<()> {
    if !value.is_finite() {
        return Err(invalid(format!("{name} must be a finite number")));
    }
    if !(min..=max).contains(&value) {
        return Err(invalid(format!(
            "{name} must be between {} and {}, not {}",
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
            "{name} must be a whole number, not {}",
            Num(value)
        )));
    }
    check_range(name, value, min, max)
}

/// Checks a duration in ms (as JS gives it): finite and within
/// 1 ms ..= [`MAX_TIMEOUT`].
pub(crate) fn check_ms(name: &str, value: f64) -> Result<()> {
    check_range(name, value, 1.0, ms(MAX_TIMEOUT))
}

/// How a [`Client`](crate::Client) talks to AnySolver: with the API key,
/// or through a relay that holds it (a public page must not: anyone can
/// read a page's JavaScript).
///
/// ```
/// use anysolver_coordinates::{Auth, Config};
/// use std::time::Duration;
/// let config = Config::new("anysolver_...")
///     .with_endpoint("http://127.0.0.1:8080")
///     .with_timeout(Duration::from_secs(60));
/// assert!(config.validate().is_ok());
/// assert_eq!(config.request_timeout, Duration::from_secs(25));
///
/// let public_page = Config::relay("https://relay.example.com");
/// assert!(public_page.validate().is_ok() && public_page.auth == Auth::Relay);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// How requests are authenticated: with the API key, or by a relay.
    pub auth: Auth,
    /// Base URL of the API (`endpoint`). Default [`DEFAULT_ENDPOINT`].
    pub endpoint: String,
    /// Default routing of every task.
    pub routing: Routing,
    /// Overall deadline of a call (`timeoutMs`). Default [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
    /// Limit of one HTTP request (`requestTimeoutMs`). Default
    /// [`DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// What images are shrunk or re-encoded to fit (`maxImageBytes`,
    /// `maxImageSide`).
    pub limits: Limits,
    /// How many requests the client has in flight at once
    /// (`maxRequestsInFlight`); more wait their turn, and a request's time
    /// limit starts when it is sent. `None` (the default): as many as the
    /// platform sends at once without queueing them: every request in
    /// Node, Deno and Bun; 6 elsewhere (what a browser sends at once to
    /// one HTTP/1.1 origin), every request once an answer shows the
    /// connection is HTTP/2 or HTTP/3.
    pub max_in_flight: Option<usize>,
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

/// How a client's requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// With the API key (`clientKey`, `anysolver_...`), sent in every
    /// request's body. Never printed, logged or put in an error.
    Key(String),
    /// By a relay at the endpoint, which holds the key and adds it to
    /// what it forwards (`relay: true`): no key is sent, or known here.
    Relay,
}

impl Auth {
    /// The key to send: `None` through a relay.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Auth::Key(key) => Some(key),
            Auth::Relay => None,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Key(_) => f.debug_tuple("Key").field(&Redacted).finish(),
            Auth::Relay => f.write_str("Relay"),
        }
    }
}

impl Config {
    /// The defaults, with the API key `client_key`.
    pub fn new(client_key: impl Into<String>) -> Self {
        Self::authenticated(Auth::Key(client_key.into()))
    }

    /// The defaults, for a client of the relay at `endpoint`, which holds
    /// the API key and adds it to what it forwards: no key is sent, or
    /// known here. For public web pages.
    pub fn relay(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            ..Self::authenticated(Auth::Relay)
        }
    }

    /// The defaults, authenticated by `auth` (a relay's endpoint is still
    /// to be set).
    pub fn authenticated(auth: Auth) -> Self {
        Self {
            auth,
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            routing: Routing::default(),
            timeout: DEFAULT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            limits: Limits::DEFAULT,
            max_in_flight: None,
            allow_insecure_http: false,
            #[cfg(target_arch = "wasm32")]
            fetch: None,
        }
    }

    /// This configuration with another base URL.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// This configuration with another default routing.
    #[must_use]
    pub fn with_routing(mut self, routing: Routing) -> Self {
        self.routing = routing;
        self
    }

    /// This configuration with another overall deadline per call.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// This configuration with another limit per request.
    #[must_use]
    pub fn with_request_timeout(mut self, request_timeout: Duration) -> Self {
        self.request_timeout = request_timeout;
        self
    }

    /// This configuration with other image limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// This configuration with at most `n` requests in flight at once,
    /// whatever the platform.
    #[must_use]
    pub fn with_max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = Some(n);
        self
    }

    /// This configuration accepting (or not) `http://` to other machines.
    #[must_use]
    pub fn with_allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// This configuration calling `fetch` instead of `globalThis.fetch`.
    #[cfg(target_arch = "wasm32")]
    #[must_use]
    pub fn with_fetch(mut self, fetch: js_sys::Function) -> Self {
        self.fetch = Some(fetch);
        self
    }

    /// Checks every field; `Err` is a `validation` error naming the option.
    pub fn validate(&self) -> Result<()> {
        match &self.auth {
            Auth::Relay if self.endpoint.trim().trim_end_matches('/') == DEFAULT_ENDPOINT => {
                return Err(invalid(
                    "a relay client needs your relay's URL as its endpoint, not the service's"
                        .to_owned(),
                ));
            }
            Auth::Key(key) if key.trim().is_empty() => {
                return Err(Error::validation(
                    "MISSING_CLIENT_KEY",
                    "the API key (clientKey) must be a non-empty string",
                ));
            }
            _ => {}
        }
        let lower = self.endpoint.trim().to_ascii_lowercase();
        if lower.starts_with("http://") {
            if !self.allow_insecure_http && !is_loopback_url(&lower) {
                return Err(invalid(format!(
                    "endpoint {} would send your API key unencrypted: use https://, \
                     or http:// only to this machine (localhost, 127.0.0.1, [::1]); \
                     set allow_insecure_http (allowInsecureHttp) to send it in clear anyway",
                    Quoted(&snippet(&self.endpoint))
                )));
            }
        } else if !lower.starts_with("https://") {
            return Err(invalid(format!(
                "endpoint must be an http(s) URL, not {}",
                Quoted(&snippet(&self.endpoint))
            )));
        }
        check_ms("timeout", ms(self.timeout))?;
        check_ms("request_timeout", ms(self.request_timeout))?;
        check_whole(
            "limits.max_bytes",
            self.limits.max_bytes as f64,
            MIN_IMAGE_BYTES,
            MAX_IMAGE_BYTES,
        )?;
        check_whole(
            "limits.max_side",
            f64::from(self.limits.max_side),
            MIN_IMAGE_SIDE,
            MAX_IMAGE_SIDE,
        )?;
        if let Some(n) = self.max_in_flight {
            check_whole("max_in_flight", n as f64, 1.0, MAX_IN_FLIGHT)?;
        }
        self.routing.validate()
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("auth", &self.auth)
            .field("endpoint", &self.endpoint)
            .field("routing", &self.routing)
            .field("timeout", &self.timeout)
            .field("request_timeout", &self.request_timeout)
            .field("limits", &self.limits)
            .field("max_in_flight", &self.max_in_flight)
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
///
/// ```
/// use anysolver_coordinates::WaitOptions;
/// use std::time::Duration;
/// let options = WaitOptions::default().with_timeout(Duration::from_secs(30));
/// assert!(options.validate().is_ok());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct WaitOptions {
    /// This call's overall deadline, instead of the client's.
    pub timeout: Option<Duration>,
    /// Cancels the call when it fires: the request in flight is aborted
    /// and nothing more is sent. (Dropping the call's future does the same.)
    #[cfg(target_arch = "wasm32")]
    pub signal: Option<web_sys::AbortSignal>,
    /// Called with each progress event.
    #[cfg(target_arch = "wasm32")]
    pub on_progress: Option<OnProgress>,
}

impl WaitOptions {
    /// These options with a deadline of their own.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// These options, cancelled when `signal` fires.
    #[cfg(target_arch = "wasm32")]
    #[must_use]
    pub fn with_signal(mut self, signal: web_sys::AbortSignal) -> Self {
        self.signal = Some(signal);
        self
    }

    /// These options, calling `on_progress` with each progress event.
    #[cfg(target_arch = "wasm32")]
    #[must_use]
    pub fn with_on_progress(
        mut self,
        on_progress: impl Fn(&crate::task::Progress) + 'static,
    ) -> Self {
        self.on_progress = Some(std::rc::Rc::new(on_progress));
        self
    }

    /// Checks the deadline.
    pub fn validate(&self) -> Result<()> {
        self.timeout.map_or(Ok(()), |t| check_ms("timeout", ms(t)))
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Options of `solve`, `recognize` and `create_task`.
///
/// ```
/// use anysolver_coordinates::{Region, SolveOptions};
/// let options = SolveOptions::default()
///     .with_comment("click on all bicycles")
///     .with_clicks(1, 4)
///     .with_region(Region::new(10.0, 20.0, 300.0, 200.0).with_viewport_width(1280.0));
/// assert!(options.validate().is_ok());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
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
    /// These options with the instruction `comment`.
    #[must_use]
    pub fn with_comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// These options with an instruction image.
    #[cfg(target_arch = "wasm32")]
    #[must_use]
    pub fn with_instructions(mut self, instructions: impl Into<crate::image::Image>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// These options expecting between `min` and `max` clicks.
    #[must_use]
    pub fn with_clicks(mut self, min: u32, max: u32) -> Self {
        self.min_clicks = Some(min);
        self.max_clicks = Some(max);
        self
    }

    /// These options with this task's routing.
    #[must_use]
    pub fn with_routing(mut self, routing: Routing) -> Self {
        self.routing = routing;
        self
    }

    /// These options falling back on `providers`, in order, when the
    /// service says the provider in use is saturated (see
    /// [`Routing::fallback_providers`]).
    #[must_use]
    pub fn with_fallback_providers<S: Into<String>>(
        mut self,
        providers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.routing = self.routing.with_fallback_providers(providers);
        self
    }

    /// These options solving only `region` of a screenshot.
    #[must_use]
    pub fn with_region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// These options with `wait` as their deadline, signal and progress.
    #[must_use]
    pub fn with_wait(mut self, wait: WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    /// Checks every field; `Err` is a `validation` error naming the option.
    pub fn validate(&self) -> Result<()> {
        for (name, clicks) in [
            ("min_clicks", self.min_clicks),
            ("max_clicks", self.max_clicks),
        ] {
            if let Some(n) = clicks {
                check_whole(name, f64::from(n), 1.0, f64::from(MAX_CLICKS))?;
            }
        }
        if let (Some(min), Some(max)) = (self.min_clicks, self.max_clicks)
            && min > max
        {
            return Err(invalid(format!(
                "min_clicks (minClicks) is greater than max_clicks (maxClicks): {min} > {max}"
            )));
        }
        if self
            .comment
            .as_ref()
            .is_some_and(|c| c.len() > MAX_COMMENT_BYTES)
        {
            return Err(invalid("comment is longer than 10,000 bytes".to_owned()));
        }
        if self.region.is_some_and(|r| !r.is_valid()) {
            return Err(invalid(
                "region needs finite x and y, a positive width and height, \
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
        let c = Config::new("k").with_endpoint("ftp://x");
        assert_eq!(code(c.validate()), "INVALID_OPTION");
        let c = Config::new("k").with_timeout(Duration::ZERO);
        let e = c.validate().unwrap_err();
        assert_eq!(e.message, "timeout must be between 1 and 86400000, not 0");
        let c = Config::new("k").with_request_timeout(Duration::from_secs(2 * 86_400));
        assert!(
            c.validate()
                .unwrap_err()
                .message
                .contains("request_timeout")
        );
        let c = Config::new("k").with_limits(Limits::new(500_000, 8));
        assert!(
            c.validate()
                .unwrap_err()
                .message
                .contains("limits.max_side")
        );
        let c = Config::new("k").with_max_in_flight(0);
        assert!(c.validate().unwrap_err().message.contains("max_in_flight"));
    }

    #[test]
    fn a_relay_client_has_an_endpoint_and_no_key() {
        let c = Config::relay("https://relay.example.com");
        assert_eq!((code(c.validate()), c.auth.key()), ("ok".into(), None));
        assert_eq!(Config::new("k").auth.key(), Some("k"));
        assert_eq!(
            format!("{:?}", Config::new("anysolver_x").auth),
            "Key([redacted])"
        );
        let nowhere = Config::relay(DEFAULT_ENDPOINT);
        assert!(
            nowhere
                .validate()
                .unwrap_err()
                .message
                .contains("relay's URL")
        );
        let e = Config::new("").validate().unwrap_err();
        assert_eq!(e.code, "MISSING_CLIENT_KEY");
        assert!(e.message.contains("clientKey"), "{}", e.message);
    }

    #[test]
    fn durations_cross_as_milliseconds() {
        assert_eq!(ms(Duration::from_millis(1500)), 1500.0);
        assert_eq!(from_ms(1500.0), Duration::from_millis(1500));
        assert_eq!(from_ms(0.25), Duration::from_micros(250));
        assert_eq!(ms(DEFAULT_REQUEST_TIMEOUT), 25_000.0);
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_allowed() {
        let check = |endpoint: &str, allow: bool| {
            code(
                Config::new("k")
                    .with_endpoint(endpoint)
                    .with_allow_insecure_http(allow)
                    .validate(),
            )
        };
        for ok in [
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://127.0.0.1:3000/api",
            "http://127.0.0",
            "http://[::1]:8080/",
            "https://api.anysolver.com",
            "HTTPS://example.com",
        ] {
            assert_eq!(check(ok, false), "ok", "{ok}");
        }
        for refused in [
            "http://api.anysolver.com",
            "http://192.168.1.10:8080",
            "http://127.0.0.1.evil.com",
            "http://127.0.0.1@evil.com",
        ] {
            assert_eq!(check(refused, false), "INVALID_OPTION", "{refused}");
            assert_eq!(check(refused, true), "ok", "{refused}");
        }
        let message = Config::new("k")
            .with_endpoint("http://api.anysolver.com")
            .validate()
            .unwrap_err()
            .message;
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
        let ok = SolveOptions::default().with_clicks(1, 3);
        assert_eq!(code(ok.validate()), "ok");
        let swapped = SolveOptions::default().with_clicks(4, 3);
        assert_eq!(
            swapped.validate().unwrap_err().message,
            "min_clicks (minClicks) is greater than max_clicks (maxClicks): 4 > 3"
        );
        let zero = SolveOptions::default().with_clicks(0, 0);
        assert_eq!(code(zero.validate()), "INVALID_OPTION");
        let long = SolveOptions::default().with_comment("x".repeat(20_000));
        assert_eq!(code(long.validate()), "INVALID_OPTION");
        let bad_region = SolveOptions::default().with_region(Region::new(0.0, 0.0, 0.0, 5.0));
        assert_eq!(code(bad_region.validate()), "INVALID_OPTION");
        let wait = WaitOptions::default().with_timeout(Duration::from_micros(10));
        let e = SolveOptions::default()
            .with_wait(wait)
            .validate()
            .unwrap_err();
        assert!(e.message.contains("not 0.01"), "{}", e.message);
    }
}
