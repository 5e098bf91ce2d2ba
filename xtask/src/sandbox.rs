//! Starting the sandbox server: for the demo in the foreground, for the
//! tests on a free loopback port, stopped when the guard is dropped.

use crate::util::{Result, cmd, exec, logged, root};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// A running sandbox, killed on drop.
#[derive(Debug)]
pub struct Sandbox {
    child: Child,
    /// Its base URL, e.g. `http://127.0.0.1:39211`.
    pub url: String,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Compiles the sandbox (what cargo prints goes to `target/xtask/`).
pub fn build() -> Result {
    logged(
        &mut cmd("cargo", &["build", "-p", "anysolver-sandbox"]),
        "compile-sandbox",
    )
}

fn binary() -> std::path::PathBuf {
    root()
        .join("target")
        .join("debug")
        .join("anysolver-sandbox")
}

/// Starts the sandbox on a free port with `extra` flags; its log goes to
/// `log` (a file), and the URL is read from its first line.
pub fn start(extra: &[&str], log: &std::path::Path) -> Result<Sandbox> {
    build()?;
    let log_file =
        std::fs::File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let mut args = vec!["--port", "0", "--www", "www", "--pkg", "pkg"];
    args.extend_from_slice(extra);
    let mut child = cmd(&binary().to_string_lossy(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file))
        .spawn()
        .map_err(|e| format!("starting the sandbox: {e}"))?;
    let stdout = child.stdout.take().ok_or("the sandbox has no stdout")?;
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .map_err(|e| format!("reading the sandbox's address: {e}"))?;
    let url = first
        .trim()
        .rsplit(' ')
        .next()
        .filter(|u| u.starts_with("http://"))
        .map(str::to_owned);
    match url {
        Some(url) => {
            println!("sandbox: {url} (log: {})", log.display());
            Ok(Sandbox { child, url })
        }
        None => {
            let _ = child.kill();
            Err(format!("the sandbox did not start: {first:?}"))
        }
    }
}

/// `cargo xtask demo`: serves the demo on 127.0.0.1:8080 until Ctrl-C.
pub fn demo() -> Result {
    build()?;
    println!("== demo: http://127.0.0.1:8080/  (Ctrl-C stops it)");
    exec(&mut cmd(
        &binary().to_string_lossy(),
        &["--port", "8080", "--www", "www", "--pkg", "pkg"],
    ))
}
