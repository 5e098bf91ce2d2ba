//! Running commands: from the workspace root, with the tools this project
//! installs first on PATH, echoing what runs.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;

/// Errors of xtask: a message for the user.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root.
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

/// `cargo metadata --format-version 1 ARGS`, parsed.
pub fn cargo_metadata(args: &[&str]) -> Result<serde_json::Value> {
    let mut all = vec!["metadata", "--format-version", "1"];
    all.extend_from_slice(args);
    let meta = output(&mut cmd("cargo", &all)).ok_or("cargo metadata failed")?;
    serde_json::from_str(&meta).map_err(|e| format!("cargo metadata's JSON: {e}"))
}

/// Cargo's home: its registry and the binaries it installs.
pub fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// Where cargo installs binaries.
pub fn cargo_bin() -> PathBuf {
    cargo_home().join("bin")
}

/// PATH with node_modules/.bin (binaryen's wasm-opt) and cargo's bin first,
/// so Debian's broken /usr/bin/wasm-opt is never found first.
pub fn path_env() -> OsString {
    let mut dirs = vec![root().join("node_modules").join(".bin"), cargo_bin()];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// A command run from the workspace root with [`path_env`].
pub fn cmd(program: &str, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args).current_dir(root()).env("PATH", path_env());
    c
}

fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `c`, streaming its output; `Err` if it fails.
pub fn exec(c: &mut Command) -> Result {
    let what = describe(c);
    println!("$ {what}");
    let status = c
        .status()
        .map_err(|e| format!("could not start `{what}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{what}` failed ({status})"))
    }
}

/// Runs `c`, streaming its output and keeping a copy; the bool is success.
pub fn run_capture(c: &mut Command) -> (bool, String) {
    let what = describe(c);
    println!("$ {what}");
    let mut child = match c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => return (false, format!("could not start `{what}`: {e}")),
    };
    let (tx, rx) = mpsc::channel::<(bool, String)>();
    let pump =
        |stream: Option<Box<dyn Read + Send>>, is_err: bool, tx: mpsc::Sender<(bool, String)>| {
            std::thread::spawn(move || {
                if let Some(s) = stream {
                    for line in BufReader::new(s).lines().map_while(std::result::Result::ok) {
                        let _ = tx.send((is_err, line));
                    }
                }
            })
        };
    let out = pump(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        false,
        tx.clone(),
    );
    let err = pump(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        true,
        tx,
    );
    let mut captured = String::new();
    for (is_err, line) in rx {
        if is_err {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
        captured.push_str(&line);
        captured.push('\n');
    }
    let _ = out.join();
    let _ = err.join();
    let ok = child.wait().is_ok_and(|s| s.success());
    (ok, captured)
}

/// Runs `c` without echoing anything; the bool is success, the string its
/// stdout then its stderr (for lanes of suites that run at once).
pub fn run_quiet(c: &mut Command) -> (bool, String) {
    let what = describe(c);
    match c.stdin(Stdio::null()).output() {
        Ok(o) => {
            let mut text = format!("$ {what}\n");
            text.push_str(&String::from_utf8_lossy(&o.stdout));
            text.push_str(&String::from_utf8_lossy(&o.stderr));
            (o.status.success(), text)
        }
        Err(e) => (false, format!("could not start `{what}`: {e}")),
    }
}

/// The trimmed stdout of `c`, or `None` if it cannot run or fails.
pub fn output(c: &mut Command) -> Option<String> {
    let o = c.stderr(Stdio::null()).output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}

/// Whether `program` can be found on [`path_env`].
pub fn on_path(program: &str) -> bool {
    std::env::split_paths(&path_env()).any(|d| d.join(program).is_file())
}

/// "Measured <date> on <cpu> (<n> cores)", for reports.
pub fn measured_on() -> String {
    let date = output(&mut cmd("date", &["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    format!("Measured {date} on {cpu} ({cores} cores)")
}

/// Replaces the `name` section of RELIABILITY.md (between
/// `<!-- name:begin -->` and `<!-- name:end -->`) with `body`, leaving the
/// rest of the file as it is.
pub fn write_reliability_section(name: &str, body: &str) -> Result {
    write_section("RELIABILITY.md", name, body)
}

/// Replaces the `name` section of the repository's file `doc` (between
/// `<!-- name:begin -->` and `<!-- name:end -->`) with `body`.
pub fn write_section(doc: &str, name: &str, body: &str) -> Result {
    let path = root().join(doc);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {doc}: {e}"))?;
    let (begin, end) = (
        format!("<!-- {name}:begin -->"),
        format!("<!-- {name}:end -->"),
    );
    let (head, rest) = text
        .split_once(&begin)
        .ok_or_else(|| format!("{doc} has no {begin}"))?;
    let (_, tail) = rest
        .split_once(&end)
        .ok_or_else(|| format!("{doc} has no {end}"))?;
    std::fs::write(
        &path,
        format!("{head}{begin}\n{}\n{end}{tail}", body.trim()),
    )
    .map_err(|e| format!("writing {doc}: {e}"))
}

/// Runs `a` and `b` at once, each on its own thread; both errors are kept.
pub fn both<A, B>(a: A, b: B) -> Result
where
    A: FnOnce() -> Result + Send,
    B: FnOnce() -> Result + Send,
{
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        (a.join(), b)
    });
    let a = a.unwrap_or_else(|_| Err("a step panicked".to_owned()));
    match (a, b) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        (Err(a), Err(b)) => Err(format!("{a}; {b}")),
    }
}

/// Runs `c` with what it prints written to `target/xtask/<name>.log`
/// instead of the terminal (for steps that run beside others); on failure
/// the error holds the log's last lines.
pub fn logged(c: &mut Command, name: &str) -> Result {
    const TAIL: usize = 40;
    let what = describe(c);
    let dir = root().join("target").join("xtask");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let log = dir.join(format!("{name}.log"));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    println!("$ {what}  (log: {})", log.display());
    let status = c
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .status()
        .map_err(|e| format!("could not start `{what}`: {e}"))?;
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines
        .get(lines.len().saturating_sub(TAIL)..)
        .unwrap_or_default()
        .join("\n");
    Err(format!(
        "`{what}` failed ({status}); the end of {}:\n{tail}",
        log.display()
    ))
}
