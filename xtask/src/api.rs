//! The crate's public API as a listing, one line per item, as docs.rs
//! documents it (wasm32, every feature; blanket impls and the hidden
//! `__private` module left out): written by `cargo xtask api` to
//! `tests/public-api.txt`, and compared with that file by `cargo xtask
//! test`, so that every change to the API is a visible diff.
//!
//! The listing comes from rustdoc's JSON output read by the `public-api`
//! crate. That output is unstable: the stable toolchain writes it with
//! `RUSTC_BOOTSTRAP=1`, and the pinned `public-api` reads the format
//! version of one toolchain, the one the listing's first line names. With
//! another toolchain the comparison is skipped, saying so.

use crate::util::{Result, cmd, exec, output, root};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Where the committed listing lives.
pub const LISTING: &str = "tests/public-api.txt";

/// The toolchain the listing is made with, as `rustc -V` names it.
fn toolchain() -> Result<String> {
    output(&mut cmd("rustc", &["-V"]))
        .map(|v| format!("# {}", v.trim()))
        .ok_or_else(|| "rustc -V failed".to_owned())
}

/// Where cargo writes: `cargo metadata`'s target directory.
fn target_dir() -> Result<PathBuf> {
    crate::util::cargo_metadata(&["--no-deps"])?
        .get("target_directory")
        .and_then(serde_json::Value::as_str)
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata names no target directory".to_owned())
}

/// The crate's public API now: the toolchain's line, then one item a
/// line, sorted.
pub fn listing() -> Result<String> {
    let json = target_dir()?
        .join("wasm32-unknown-unknown")
        .join("doc")
        .join("anysolver_coordinates.json");
    // Never read a listing an earlier run left.
    let _ = std::fs::remove_file(&json);
    let mut doc = cmd(
        "cargo",
        &[
            "rustdoc",
            "-q",
            "-p",
            "anysolver-coordinates",
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--all-features",
            "--",
            "-Zunstable-options",
            "--output-format",
            "json",
        ],
    );
    doc.env("RUSTC_BOOTSTRAP", "1");
    exec(&mut doc)?;
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .build()
        .map_err(|e| {
            format!(
                "reading {}: {e} (the pinned public-api crate reads one rustdoc \
                 JSON format version; a new toolchain needs its matching release)",
                json.display()
            )
        })?;
    // `__private` is hidden and outside semver (`src/lib.rs`).
    let items: String = api
        .items()
        .map(|item| item.to_string())
        .filter(|line| !line.contains("anysolver_coordinates::__private"))
        .map(|line| line + "\n")
        .collect();
    Ok(format!("{}\n{items}", toolchain()?))
}

/// `cargo xtask api`: writes the listing to [`LISTING`].
pub fn write() -> Result {
    let path = root().join(LISTING);
    std::fs::write(&path, listing()?).map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("public API: {LISTING} written");
    Ok(())
}

/// How the API now differs from the committed listing: a line for each
/// item added (`+`) or removed (`-`), empty when they agree.
pub fn changes() -> Result<Vec<String>> {
    let path = root().join(LISTING);
    let committed =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let made_with = committed.lines().next().unwrap_or_default();
    let this = toolchain()?;
    if made_with != this {
        println!(
            "public API: not compared: {LISTING} was made with `{}`, this is `{}`",
            made_with.trim_start_matches("# "),
            this.trim_start_matches("# ")
        );
        return Ok(Vec::new());
    }
    let now = listing()?;
    let before: BTreeSet<&str> = committed.lines().collect();
    let after: BTreeSet<&str> = now.lines().collect();
    let mut changes: Vec<String> = after
        .difference(&before)
        .map(|l| format!("+ {l}"))
        .collect();
    changes.extend(before.difference(&after).map(|l| format!("- {l}")));
    if !changes.is_empty() {
        changes.push(format!(
            "the public API differs from {LISTING}: if the change is meant, run `cargo xtask api` and commit the file"
        ));
    }
    Ok(changes)
}
