//! Project tasks, run as `cargo xtask <task>`:
//!
//! - `setup`: install what the build and the tests need, skipping what is there;
//! - `build`: the npm package into `pkg/`, optimised and smoke-tested;
//! - `demo`: build, then serve the demo against the sandbox on 127.0.0.1:8080;
//! - `test`: every check and test suite, ending with `N passed, M failed`;
//! - `api`: write the crate's public API to `tests/public-api.txt`;
//! - `bench`: the benchmarks, written to BENCHMARKS.md;
//! - `fuzz --seconds N`: the cargo-fuzz targets, written to RELIABILITY.md;
//! - `load`: 200 clients × 50 tasks against the sandbox, written to RELIABILITY.md.

mod api;
mod bench;
mod build;
mod docs;
mod fuzz;
mod imports;
mod load;
mod modules;
mod nightly;
mod sandbox;
mod setup;
mod test;
mod util;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <setup|build|demo|test|api|bench|fuzz|load>

  setup   install the wasm target, wasm-bindgen-cli, the npm
          dependencies (binaryen's wasm-opt among them), Chromium and its
          driver, Firefox ESR and geckodriver
  build   build the npm package into pkg/ and check that it loads
  demo    install what the demo needs, build the browser build, then serve
          the demo page against the sandbox on http://127.0.0.1:8080
          (Ctrl-C stops it)
  test    [NAME...] [--list] run every check and test suite, or only the
          named ones (a name before `:` names its group: `clippy`, `js`)
  api     write the crate's public API, one item a line, to
          tests/public-api.txt (`test` fails while they differ)
  bench   [distance] run the benchmarks and write BENCHMARKS.md (installs
          a pinned nightly with rust-src if missing, for the size levers);
          `distance` runs the section `Where users are` alone
  fuzz    [--seconds N] run each fuzz target N seconds (default 60) and
          write executions and crashes to RELIABILITY.md
  load    [--clients N] [--tasks M] N clients × M tasks (default 200 × 50)
          against the sandbox, written to RELIABILITY.md";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str);
    if let Err(e) = check_flags(task, args.get(1..).unwrap_or_default()) {
        eprintln!("xtask: {e}\n\n{USAGE}");
        return ExitCode::from(2);
    }
    let result = match task {
        Some("setup") => setup::run(),
        Some("build") => setup::build_tools().and_then(|()| build::run()),
        Some("demo") => demo(),
        Some("test") => test::run(args.get(1..).unwrap_or_default()),
        Some("api") => setup::wasm_target().and_then(|()| api::write()),
        Some("bench") => setup::run().and_then(|()| build::run()).and_then(|()| {
            match args.get(1).map(String::as_str) {
                Some("distance") => bench::distance(),
                _ => bench::run(),
            }
        }),
        Some("fuzz") => flag(&args, "--seconds", 60).and_then(fuzz::run),
        Some("load") => flag(&args, "--clients", 200)
            .and_then(|c| flag(&args, "--tasks", 50).map(|t| (c, t)))
            .and_then(|(clients, tasks)| load::run(clients, tasks)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask demo`: only what the demo serves, made side by side: the
/// tools and then the browser build on one thread, while the crate's wasm
/// and the sandbox compile on another.
fn demo() -> Result<(), String> {
    setup::wasm_target()?;
    util::both(
        || setup::build_tools().and_then(|()| build::browser()),
        || build::compile_browser().and_then(|()| sandbox::build()),
    )?;
    sandbox::demo()
}

/// Refuses flags the task does not take, and values without their flag:
/// a mistyped flag must not be ignored.
fn check_flags(task: Option<&str>, rest: &[String]) -> Result<(), String> {
    let known: &[&str] = match task {
        Some("fuzz") => &["--seconds"],
        Some("load") => &["--clients", "--tasks"],
        // `test` takes the names of suites and checks (`test::select`).
        Some("test") => return Ok(()),
        Some("bench") => &["distance"],
        _ => &[],
    };
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        if !known.contains(&word.as_str()) {
            return Err(format!(
                "`{}` does not take `{word}`",
                task.unwrap_or_default()
            ));
        }
        words.next();
    }
    Ok(())
}

/// The number after `name` on the command line, or `default`.
fn flag(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(default),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
    }
}

#[cfg(test)]
mod tests {
    use super::check_flags;

    #[test]
    fn unknown_flags_are_refused() {
        let v = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(check_flags(Some("fuzz"), &v(&["--seconds", "5"])).is_ok());
        assert!(check_flags(Some("demo"), &v(&["--seconds", "5"])).is_err());
        assert!(check_flags(Some("load"), &v(&["--clients", "3", "--task", "2"])).is_err());
        assert!(check_flags(Some("test"), &[]).is_ok());
    }
}
