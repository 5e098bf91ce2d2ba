//! `cargo xtask test [NAME...]`: what the chosen checks and suites need,
//! installed and built, then the checks and suites themselves (all of them
//! when none is named), ending with one line `N passed, M failed` and how
//! long each step took. `cargo xtask test --list` names them.

use crate::util::{Result, cmd, root, run_capture, run_quiet};
use crate::{build, sandbox, setup};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Counts of passed and failed tests and checks.
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
    /// Everything the suites printed, for the secret scan.
    transcript: String,
    /// How long each step took, seconds.
    timings: Vec<(String, f64)>,
    /// The end of what each failed check or suite printed, repeated last
    /// so that the tail of a long log (all a CI page may show) says why.
    failed_tails: Vec<(String, String)>,
}

impl Tally {
    /// Runs a check (one pass or one failure).
    fn check(&mut self, name: &str, c: &mut Command) {
        let started = Instant::now();
        let (ok, out) = run_capture(c);
        self.timed(name, started);
        self.keep_tail(name, ok, &out);
        self.record(name, ok, 1, u64::from(!ok));
    }

    /// Runs a test suite and adds the counts it reports.
    fn suite(&mut self, name: &str, c: &mut Command) {
        let started = Instant::now();
        let (ok, out) = run_capture(c);
        self.timed(name, started);
        self.suite_output(name, ok, &out);
    }

    /// Adds what a suite that has run printed, and its counts.
    fn suite_output(&mut self, name: &str, ok: bool, out: &str) {
        self.transcript.push_str(out);
        self.keep_tail(name, ok, out);
        let (passed, failed) = counts(out);
        // A suite that failed without reporting a failed test still failed.
        let failed = if !ok && failed == 0 { 1 } else { failed };
        self.record(name, ok, passed, failed);
    }

    /// Keeps the last lines of what `name` printed if it failed.
    fn keep_tail(&mut self, name: &str, ok: bool, out: &str) {
        const LINES: usize = 60;
        if ok {
            return;
        }
        let lines: Vec<&str> = out.lines().collect();
        let tail = lines
            .get(lines.len().saturating_sub(LINES)..)
            .unwrap_or_default()
            .join("\n");
        self.failed_tails.push((name.to_owned(), tail));
    }

    fn timed(&mut self, name: &str, started: Instant) {
        self.timings
            .push((name.to_owned(), started.elapsed().as_secs_f64()));
    }

    /// A check whose outcome is `problems` (none: passed).
    fn expect_none(&mut self, name: &str, problems: &[String]) {
        for p in problems {
            println!("{name}: {p}");
        }
        self.record(
            name,
            problems.is_empty(),
            1,
            u64::from(!problems.is_empty()),
        );
    }

    fn record(&mut self, name: &str, ok: bool, passed: u64, failed: u64) {
        let passed = if ok && passed == 0 && failed == 0 {
            1
        } else {
            passed
        };
        self.passed += if ok || failed > 0 { passed } else { 0 };
        self.failed += failed;
        println!("-- {name}: {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            self.failures.push(name.to_owned());
        }
    }
}

/// Sums the counts of cargo/wasm-bindgen-test (`test result: ok. 3 passed; 0 failed`)
/// and node's test runner (`ℹ pass 3`, `ℹ fail 0`).
fn counts(out: &str) -> (u64, u64) {
    let (mut passed, mut failed) = (0, 0);
    let num = |s: Option<&str>| s.and_then(|n| n.trim().parse::<u64>().ok()).unwrap_or(0);
    for line in out.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let mut words = part.split_whitespace().rev();
                let label = words.next();
                let n = num(words.next());
                match label {
                    Some("passed") => passed += n,
                    Some("failed") => failed += n,
                    _ => {}
                }
            }
        } else if let Some(n) = line.strip_prefix("ℹ pass ") {
            passed += num(Some(n));
        } else if let Some(n) = line.strip_prefix("ℹ fail ") {
            failed += num(Some(n));
        }
    }
    (passed, failed)
}

/// The keys the suites use (fresh `anysolver_test_…` accounts, the demo key,
/// and the made-up wrong keys): none may appear in what they print.
const SECRETS: [&str; 4] = [
    "anysolver_test_",
    "anysolver_demo",
    "anysolver_wrong_key",
    "anysolver_not_a_real_key",
];

fn secret_hits(text: &str) -> usize {
    SECRETS.iter().map(|s| text.matches(s).count()).sum()
}

/// Scans every file under `test-artifacts/` (the sandbox log, the
/// browsers' console log, screenshots) except the browser profiles, which
/// are the storage a user chose: returns the files read and the keys found.
fn artifact_hits(dir: &Path) -> (usize, usize) {
    let mut todo = vec![dir.to_path_buf()];
    let (mut files, mut hits) = (0, 0);
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().ends_with("-profile"))
            {
                continue;
            }
            if path.is_dir() {
                todo.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files += 1;
                hits += secret_hits(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    (files, hits)
}

/// The webdriver capabilities for Debian's Chromium, run as root without a
/// network: a fresh profile and no background traffic.
fn chromium_webdriver_json(dir: &Path) -> Result<PathBuf> {
    let profile = dir.join("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let json = serde_json::json!({"goog:chromeOptions": {
        "binary": setup::CHROMIUM,
        "args": [
            "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic",
            format!("--user-data-dir={}", profile.display()),
        ],
    }});
    write_json(&dir.join("webdriver-chromium.json"), &json)
}

/// The webdriver capabilities for Debian's Firefox ESR: no update checks,
/// telemetry or other background traffic (the machine has no network).
fn firefox_webdriver_json(dir: &Path) -> Result<PathBuf> {
    let json = serde_json::json!({"moz:firefoxOptions": {
        "binary": setup::FIREFOX,
        "prefs": {
            "app.update.enabled": false,
            "browser.safebrowsing.malware.enabled": false,
            "browser.safebrowsing.phishing.enabled": false,
            "datareporting.policy.dataSubmissionEnabled": false,
            "network.captive-portal-service.enabled": false,
            "network.connectivity-service.enabled": false,
            "toolkit.telemetry.enabled": false,
        },
    }});
    write_json(&dir.join("webdriver-firefox.json"), &json)
}

fn write_json(path: &Path, json: &serde_json::Value) -> Result<PathBuf> {
    std::fs::write(path, json.to_string())
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

/// The wasm test suites `names`, compiled together with `features`
/// (`cargo test --no-run`): each suite's name and its `.wasm`.
fn build_wasm_suites(
    sandbox_url: &str,
    features: &str,
    names: &[&str],
) -> Result<BTreeMap<String, PathBuf>> {
    let mut args = vec![
        "test",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "anysolver-coordinates",
        "--features",
        features,
        "--no-run",
        "--message-format=json-render-diagnostics",
    ];
    for name in names {
        args.extend(["--test", name]);
    }
    let mut c = cmd("cargo", &args);
    c.env("SANDBOX_URL", sandbox_url);
    println!(
        "$ cargo test --target wasm32-unknown-unknown --features {features} --test {} --no-run",
        names.join(" --test ")
    );
    let out = c
        .output()
        .map_err(|e| format!("could not run cargo test --no-run: {e}"))?;
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err("the wasm test suites do not compile".to_owned());
    }
    let mut suites = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_test = msg
            .pointer("/profile/test")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
            && msg
                .pointer("/target/kind/0")
                .and_then(serde_json::Value::as_str)
                == Some("test");
        if let (true, Some(name), Some(exe)) = (
            is_test,
            msg.pointer("/target/name")
                .and_then(serde_json::Value::as_str),
            msg.get("executable").and_then(serde_json::Value::as_str),
        ) {
            suites.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    Ok(suites)
}

/// One suite run: its name, how it is run, how long it took.
struct Run {
    name: String,
    ok: bool,
    output: String,
    seconds: f64,
}

/// Runs `jobs` one after another, quietly (their output is printed when
/// the lane is read), and returns what each printed.
///
/// A suite that failed before running any test (the harness never printed
/// `running N tests`: a webdriver that did not bind its port, a browser
/// session that did not start, a page that did not load on a loaded
/// machine) is run once more, and both outputs are kept. A suite whose
/// tests ran is never run again: a failed test fails the run.
fn lane(jobs: Vec<(String, Command)>) -> Vec<Run> {
    jobs.into_iter()
        .map(|(name, mut c)| {
            println!("   started: {name}");
            let started = Instant::now();
            let (mut ok, mut output) = run_quiet(&mut c);
            if !ok && !tests_started(&output) {
                println!("   {name} failed before running a test; once more");
                let (again_ok, again) = run_quiet(&mut c);
                ok = again_ok;
                output = format!(
                    "{output}\n== {name} failed before running a test; its second run:\n{again}"
                );
            }
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "   finished: {name} ({}, {seconds:.0} s)",
                if ok { "ok" } else { "FAILED" }
            );
            Run {
                name,
                ok,
                output,
                seconds,
            }
        })
        .collect()
}

/// Whether a test harness's output says it began running tests: libtest's
/// and wasm-bindgen-test's `running N tests`, or `node --test`'s first
/// result.
fn tests_started(out: &str) -> bool {
    out.lines().map(str::trim).any(|line| {
        line.strip_prefix("running ")
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|n| n.parse::<u64>().is_ok())
            || line.starts_with('✔')
            || line.starts_with('✖')
    })
}

/// The checks and suites that `cargo xtask test` runs by name, in the
/// order it runs them, each with what it is; the JS tests are one name
/// each (`js:<file>`, from `tests/js/<file>.test.mjs`).
const STEPS: [(&str, &str); 19] = [
    ("rustfmt", "cargo fmt --check"),
    (
        "clippy:native",
        "clippy on the workspace (all targets), warnings denied",
    ),
    (
        "clippy:wasm32",
        "clippy on the crate for wasm32, warnings denied",
    ),
    (
        "rustdoc",
        "the crate's docs for wasm32, as docs.rs builds them",
    ),
    (
        "api",
        "the public API is the one tests/public-api.txt lists",
    ),
    ("size", "what ships to browsers is within the size budget"),
    ("links", "every link and path in the docs resolves"),
    (
        "modules",
        "no module of the crate imports a module that imports it",
    ),
    (
        "publish",
        "cargo publish --dry-run; licenses in both packages",
    ),
    ("native", "the native unit and integration tests"),
    ("web:chromium", "the page suite in headless Chromium"),
    (
        "worker:chromium",
        "the dedicated worker suite in headless Chromium",
    ),
    (
        "service_worker:chromium",
        "the service worker suite in headless Chromium",
    ),
    (
        "memory:chromium",
        "wasm memory under large screenshots, in Chromium",
    ),
    ("web:firefox", "the page suite in headless Firefox ESR"),
    (
        "worker:firefox",
        "the dedicated worker suite in headless Firefox ESR",
    ),
    ("web:webkit", "the page suite in WebKitGTK's MiniBrowser"),
    (
        "worker:webkit",
        "the dedicated worker suite in WebKitGTK's MiniBrowser",
    ),
    ("node", "the wasm suite in Node"),
];

/// Every name `cargo xtask test` takes, with what it runs.
fn catalogue() -> Result<Vec<(String, String)>> {
    let mut all: Vec<(String, String)> = STEPS
        .iter()
        .map(|(n, a)| ((*n).to_owned(), (*a).to_owned()))
        .collect();
    for file in js_test_files()? {
        all.push((
            format!("js:{}", js_name(&file)),
            format!("node --test tests/js/{}", file_name(&file)),
        ));
    }
    Ok(all)
}

/// `tests/js/*.test.mjs`, sorted.
fn js_test_files() -> Result<Vec<PathBuf>> {
    let dir = root().join("tests").join("js");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| file_name(p).ends_with(".test.mjs"))
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `demo` for `tests/js/demo.test.mjs`.
fn js_name(path: &Path) -> String {
    file_name(path).trim_end_matches(".test.mjs").to_owned()
}

/// The names `args` select from `all`: each arg is a name, or a group (the
/// part of names before `:`, e.g. `clippy`, `js`); none selects all. An
/// unknown name is an error that lists the known ones.
fn select(args: &[String], all: &[String]) -> Result<BTreeSet<String>> {
    if args.is_empty() {
        return Ok(all.iter().cloned().collect());
    }
    let mut chosen = BTreeSet::new();
    for arg in args {
        let hits: Vec<&String> = all
            .iter()
            .filter(|n| *n == arg || n.split_once(':').is_some_and(|(g, _)| g == arg))
            .collect();
        if hits.is_empty() {
            return Err(format!(
                "`cargo xtask test` has no check or suite named `{arg}`; `cargo xtask test --list` names them"
            ));
        }
        chosen.extend(hits.into_iter().cloned());
    }
    Ok(chosen)
}

/// Runs the checks and suites `args` names (all of them when none), or
/// lists them (`--list`).
pub fn run(args: &[String]) -> Result {
    let all = catalogue()?;
    if args.iter().any(|a| a == "--list") {
        for (name, about) in &all {
            println!("{name:<26} {about}");
        }
        return Ok(());
    }
    let names: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    let chosen = select(args, &names)?;
    run_selected(&chosen)
}

/// What the chosen steps need before they run.
#[derive(Debug, Default)]
struct Needs {
    /// wasm-bindgen-cli and the rest of [`setup::build_tools`].
    tools: bool,
    /// `pkg/` with the browser build.
    browser_build: bool,
    /// The whole package: both builds, the tarball, the extension.
    full_build: bool,
    browsers: setup::Browsers,
    /// The sandbox server.
    sandbox: bool,
    /// Deno, Bun and workerd ([`setup::runtimes`]).
    runtimes: bool,
}

impl Needs {
    fn of(chosen: &BTreeSet<String>) -> Result<Needs> {
        let has = |n: &str| chosen.contains(n);
        let js: Vec<&String> = chosen.iter().filter(|n| n.starts_with("js:")).collect();
        let wasm_suites = WASM_SUITES.iter().any(|(n, _, _)| has(n));
        let full_build = has("publish") || !js.is_empty();
        let mut js_engines = JsEngines::default();
        for name in &js {
            let file = root()
                .join("tests/js")
                .join(format!("{}.test.mjs", name.trim_start_matches("js:")));
            let e = JsEngines::of(&file)?;
            js_engines.chromium |= e.chromium;
            js_engines.firefox |= e.firefox;
            js_engines.webkit |= e.webkit;
        }
        Ok(Needs {
            tools: full_build || has("size") || wasm_suites,
            browser_build: full_build || has("size"),
            full_build,
            browsers: setup::Browsers {
                chromium: js_engines.chromium
                    || WASM_SUITES
                        .iter()
                        .any(|(n, _, e)| *e == Engine::Chromium && has(n)),
                firefox: js_engines.firefox
                    || WASM_SUITES
                        .iter()
                        .any(|(n, _, e)| *e == Engine::Firefox && has(n)),
                webkit: js_engines.webkit
                    || WASM_SUITES
                        .iter()
                        .any(|(n, _, e)| *e == Engine::WebKit && has(n)),
            },
            sandbox: wasm_suites || !js.is_empty(),
            runtimes: has("js:runtimes") || has("js:relay-guards"),
        })
    }
}

/// The browsers a JS test drives, read from what it imports: Chromium
/// through `tests/js/browser.mjs` (playwright-core), Firefox ESR through
/// `firefox.mjs` and WebKitGTK through `webkit.mjs` (WebDriver).
#[derive(Debug, Default, Clone, Copy)]
struct JsEngines {
    chromium: bool,
    firefox: bool,
    webkit: bool,
}

impl JsEngines {
    fn of(file: &Path) -> Result<JsEngines> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("reading {}: {e}", file.display()))?;
        let imports = |module: &str| text.contains(&format!("from \"./{module}\""));
        Ok(JsEngines {
            chromium: imports("browser.mjs"),
            firefox: imports("firefox.mjs"),
            webkit: imports("webkit.mjs"),
        })
    }

    /// Whether the test drives a browser through WebDriver (Firefox or
    /// WebKit): such tests run in the Node lane, beside the wasm suite
    /// there, rather than after the Chromium ones.
    fn webdriver(self) -> bool {
        self.firefox || self.webkit
    }
}

/// Where a wasm suite runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Chromium,
    Firefox,
    WebKit,
    Node,
}

/// The wasm test suites: the step's name, the test target, the engine.
const WASM_SUITES: [(&str, &str, Engine); 9] = [
    ("web:chromium", "web", Engine::Chromium),
    ("worker:chromium", "worker", Engine::Chromium),
    (
        "service_worker:chromium",
        "service_worker",
        Engine::Chromium,
    ),
    ("memory:chromium", "memory", Engine::Chromium),
    ("web:firefox", "web", Engine::Firefox),
    ("worker:firefox", "worker", Engine::Firefox),
    ("web:webkit", "web", Engine::WebKit),
    ("worker:webkit", "worker", Engine::WebKit),
    ("node", "node", Engine::Node),
];

/// The test targets of [`WASM_SUITES`], each once.
fn wasm_suite_targets() -> Vec<&'static str> {
    let mut targets: Vec<&str> = WASM_SUITES.iter().map(|(_, t, _)| *t).collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// Runs the chosen steps: what they need installed and built first (the
/// build tools and the browsers side by side), then the checks, the native
/// tests, and the wasm suites and JS tests in five lanes at once.
fn run_selected(chosen: &BTreeSet<String>) -> Result {
    let all = Instant::now();
    let has = |n: &str| chosen.contains(n);
    let needs = Needs::of(chosen)?;
    let mut t = Tally::default();
    let started = Instant::now();
    if needs.tools || has("clippy:wasm32") || has("rustdoc") || has("api") {
        setup::wasm_target()?;
    }
    // Three things at once: the tools and the package; the browsers; the
    // sandbox, with the wasm suites compiled against it.
    let mut prepared = None;
    crate::util::both(
        || {
            crate::util::both(
                || {
                    if needs.tools {
                        setup::build_tools()?;
                    }
                    if needs.runtimes {
                        setup::runtimes()?;
                    }
                    if needs.full_build {
                        build::run()
                    } else if needs.browser_build {
                        build::browser()
                    } else {
                        Ok(())
                    }
                },
                || setup::browsers(needs.browsers),
            )
        },
        || {
            if needs.sandbox {
                prepared = Some(prepare_suites(&mut t, chosen)?);
            }
            Ok(())
        },
    )?;
    t.timed("setup, build, the sandbox and the wasm suites", started);
    // The suites mostly wait on the sandbox and the browsers, so the checks
    // and the native tests (compilers, mostly) run meanwhile, at a lower
    // CPU priority: the suites take about three parts in four of the CPU
    // when both want it, the checks the rest and whatever is idle.
    let lanes = std::thread::scope(|s| {
        let lanes = prepared.map(|suites| s.spawn(move || suites.run()));
        checks(&mut t, chosen);
        lanes.map(|h| h.join().unwrap_or_default())
    });
    if let Some((runs, seconds)) = lanes {
        t.timings
            .push(("the five lanes together (wall)".to_owned(), seconds));
        for run in runs {
            println!("== {}", run.name);
            println!("{}", run.output);
            t.timings.push((format!("  {}", run.name), run.seconds));
            t.suite_output(&run.name, run.ok, &run.output);
        }
    }
    let artifacts = root().join("test-artifacts");
    let (files, in_artifacts) = artifact_hits(&artifacts);
    let leaks = secret_hits(&t.transcript) + in_artifacts;
    println!(
        "== secret scan: {leaks} API keys found in the suites' output and {files} test artifacts (sandbox log, browser console log, screenshots)"
    );
    t.record(
        "no API key in any output or log",
        leaks == 0,
        1,
        u64::from(leaks > 0),
    );

    println!("== time");
    for (step, secs) in &t.timings {
        println!("  {secs:>6.0} s  {step}");
    }
    println!("  {:>6.0} s  in all", all.elapsed().as_secs_f64());
    for (name, tail) in &t.failed_tails {
        println!("== {name} FAILED; the end of what it printed:\n{tail}");
    }
    if !t.failures.is_empty() {
        println!("failed: {}", t.failures.join("; "));
    }
    println!("{} passed, {} failed", t.passed, t.failed);
    if t.failed > 0 {
        Err(format!("{} failed", t.failed))
    } else {
        Ok(())
    }
}

/// `program args` at a lower CPU priority (`nice -n 5`: a third of the
/// weight of a process at the default).
fn low(program: &str, args: &[&str]) -> Command {
    let mut all = vec!["-n", "5", program];
    all.extend_from_slice(args);
    cmd("nice", &all)
}

/// `cargo test --workspace --all-features ARGS` (the codec's unit tests
/// too: every feature on) at a lower CPU priority ([`low`]), with
/// clippy-driver as the workspace's compiler and warnings denied, as
/// `cargo clippy` runs it: the members are linted as they are built, and
/// the dependencies are built once, for the lint and the tests alike.
/// Every target `cargo clippy --all-targets` checks is built (the
/// workspace has no benches).
fn native_tests(args: &[&str]) -> Command {
    let mut all = vec!["test", "--workspace", "--all-features"];
    all.extend_from_slice(args);
    let mut c = low("cargo", &all);
    let driver = crate::util::output(&mut cmd("rustup", &["which", "clippy-driver"]))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "clippy-driver".to_owned());
    c.env("RUSTC_WORKSPACE_WRAPPER", driver).env(
        "CLIPPY_ARGS",
        "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
    );
    c
}

/// The chosen checks and the native tests, each command at a lower CPU
/// priority ([`low`]).
fn checks(t: &mut Tally, chosen: &BTreeSet<String>) {
    let has = |n: &str| chosen.contains(n);
    println!("== checks");
    if has("rustfmt") {
        t.check("rustfmt", &mut low("cargo", &["fmt", "--all", "--check"]));
    }
    if has("clippy:native") {
        t.check(
            "clippy (native, on what the native tests build)",
            &mut native_tests(&["--no-run"]),
        );
    }
    if has("clippy:wasm32") {
        let mut args = vec![
            "clippy",
            "-p",
            "anysolver-coordinates",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--all-features",
        ];
        // The wasm suites, which `--all-targets` leaves out (`test = false`:
        // they are wasm32 only).
        for target in wasm_suite_targets() {
            args.extend(["--test", target]);
        }
        args.extend(["--", "-D", "warnings"]);
        t.check("clippy (wasm32)", &mut low("cargo", &args));
    }
    if has("rustdoc") {
        // With every feature, as docs.rs builds it (Cargo.toml's
        // `package.metadata.docs.rs`), and the example: so the dependencies
        // resolve as for clippy's `--all-targets --all-features`, and what
        // clippy checked is not checked again.
        let mut doc = low(
            "cargo",
            &[
                "doc",
                "--no-deps",
                "-p",
                "anysolver-coordinates",
                "--target",
                "wasm32-unknown-unknown",
                "--lib",
                "--examples",
                "--all-features",
            ],
        );
        doc.env("RUSTDOCFLAGS", "-D warnings");
        t.check(
            "rustdoc (wasm32, as docs.rs builds it, warnings denied)",
            &mut doc,
        );
    }
    if has("api") {
        match crate::api::changes() {
            Ok(changes) => t.expect_none(
                "the public API is the one tests/public-api.txt lists",
                &changes,
            ),
            Err(e) => t.expect_none("the public API listing", &[e]),
        }
    }
    if has("size") {
        let size = build::browser_size().unwrap_or(u64::MAX);
        println!(
            "size: {size} bytes gzipped ship to browsers (.wasm + JS glue); the budget is {}",
            build::SIZE_BUDGET
        );
        t.record(
            "what ships to browsers is within the size budget",
            size <= build::SIZE_BUDGET,
            1,
            u64::from(size > build::SIZE_BUDGET),
        );
    }
    if has("links") {
        t.expect_none(
            "every link and relative path in the docs resolves inside the repository",
            &crate::docs::broken_links(&root()),
        );
    }
    if has("modules") {
        t.expect_none(
            "no module of the crate imports a module that imports it",
            &crate::modules::cycles(&root().join("src")),
        );
    }
    if has("publish") {
        publishable(t);
    }
    if has("native") {
        println!("== native tests");
        t.suite("native unit and integration tests", &mut native_tests(&[]));
    }
}

/// The chosen wasm suites and JS tests, ready to run against a sandbox
/// started for them, in five lanes: Chromium, Firefox ESR, Node (then the
/// JS tests that drive Firefox ESR or WebKitGTK through WebDriver), the
/// other JS tests (Chromium through Playwright, and Node) and WebKitGTK.
struct Suites {
    server: sandbox::Sandbox,
    lanes: [Vec<(String, Command)>; 5],
}

impl Suites {
    /// Runs the five lanes at once, since they mostly wait on the sandbox
    /// and the browsers; then stops the sandbox. The wall time is the
    /// second value.
    fn run(self) -> (Vec<Run>, f64) {
        println!("== wasm test suites and JS tests, five lanes at once");
        let started = Instant::now();
        let runs = std::thread::scope(|s| {
            self.lanes
                .map(|jobs| s.spawn(move || lane(jobs)))
                .map(|h| h.join().unwrap_or_default())
        });
        drop(self.server);
        (
            runs.into_iter().flatten().collect(),
            started.elapsed().as_secs_f64(),
        )
    }
}

/// Starts the sandbox and compiles the chosen wasm suites together.
fn prepare_suites(t: &mut Tally, chosen: &BTreeSet<String>) -> Result<Suites> {
    let has = |n: &str| chosen.contains(n);
    let artifacts = root().join("test-artifacts");
    std::fs::create_dir_all(&artifacts).map_err(|e| format!("creating test-artifacts/: {e}"))?;
    // The browsers' console log is appended to by every JS test: start afresh.
    let _ = std::fs::remove_file(artifacts.join("console.log"));
    // The image of any task the sandbox finds unsolvable is kept beside its
    // log, to show what a client sent when a test fails; this run's only.
    let kept = artifacts.join("unsolvable");
    let _ = std::fs::remove_dir_all(&kept);
    std::fs::create_dir_all(&kept)
        .map_err(|e| format!("creating test-artifacts/unsolvable/: {e}"))?;
    let kept = kept.to_string_lossy().into_owned();
    let server = sandbox::start(
        &["--solve-delay-ms", "300", "--keep-unsolvable", &kept],
        &artifacts.join("sandbox.log"),
    )?;
    let chosen_suites: Vec<&(&str, &str, Engine)> =
        WASM_SUITES.iter().filter(|(n, _, _)| has(n)).collect();
    let mut compiled = BTreeMap::new();
    if !chosen_suites.is_empty() {
        println!("== wasm test suites: compile");
        let started = Instant::now();
        // The browser suites run the browser build's features; the Node
        // suite the Node build's, codec and all.
        let targets = |engines: &[Engine]| -> Vec<&str> {
            let mut names: Vec<&str> = chosen_suites
                .iter()
                .filter(|(_, _, e)| engines.contains(e))
                .map(|(_, target, _)| *target)
                .collect();
            names.sort_unstable();
            names.dedup();
            names
        };
        let browser_targets = targets(&[Engine::Chromium, Engine::Firefox, Engine::WebKit]);
        let node_targets = targets(&[Engine::Node]);
        if !browser_targets.is_empty() {
            compiled.extend(build_wasm_suites(
                &server.url,
                build::FEATURES,
                &browser_targets,
            )?);
        }
        if !node_targets.is_empty() {
            compiled.extend(build_wasm_suites(
                &server.url,
                build::NODE_FEATURES,
                &node_targets,
            )?);
        }
        t.timed("compile the wasm test suites", started);
    }
    let chromium_json = chromium_webdriver_json(&artifacts)?;
    let firefox_json = firefox_webdriver_json(&artifacts)?;
    let webkit_json = write_json(
        &artifacts.join("webdriver-webkit.json"),
        &serde_json::json!({
            "browserName": "MiniBrowser",
            "webkitgtk:browserOptions": {"binary": setup::MINIBROWSER, "args": ["--automation"]},
        }),
    )?;
    let geckodriver = crate::util::cargo_bin().join("geckodriver");
    let mut lanes: [Vec<(String, Command)>; 5] = Default::default();
    for (name, target, engine) in chosen_suites {
        let wasm = compiled
            .get(*target)
            .ok_or_else(|| format!("cargo built no `{target}` test suite"))?;
        let mut c = cmd("wasm-bindgen-test-runner", &[&wasm.to_string_lossy()]);
        c.env("WASM_BINDGEN_TEST_TIMEOUT", "360");
        // The runner gives a webdriver 5 s to bind its port by default; the
        // lanes start three browsers at once on two cores.
        c.env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60");
        let (lane, engine_name) = match engine {
            Engine::Chromium => {
                c.env("CHROMEDRIVER", setup::CHROMEDRIVER);
                c.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &chromium_json);
                (0, "headless Chromium")
            }
            Engine::Firefox => {
                c.env("GECKODRIVER", &geckodriver);
                c.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &firefox_json);
                (1, "headless Firefox ESR")
            }
            Engine::WebKit => {
                // The runner starts the driver as it starts geckodriver
                // (`--port=N`), and the W3C session it asks for takes the
                // JSON's capabilities; MiniBrowser needs a display.
                c = cmd(
                    setup::XVFB_RUN,
                    &["-a", "wasm-bindgen-test-runner", &wasm.to_string_lossy()],
                );
                c.env("WASM_BINDGEN_TEST_TIMEOUT", "360");
                c.env("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "60");
                c.env("GECKODRIVER", setup::WEBKIT_DRIVER);
                c.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webkit_json);
                (4, "WebKitGTK's MiniBrowser")
            }
            Engine::Node => (2, "Node"),
        };
        if let Some(jobs) = lanes.get_mut(lane) {
            jobs.push((
                format!("wasm-bindgen-test: {target} in {engine_name} ({name})"),
                c,
            ));
        }
    }
    let js: Vec<PathBuf> = js_test_files()?
        .into_iter()
        .filter(|f| has(&format!("js:{}", js_name(f))))
        .collect();
    // The JS tests: those that drive Firefox or WebKit through WebDriver
    // in lane 2 after the Node suite, the others (Chromium's and Node's) in
    // lane 3; one `node --test` each.
    let (mut webdriver, mut others) = (Vec::new(), Vec::new());
    for file in &js {
        if JsEngines::of(file)?.webdriver() {
            webdriver.push(file);
        } else {
            others.push(file);
        }
    }
    for (lane, files) in [(2, webdriver), (3, others)] {
        if files.is_empty() {
            continue;
        }
        let mut c = cmd("node", &["--test", "--test-reporter=spec"]);
        c.args(files.iter().map(|f| format!("tests/js/{}", file_name(f))));
        c.env("SANDBOX_URL", &server.url);
        c.env("GECKODRIVER", &geckodriver);
        let names: Vec<String> = files.iter().map(|f| js_name(f)).collect();
        if let Some(jobs) = lanes.get_mut(lane) {
            jobs.push((format!("node --test tests/js/ ({})", names.join(", ")), c));
        }
    }
    Ok(Suites { server, lanes })
}

/// What a publisher checks: `cargo publish --dry-run` packages and builds
/// the crate, whose package holds both licenses and the changelog; the
/// npm tarball holds both licenses too.
fn publishable(t: &mut Tally) {
    t.check(
        "cargo publish --dry-run",
        &mut low(
            "cargo",
            &[
                "publish",
                "--dry-run",
                "-p",
                "anysolver-coordinates",
                "--allow-dirty",
            ],
        ),
    );
    let listed = crate::util::output(&mut low(
        "cargo",
        &[
            "package",
            "--list",
            "-p",
            "anysolver-coordinates",
            "--allow-dirty",
        ],
    ))
    .unwrap_or_default();
    let crate_files: Vec<&str> = listed.lines().collect();
    let missing: Vec<String> = ["LICENSE-MIT", "LICENSE-APACHE", "CHANGELOG.md", "README.md"]
        .iter()
        .filter(|f| !crate_files.contains(f))
        .map(|f| format!("the crate package lacks {f}"))
        .collect();
    t.expect_none(
        "the crate package holds its licenses and changelog",
        &missing,
    );
    let missing = match build::tarball_files() {
        Ok(files) => ["package/LICENSE-MIT", "package/LICENSE-APACHE"]
            .iter()
            .filter(|f| !files.iter().any(|have| have == *f))
            .map(|f| format!("the npm tarball lacks {f}"))
            .collect(),
        Err(e) => vec![e],
    };
    t.expect_none("the npm tarball holds both licenses", &missing);
}

#[cfg(test)]
mod tests {
    use super::{JsEngines, counts, select, tests_started};
    use crate::util::root;

    #[test]
    fn js_tests_name_the_browsers_they_drive() {
        let of =
            |name: &str| JsEngines::of(&root().join("tests/js").join(name)).unwrap_or_default();
        let extension = of("extension.test.mjs");
        assert!(extension.chromium && !extension.webdriver());
        let firefox = of("extension-firefox.test.mjs");
        assert!(firefox.firefox && !firefox.webkit && !firefox.chromium && firefox.webdriver());
        let webkit = of("demo-webkit.test.mjs");
        assert!(webkit.webkit && !webkit.firefox && !webkit.chromium && webkit.webdriver());
        let node = of("node.test.mjs");
        assert!(!node.chromium && !node.webdriver());
    }

    #[test]
    fn names_and_groups_select_steps() {
        let all: Vec<String> = [
            "clippy:native",
            "clippy:wasm32",
            "node",
            "js:node",
            "js:relay",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let pick = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            select(&args, &all).map(|s| s.into_iter().collect::<Vec<_>>())
        };
        assert_eq!(pick(&[]).map(|s| s.len()), Ok(5));
        assert_eq!(
            pick(&["clippy"]),
            Ok(vec!["clippy:native".to_owned(), "clippy:wasm32".to_owned()])
        );
        assert_eq!(pick(&["node"]), Ok(vec!["node".to_owned()]));
        assert_eq!(
            pick(&["js:relay", "node"]),
            Ok(vec!["js:relay".to_owned(), "node".to_owned()])
        );
        assert!(pick(&["relay"]).is_err());
    }

    #[test]
    fn reads_both_runners() {
        let out = "test result: ok. 7 passed; 0 failed; 0 ignored\nℹ pass 3\nℹ fail 1\n\
                   test result: FAILED. 2 passed; 2 failed; 0 ignored";
        assert_eq!(counts(out), (12, 3));
    }

    #[test]
    fn a_harness_that_never_ran_a_test_is_told_apart() {
        let no_driver = "Set WASM_BINDGEN_TEST_TIMEOUT to 180 seconds...\n\
                         driver failed to bind port during startup";
        let no_session = "Running headless tests in Chrome on `http://127.0.0.1:4444/`\n\
                          Error: failed to create a Chrome session: session not created";
        assert!(!tests_started(no_driver));
        assert!(!tests_started(no_session));
        assert!(tests_started(
            "Loading Wasm module...\nrunning 35 tests\ntest a ... FAILED"
        ));
        assert!(tests_started("\u{2714} errors are Errors (1.8ms)"));
        assert!(tests_started("\u{2716} a test (2ms)"));
        assert!(!tests_started("running the suite"));
    }
}
