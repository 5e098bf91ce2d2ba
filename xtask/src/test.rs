//! `cargo xtask test`: setup and build, then every check and suite in
//! order, ending with one line `N passed, M failed`.

use crate::util::{Result, cmd, root, run_capture};
use crate::{build, sandbox, setup};
use std::process::Command;

/// Counts of passed and failed tests and checks.
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
    /// Everything the suites printed, for the secret scan.
    transcript: String,
}

impl Tally {
    /// Runs a check (one pass or one failure).
    fn check(&mut self, name: &str, c: &mut Command) {
        let (ok, _) = run_capture(c);
        self.record(name, ok, 1, u64::from(!ok));
    }

    /// Runs a test suite and adds the counts it reports.
    fn suite(&mut self, name: &str, c: &mut Command) {
        let (ok, out) = run_capture(c);
        self.transcript.push_str(&out);
        let (passed, failed) = counts(&out);
        // A suite that failed without reporting a failed test still failed.
        let failed = if !ok && failed == 0 { 1 } else { failed };
        self.record(name, ok, passed, failed);
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
/// browsers' console log, screenshots) except the browser profile, which is the
/// storage a user chose: returns the files read and the keys found.
fn artifact_hits(dir: &std::path::Path) -> (usize, usize) {
    let mut todo = vec![dir.to_path_buf()];
    let (mut files, mut hits) = (0, 0);
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "chromium-profile") {
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
fn webdriver_json(dir: &std::path::Path) -> Result<std::path::PathBuf> {
    let profile = dir.join("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let json = format!(
        r#"{{"goog:chromeOptions": {{"binary": "/usr/bin/chromium", "args": [
  "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--no-first-run", "--disable-sync", "--disable-quic", "--user-data-dir={}"
]}}}}"#,
        profile.display()
    );
    let path = dir.join("webdriver.json");
    std::fs::write(&path, json).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs everything.
pub fn run() -> Result {
    setup::run()?;
    build::run()?;
    let mut t = Tally::default();
    println!("== checks");
    t.check("rustfmt", &mut cmd("cargo", &["fmt", "--all", "--check"]));
    t.check(
        "clippy (native)",
        &mut cmd(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    t.check(
        "clippy (wasm32)",
        &mut cmd(
            "cargo",
            &[
                "clippy",
                "-p",
                "anysolver-coordinates",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    let mut doc = cmd(
        "cargo",
        &[
            "doc",
            "--no-deps",
            "-p",
            "anysolver-coordinates",
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    doc.env("RUSTDOCFLAGS", "-D warnings");
    t.check("rustdoc (wasm32, warnings denied)", &mut doc);
    let size = crate::build::browser_size()?;
    println!(
        "size: {size} bytes gzipped ship to browsers (.wasm + JS glue); the budget is {}",
        crate::build::SIZE_BUDGET
    );
    t.record(
        "what ships to browsers is within the size budget",
        size <= crate::build::SIZE_BUDGET,
        1,
        u64::from(size > crate::build::SIZE_BUDGET),
    );
    let broken = crate::docs::broken_links(&root());
    for b in &broken {
        println!("broken link: {b}");
    }
    t.record(
        "every link and relative path in the docs resolves inside the repository",
        broken.is_empty(),
        1,
        u64::from(!broken.is_empty()),
    );
    println!("== native tests");
    t.suite(
        "native unit and integration tests",
        &mut cmd("cargo", &["test", "--workspace"]),
    );

    let artifacts = root().join("test-artifacts");
    std::fs::create_dir_all(&artifacts).map_err(|e| format!("creating test-artifacts/: {e}"))?;
    // The browsers' console log is appended to by every JS test: start afresh.
    let _ = std::fs::remove_file(artifacts.join("console.log"));
    let server = sandbox::start(&["--solve-delay-ms", "300"], &artifacts.join("sandbox.log"))?;
    let webdriver = webdriver_json(&artifacts)?;
    for (suite, what) in [
        ("web", "wasm-bindgen-test in headless Chromium (page)"),
        (
            "worker",
            "wasm-bindgen-test in headless Chromium (dedicated worker)",
        ),
        (
            "service_worker",
            "wasm-bindgen-test in headless Chromium (service worker)",
        ),
        (
            "memory",
            "wasm-bindgen-test in headless Chromium (wasm memory under screenshots of megabytes)",
        ),
        ("node", "wasm-bindgen-test in Node"),
    ] {
        println!("== {what}");
        let mut c = cmd(
            "cargo",
            &[
                "test",
                "--target",
                "wasm32-unknown-unknown",
                "-p",
                "anysolver-coordinates",
                "--features",
                crate::build::FEATURES,
                "--test",
                suite,
            ],
        );
        c.env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
        .env("SANDBOX_URL", &server.url);
        t.suite(what, &mut c);
    }
    println!("== JS tests");
    let mut c = cmd("node", &["--test", "--test-reporter=spec", "tests/js/"]);
    c.env("SANDBOX_URL", &server.url);
    t.suite("node --test", &mut c);
    drop(server);
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

#[cfg(test)]
mod tests {
    use super::counts;

    #[test]
    fn reads_both_runners() {
        let out = "test result: ok. 7 passed; 0 failed; 0 ignored\nℹ pass 3\nℹ fail 1\n\
                   test result: FAILED. 2 passed; 2 failed; 0 ignored";
        assert_eq!(counts(out), (12, 3));
    }
}
