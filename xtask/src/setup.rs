//! `cargo xtask setup`: installs what the build and the tests need, each
//! step skipped when it is already satisfied: the wasm target,
//! wasm-bindgen-cli, wasm-pack, node and npm, the npm test dependencies
//! (binaryen's wasm-opt among them), Debian's Chromium and its driver, and
//! Debian's Firefox ESR and geckodriver.

use crate::util::{Result, cmd, exec, on_path, output, root};
use std::path::Path;

/// The wasm-pack release this project builds with.
const WASM_PACK_VERSION: &str = "0.15.1";
/// The binaryen release whose wasm-opt is used (pinned in package-lock.json).
const BINARYEN_VERSION: &str = "132";
/// The geckodriver release that drives Firefox ESR for wasm-bindgen-test.
const GECKODRIVER_VERSION: &str = "0.37.1";
/// Debian's Firefox ESR.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";

/// Runs every setup step.
pub fn run() -> Result {
    println!("== setup");
    wasm_target()?;
    wasm_bindgen_cli()?;
    wasm_pack()?;
    node()?;
    npm_deps()?;
    wasm_opt()?;
    chromium()?;
    firefox()?;
    println!("== setup done");
    Ok(())
}

fn done(what: &str) {
    println!("setup: {what}: already there, skipped");
}

fn wasm_target() -> Result {
    let installed =
        output(&mut cmd("rustup", &["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        done("wasm32-unknown-unknown target");
        return Ok(());
    }
    println!("setup: adding the wasm32-unknown-unknown target");
    exec(&mut cmd(
        "rustup",
        &["target", "add", "wasm32-unknown-unknown"],
    ))
}

/// The exact wasm-bindgen version the lockfile pins.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(v.to_owned());
        }
    }
    Err("Cargo.lock does not pin wasm-bindgen".to_owned())
}

fn wasm_bindgen_cli() -> Result {
    let want = wasm_bindgen_version()?;
    let extra_ok = on_path("wasm-bindgen-test-runner");
    cargo_install("wasm-bindgen-cli", "wasm-bindgen", &want, extra_ok)
}

fn wasm_pack() -> Result {
    cargo_install("wasm-pack", "wasm-pack", WASM_PACK_VERSION, true)
}

/// `cargo install --locked` of `krate` at exactly `version`, unless `bin
/// --version` already reports it (and `extra_ok` holds).
pub fn cargo_install(krate: &str, bin: &str, version: &str, extra_ok: bool) -> Result {
    let have = output(&mut cmd(bin, &["--version"])).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version) && extra_ok {
        done(&format!("{krate} {version}"));
        return Ok(());
    }
    println!("setup: installing {krate} {version} (a few minutes)");
    exec(&mut cmd(
        "cargo",
        &[
            "install",
            "--locked",
            "--force",
            "--version",
            version,
            krate,
        ],
    ))
}

fn apt_install(packages: &[&str]) -> Result {
    if !on_path("apt-get") && !Path::new("/usr/bin/apt-get").exists() {
        return Err(format!(
            "{} missing and apt-get is not available: install them with your system's package manager",
            packages.join(", ")
        ));
    }
    let sudo = output(&mut cmd("id", &["-u"])).as_deref() != Some("0");
    let apt = |args: &[&str]| {
        let mut full: Vec<&str> = Vec::new();
        if sudo {
            full.push("apt-get");
        }
        full.extend_from_slice(args);
        let program = if sudo { "sudo" } else { "apt-get" };
        let mut c = cmd(program, &full);
        c.env("DEBIAN_FRONTEND", "noninteractive");
        exec(&mut c)
    };
    apt(&["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}

fn node() -> Result {
    if on_path("node") && on_path("npm") {
        done("node and npm");
        return Ok(());
    }
    println!("setup: installing node and npm");
    apt_install(&["nodejs", "npm"])
}

fn npm_deps() -> Result {
    let lock = root().join("package-lock.json");
    let stamp = root().join("node_modules").join(".xtask-lock");
    let want = std::fs::read(&lock).map_err(|e| format!("reading package-lock.json: {e}"))?;
    if std::fs::read(&stamp).is_ok_and(|have| have == want) {
        done("npm test dependencies (package-lock.json unchanged)");
        return Ok(());
    }
    println!("setup: installing the npm test dependencies");
    exec(&mut cmd("npm", &["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp, want).map_err(|e| format!("writing {}: {e}", stamp.display()))
}

fn wasm_opt() -> Result {
    let path = root().join("node_modules").join(".bin").join("wasm-opt");
    let version = output(&mut cmd(&path.to_string_lossy(), &["--version"])).unwrap_or_default();
    if version.contains(&format!("version {BINARYEN_VERSION}")) {
        println!(
            "setup: wasm-opt: binaryen {BINARYEN_VERSION} from node_modules (Debian's /usr/bin/wasm-opt is never used)"
        );
        Ok(())
    } else {
        Err(format!(
            "node_modules/.bin/wasm-opt is not binaryen {BINARYEN_VERSION} (got {version:?}); run `npm ci`"
        ))
    }
}

fn chromium() -> Result {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        done("chromium and chromium-driver");
        return Ok(());
    }
    println!("setup: installing Debian's chromium and chromium-driver");
    apt_install(&["chromium", "chromium-driver"])
}

fn firefox() -> Result {
    if Path::new(FIREFOX).exists() {
        done("firefox-esr");
    } else {
        println!("setup: installing Debian's firefox-esr");
        apt_install(&["firefox-esr"])?;
    }
    cargo_install("geckodriver", "geckodriver", GECKODRIVER_VERSION, true)
}
