//! `cargo xtask build`: the npm package into `pkg/`, optimised with
//! binaryen's wasm-opt, then loaded in Node as a smoke check.

use crate::util::{Result, cmd, exec, root};
use std::fs;

/// The file stem wasm-pack writes.
pub const OUT_NAME: &str = "anysolver_coordinates";

/// Builds `pkg/`.
pub fn run() -> Result {
    println!("== build");
    let pkg = root().join("pkg");
    exec(&mut cmd(
        "wasm-pack",
        &[
            "build",
            "--mode",
            "no-install",
            "--release",
            "--target",
            "web",
            "--out-dir",
            "pkg",
            "--out-name",
            OUT_NAME,
            "--no-pack",
        ],
    ))?;
    let wasm = pkg.join(format!("{OUT_NAME}_bg.wasm"));
    let wasm_s = wasm.to_string_lossy().into_owned();
    // Only binaryen from node_modules: Debian's /usr/bin/wasm-opt corrupts
    // wasm-bindgen output.
    let wasm_opt = root().join("node_modules").join(".bin").join("wasm-opt");
    exec(&mut cmd(
        &wasm_opt.to_string_lossy(),
        &[
            "-Oz",
            "--strip-debug",
            "--strip-producers",
            &wasm_s,
            "-o",
            &wasm_s,
        ],
    ))?;
    package_files()?;
    exec(&mut cmd("node", &["tests/js/smoke.mjs"]))?;
    println!("== build done: pkg/");
    Ok(())
}

/// Writes `pkg/package.json` (the template with the crate's version) and
/// the npm README.
fn package_files() -> Result {
    let root = root();
    let manifest = fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("reading Cargo.toml: {e}"))?;
    let version = manifest
        .split("[package]")
        .nth(1)
        .and_then(|pkg| {
            pkg.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("version = \"")
                    .and_then(|v| v.strip_suffix('"'))
            })
        })
        .ok_or("Cargo.toml has no [package] version")?;
    let template = fs::read_to_string(root.join("pkg-template/package.json"))
        .map_err(|e| format!("reading pkg-template/package.json: {e}"))?;
    let json = template.replace(
        "\"version\": \"0.0.0\"",
        &format!("\"version\": \"{version}\""),
    );
    let pkg = root.join("pkg");
    fs::write(pkg.join("package.json"), json)
        .map_err(|e| format!("writing pkg/package.json: {e}"))?;
    fs::copy(root.join("pkg-template/README.md"), pkg.join("README.md"))
        .map_err(|e| format!("copying the npm README: {e}"))?;
    let _ = fs::remove_file(pkg.join(".gitignore"));
    Ok(())
}
