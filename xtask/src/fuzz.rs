//! `cargo xtask fuzz --seconds N`: runs each cargo-fuzz target (native,
//! nightly with libFuzzer) for N seconds and writes executions and crashes
//! to RELIABILITY.md. Installs the nightly toolchain and cargo-fuzz when
//! they are missing.

use crate::setup::cargo_install;
use crate::util::{
    Result, cmd, exec, measured_on, output, root, run_capture, write_reliability_section,
};

/// The targets in `fuzz/fuzz_targets/`, with what each one feeds.
const TARGETS: [(&str, &str); 4] = [
    (
        "response",
        "any bytes as an API answer: envelope, task id, balance, poll, points",
    ),
    (
        "image_string",
        "any text as base64 or a data URL, round-tripped",
    ),
    ("sniff", "any bytes as an image header"),
    (
        "codec",
        "any bytes as an image for the Node build's codec: decoded, turned, shrunk, encoded",
    ),
];

/// The cargo-fuzz release used.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// Runs every target for `seconds` each.
pub fn run(seconds: u64) -> Result {
    let toolchains = output(&mut cmd("rustup", &["toolchain", "list"])).unwrap_or_default();
    if toolchains.lines().any(|l| l.starts_with("nightly")) {
        println!("fuzz: nightly toolchain: already there, skipped");
    } else {
        exec(&mut cmd(
            "rustup",
            &["toolchain", "install", "nightly", "--profile", "minimal"],
        ))?;
    }
    cargo_install(
        "cargo-fuzz",
        "cargo-fuzz",
        CARGO_FUZZ_VERSION,
        true,
        "1",
        &[],
    )?;
    let mut rows = Vec::new();
    let mut crashed = Vec::new();
    for (target, feeds) in TARGETS {
        println!("== fuzz: {target} for {seconds} s");
        let time = format!("-max_total_time={seconds}");
        let mut c = cmd(
            "cargo",
            &[
                "+nightly",
                "fuzz",
                "run",
                "--fuzz-dir",
                "fuzz",
                target,
                "--",
                &time,
                "-print_final_stats=1",
            ],
        );
        c.current_dir(root());
        let (ok, out) = run_capture(&mut c);
        let runs = stat(&out, "stat::number_of_executed_units").unwrap_or(0);
        let crashes = u64::from(!ok);
        if !ok {
            crashed.push(target);
        }
        rows.push(format!(
            "| `{target}` | {feeds} | {seconds} s | {runs} | {crashes} |"
        ));
    }
    let body = format!(
        "{} with `cargo xtask fuzz --seconds {seconds}`.\n\n\
         | target | input | time | executions | crashes |\n|---|---|---:|---:|---:|\n{}\n\n\
         A crash stops its target and leaves the input in `fuzz/artifacts/<target>/`.",
        measured_on(),
        rows.join("\n")
    );
    write_reliability_section("fuzz", &body)?;
    println!("{body}");
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crashes in {}: see fuzz/artifacts/",
            crashed.join(", ")
        ))
    }
}

/// The number after `name:` in libFuzzer's final stats.
fn stat(out: &str, name: &str) -> Option<u64> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix(name))
        .and_then(|rest| rest.trim_start_matches(':').trim().parse().ok())
}
