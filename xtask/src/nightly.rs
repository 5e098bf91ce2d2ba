//! The nightly-only size levers, measured by `cargo xtask bench`
//! and not shipped: the browser build compiled by a pinned nightly that
//! rebuilds the standard library with the release profile
//! (`-Zbuild-std`), alone and with panics that abort at once, then passed
//! through the same wasm-bindgen, wasm-opt and terser steps as
//! `cargo xtask build`.

use crate::build::{FEATURES, OUT_NAME, finish, size_of};
use crate::util::{Result, cmd, exec, output, root};
use std::path::{Path, PathBuf};

/// The nightly the levers are measured with, pinned so that runs compare.
const NIGHTLY: &str = "nightly-2026-05-19";

/// One lever: what the table calls it, its rustc flags and the standard
/// library's features.
struct Lever {
    name: &'static str,
    rustflags: &'static str,
    std_features: &'static str,
}

/// Each row adds to the one before. None changes what the crate does:
/// the crate never panics on input or the network, so a panic's message
/// and location are never shown to a user in the first place.
const LEVERS: [Lever; 3] = [
    Lever {
        name: "`-Zbuild-std` (std built with the release profile: opt-level z, LTO, panic=abort)",
        rustflags: "",
        std_features: "",
    },
    Lever {
        name: "+ `-Cpanic=immediate-abort` (no panic messages)",
        rustflags: "-Zunstable-options -Cpanic=immediate-abort",
        std_features: "",
    },
    Lever {
        name: "+ `-Zlocation-detail=none` and std's `optimize_for_size`",
        rustflags: "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none",
        std_features: "optimize_for_size",
    },
];

/// The table of the levers beside `stable`, the gzipped size of what
/// ships, and the verdict against `goal`.
pub fn table(stable: u64, goal: u64) -> Result<String> {
    install()?;
    let version = output(&mut cmd("rustc", &[&format!("+{NIGHTLY}"), "-V"]))
        .unwrap_or_else(|| NIGHTLY.to_owned());
    let kb = |b: u64| b as f64 / 1024.0;
    let mut rows = format!(
        "Measured with {}, through the same wasm-bindgen, wasm-opt and terser steps; not shipped.\n\n\
         | browser build | gzipped bytes | KB | against what ships |\n|---|---:|---:|---:|\n\
         | stable (what `cargo xtask build` ships) | {stable} | {:.1} | |\n",
        version.trim(),
        kb(stable)
    );
    let mut best = stable;
    for (i, lever) in LEVERS.iter().enumerate() {
        let size = build(i, lever)?;
        best = best.min(size);
        rows.push_str(&format!(
            "| {} | {size} | {:.1} | {:+.1} % |\n",
            lever.name,
            kb(size),
            (size as f64 / stable as f64 - 1.0) * 100.0
        ));
    }
    let verdict = if best <= goal {
        "reaches the goal: issue 25 then asks for the nightly build to ship, with a stable build kept beside it"
    } else {
        "is still over it: issue 25 takes a nightly only as the last step to the goal, so `cargo xtask build` ships the stable build"
    };
    rows.push_str(&format!(
        "\nThe smallest, {:.1} KB against the goal of {:.0} KB, {verdict}.\n",
        kb(best),
        kb(goal)
    ));
    Ok(rows)
}

/// The raw wasm (before wasm-bindgen) of the smallest build, the one with
/// every lever.
pub fn smallest_wasm() -> PathBuf {
    wasm_of(&target_dir(LEVERS.len() - 1))
}

/// Where lever `index` builds.
fn target_dir(index: usize) -> PathBuf {
    root()
        .join("target")
        .join("nightly")
        .join(index.to_string())
}

/// The raw wasm cargo writes into `target_dir`.
fn wasm_of(target_dir: &Path) -> PathBuf {
    target_dir
        .join("wasm32-unknown-unknown/release")
        .join(format!("{OUT_NAME}.wasm"))
}

/// The pinned nightly with the standard library's source, unless there.
fn install() -> Result {
    let have = output(&mut cmd(
        "rustup",
        &["component", "list", "--installed", "--toolchain", NIGHTLY],
    ))
    .unwrap_or_default();
    if have.lines().any(|l| l.starts_with("rust-src")) {
        println!("bench: {NIGHTLY} with rust-src: already there, skipped");
        return Ok(());
    }
    exec(&mut cmd(
        "rustup",
        &[
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ],
    ))
}

/// The browser build with `lever`, in its own target directory (kept, so
/// a second bench rebuilds nothing), gzipped `.wasm` plus glue.
fn build(index: usize, lever: &Lever) -> Result<u64> {
    let dir = target_dir(index);
    let dir_arg = dir.to_string_lossy().into_owned();
    let mut args = vec![
        format!("+{NIGHTLY}"),
        "build".to_owned(),
        "--quiet".to_owned(),
        "--release".to_owned(),
        "--target".to_owned(),
        "wasm32-unknown-unknown".to_owned(),
        "-p".to_owned(),
        "anysolver-coordinates".to_owned(),
        "--features".to_owned(),
        FEATURES.to_owned(),
        "-Zbuild-std=std,panic_abort".to_owned(),
        "--target-dir".to_owned(),
        dir_arg,
    ];
    if !lever.std_features.is_empty() {
        args.push(format!("-Zbuild-std-features={}", lever.std_features));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut c = cmd("cargo", &args);
    c.env("RUSTFLAGS", lever.rustflags);
    exec(&mut c)?;
    let wasm = wasm_of(&dir);
    let out = dir.join("pkg");
    exec(&mut cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--out-dir",
            &out.to_string_lossy(),
            "--out-name",
            OUT_NAME,
            &wasm.to_string_lossy(),
        ],
    ))?;
    finish(&out, "esm", "-Oz")?;
    size_of(&out)
}
