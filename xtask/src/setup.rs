//! Installing what the build and the tests need, each step skipped when it
//! is already satisfied. Two sets, so that each command installs only what
//! it uses:
//!
//! - [`build_tools`], for `cargo xtask build` and `demo`: the wasm target,
//!   wasm-bindgen-cli (compiled while npm installs), node and npm, and the
//!   npm dependencies (binaryen's wasm-opt, esbuild and terser among
//!   them);
//! - [`browsers`], for the suites that need them: Debian's Chromium and
//!   its driver, Debian's Firefox ESR and geckodriver.
//!
//! The registries carry no binary of wasm-bindgen-cli or geckodriver for
//! this platform (geckodriver's npm packages download one from elsewhere
//! when installed), so they are compiled, with [`QUICK_BUILD`].

use crate::util::{Result, both, cmd, exec, logged, on_path, output, root};
use std::path::Path;
use std::time::Instant;

/// The binaryen release whose wasm-opt is used (pinned in package-lock.json).
const BINARYEN_VERSION: &str = "132";
/// The geckodriver release that drives Firefox ESR for wasm-bindgen-test.
const GECKODRIVER_VERSION: &str = "0.37.1";
/// Debian's Firefox ESR.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
/// Debian's Chromium and its driver.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's WebKitGTK WebDriver (package webkit2gtk-driver).
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
/// WebKitGTK's own browser, which the driver runs; it needs a display.
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
/// Runs a command with a virtual display (package xvfb).
pub const XVFB_RUN: &str = "/usr/bin/xvfb-run";

/// The release profile for the tools this project compiles: they run for
/// seconds, so a build that is quick to make beats a build that is quick to
/// run. Optimised a little ([`cargo_install`] takes the level): enough for
/// wasm-bindgen, which rewrites megabytes of wasm on every test run; a
/// driver that only relays WebDriver commands needs none.
const QUICK_BUILD: [(&str, &str); 4] = [
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "0"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false"),
];

/// Which browsers a run needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Browsers {
    /// Debian's Chromium and chromium-driver.
    pub chromium: bool,
    /// Debian's Firefox ESR and geckodriver.
    pub firefox: bool,
    /// Debian's WebKitGTK WebDriver and MiniBrowser, and Xvfb.
    pub webkit: bool,
}

/// `cargo xtask setup`: everything.
pub fn run() -> Result {
    both(build_tools, || {
        browsers(Browsers {
            chromium: true,
            firefox: true,
            webkit: true,
        })
    })
}

/// What building the package needs.
pub fn build_tools() -> Result {
    wasm_target()?;
    both(wasm_bindgen_cli, || {
        node().and_then(|()| npm_deps()).and_then(|()| wasm_opt())
    })
}

fn done(what: &str) {
    println!("setup: {what}: already there, skipped");
}

/// The wasm32-unknown-unknown target of rustup.
pub fn wasm_target() -> Result {
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

/// wasm-bindgen-cli without its default feature, TLS: its test runner
/// speaks only to the webdrivers on this machine, over plain HTTP.
fn wasm_bindgen_cli() -> Result {
    let want = wasm_bindgen_version()?;
    let extra_ok = on_path("wasm-bindgen-test-runner");
    cargo_install(
        "wasm-bindgen-cli",
        "wasm-bindgen",
        &want,
        extra_ok,
        "1",
        &["--no-default-features"],
    )
}

/// `cargo install --locked` of `krate` at exactly `version` with
/// [`QUICK_BUILD`] at `opt_level` and the `flags` given (features), unless
/// `bin --version` already reports it (and `extra_ok` holds). What cargo
/// prints goes to a log under `target/xtask/`, so that installs running
/// side by side stay readable.
pub fn cargo_install(
    krate: &str,
    bin: &str,
    version: &str,
    extra_ok: bool,
    opt_level: &str,
    flags: &[&str],
) -> Result {
    let have = output(&mut cmd(bin, &["--version"])).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version) && extra_ok {
        done(&format!("{krate} {version}"));
        return Ok(());
    }
    let started = Instant::now();
    let mut c = cmd(
        "cargo",
        &[
            "install",
            "--locked",
            "--force",
            "--version",
            version,
            krate,
        ],
    );
    c.args(flags)
        .envs(QUICK_BUILD)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level);
    logged(&mut c, &format!("install-{krate}"))?;
    println!(
        "setup: {krate} {version} installed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn apt_install(packages: &[&str]) -> Result {
    if !on_path("apt-get") && !Path::new("/usr/bin/apt-get").exists() {
        return Err(format!(
            "{} missing and apt-get is not available: install them with your system's package manager",
            packages.join(", ")
        ));
    }
    println!("setup: installing Debian's {}", packages.join(", "));
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
        logged(&mut c, &format!("apt-get-{}", args.first().unwrap_or(&"")))
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
    apt_install(&["nodejs", "npm"])
}

fn npm_deps() -> Result {
    npm_ci(&root(), "the npm dependencies")
}

/// The runtimes the runtime tests run the package in, beside Node (Deno,
/// Bun, workerd through miniflare): `tests/runtimes/`'s npm dependencies,
/// their binaries made executable (npm keeps no file modes).
pub fn runtimes() -> Result {
    let dir = root().join("tests").join("runtimes");
    npm_ci(&dir, "Deno, Bun and workerd (tests/runtimes)")?;
    for binary in RUNTIME_BINARIES {
        let path = dir.join("node_modules").join(binary);
        let mut mode = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
        std::fs::set_permissions(&path, mode).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The runtimes' binaries inside `tests/runtimes/node_modules`.
pub const RUNTIME_BINARIES: [&str; 2] =
    ["@deno/linux-x64-glibc/deno", "@oven/bun-linux-x64/bin/bun"];

/// `npm ci` in `dir`, unless its lockfile is the one last installed there.
fn npm_ci(dir: &std::path::Path, what: &str) -> Result {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules").join(".xtask-lock");
    let want = std::fs::read(&lock).map_err(|e| format!("reading {}: {e}", lock.display()))?;
    if std::fs::read(&stamp).is_ok_and(|have| have == want) {
        done(&format!("{what} (package-lock.json unchanged)"));
        return Ok(());
    }
    println!("setup: installing {what}");
    exec(cmd("npm", &["ci", "--no-audit", "--no-fund"]).current_dir(dir))?;
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

/// The browsers `which` names, and their drivers: Debian's packages in one
/// apt-get call, while geckodriver compiles.
pub fn browsers(which: Browsers) -> Result {
    let mut missing = Vec::new();
    if which.chromium {
        if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
            done("chromium and chromium-driver");
        } else {
            missing.extend(["chromium", "chromium-driver"]);
        }
    }
    if which.firefox {
        if Path::new(FIREFOX).exists() {
            done("firefox-esr");
        } else {
            missing.push("firefox-esr");
        }
    }
    if which.webkit {
        if [WEBKIT_DRIVER, MINIBROWSER, XVFB_RUN]
            .iter()
            .all(|p| Path::new(p).exists())
        {
            done("webkit2gtk-driver and xvfb");
        } else {
            missing.extend(["webkit2gtk-driver", "xvfb", "xauth"]);
        }
    }
    both(
        || {
            if missing.is_empty() {
                Ok(())
            } else {
                apt_install(&missing)
            }
        },
        || {
            if which.firefox {
                cargo_install(
                    "geckodriver",
                    "geckodriver",
                    GECKODRIVER_VERSION,
                    true,
                    "0",
                    &[],
                )
            } else {
                Ok(())
            }
        },
    )
}
