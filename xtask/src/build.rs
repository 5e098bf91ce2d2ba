//! `cargo xtask build`: the npm package into `pkg/`, from two builds of the
//! crate: the browser build (ESM, for browsers, workers and bundlers;
//! optimised for size) and the Node build (with the `codec` feature, whose
//! pure-Rust image codec stands in for the canvas Node lacks; optimised for
//! speed), as ESM in `pkg/node/` and CommonJS in `pkg/cjs/`. Optimised with
//! binaryen's wasm-opt, loaded in Node as a smoke check, and packed into
//! `target/npm/`.

use crate::util::{Result, both, cmd, exec, logged, output, root};
use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// The file stem of every build's `.wasm` and JS glue.
pub const OUT_NAME: &str = "anysolver_coordinates";

/// The crate features of the browser build (and of the browser's wasm test
/// suites, so that they run what ships).
pub const FEATURES: &str = "small-allocator";

/// The crate features of the Node build (and of the Node wasm test suite).
pub const NODE_FEATURES: &str = "small-allocator,codec";

/// Builds `pkg/` and the tarball: both builds side by side, the package
/// files, the smoke check, the tarball and the example extension.
pub fn run() -> Result {
    println!("== build");
    both(browser_build, node_build)?;
    package_files()?;
    smoke(&["browser", "node"])?;
    pack()?;
    extension()?;
    println!("== build done: pkg/, target/npm/ and target/extension/");
    Ok(())
}

/// The browser build alone, into `pkg/`, smoke-checked: what the demo
/// serves.
pub fn browser() -> Result {
    println!("== build (browser)");
    browser_build()?;
    smoke(&["browser"])?;
    println!("== build done: pkg/ (the browser build)");
    Ok(())
}

/// `cargo build` of the browser build's wasm: the size-optimised release
/// profile with the browser build's features.
pub fn compile_browser() -> Result {
    let mut c = cmd(
        "cargo",
        &[
            "build",
            "--lib",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            FEATURES,
        ],
    );
    c.env("CARGO_ENCODED_RUSTFLAGS", short_paths()?);
    logged(&mut c, "compile-browser")
}

/// The caller's Rust flags, and flags that write no directory into the
/// source paths a panic location names: each package's files are named
/// from its own root (`src/lib.rs`), so that what ships names no
/// directory of the machine that built it, and packages share names. (A
/// panic's message is never shown: panics abort, and nothing prints them
/// in wasm.) Encoded as cargo reads `CARGO_ENCODED_RUSTFLAGS` (separated
/// by 0x1f), so that a path may hold spaces.
fn short_paths() -> Result<String> {
    let mut flags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        Ok(encoded) if !encoded.is_empty() => encoded.split('\x1f').map(str::to_owned).collect(),
        _ => std::env::var("RUSTFLAGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    };
    let meta = crate::util::cargo_metadata(&["--filter-platform", "wasm32-unknown-unknown"])?;
    let packages = meta
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for manifest in packages
        .iter()
        .filter_map(|p| p.get("manifest_path")?.as_str())
    {
        if let Some(dir) = Path::new(manifest).parent() {
            flags.push(format!("--remap-path-prefix={}=", dir.display()));
        }
    }
    Ok(flags.join("\x1f"))
}

/// The browser build (ESM, for browsers, workers and bundlers), optimised
/// for size, into `pkg/`.
fn browser_build() -> Result {
    compile_browser()?;
    bindgen("release", &[("web", "pkg", "esm", "-Oz")])
}

/// The Node build: the codec, optimised for speed (the `node` profile), as
/// ESM for node.mjs in `pkg/node/` and as CommonJS for `require()` in
/// `pkg/cjs/`.
fn node_build() -> Result {
    let mut c = cmd(
        "cargo",
        &[
            "build",
            "--lib",
            "--profile",
            "node",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            NODE_FEATURES,
        ],
    );
    c.env("CARGO_ENCODED_RUSTFLAGS", short_paths()?);
    logged(&mut c, "compile-node")?;
    bindgen(
        "node",
        &[
            ("web", "pkg/node", "esm", "-O3"),
            ("nodejs", "pkg/cjs", "cjs", "-O3"),
        ],
    )
}

/// wasm-bindgen on the wasm cargo compiled with `profile`, once for each
/// `(wasm-bindgen target, folder, glue format, wasm-opt level)`, each
/// output [`finish`]ed, all side by side (wasm-opt and terser use one core
/// each).
fn bindgen(profile: &str, outputs: &[(&str, &str, &str, &str)]) -> Result {
    let compiled = root()
        .join("target/wasm32-unknown-unknown")
        .join(profile)
        .join(format!("{OUT_NAME}.wasm"));
    let one = |(target, dir, format, level): &(&str, &str, &str, &str)| {
        let out = root().join(dir);
        let stamp = Stamp::of(&compiled, &[target, format, level])?;
        if stamp.matches(&out) {
            println!("build: {dir}: made from this wasm already, kept");
            return Ok(());
        }
        exec(&mut cmd(
            "wasm-bindgen",
            &[
                "--target",
                target,
                "--out-dir",
                dir,
                "--out-name",
                OUT_NAME,
                &compiled.to_string_lossy(),
            ],
        ))?;
        finish(&out, format, level)?;
        stamp.write(&out)
    };
    match outputs {
        [] => Ok(()),
        [first, rest @ ..] => both(|| one(first), || bindgen(profile, rest)),
    }
}

/// What a build folder was made from: the compiled wasm, how it was
/// bound and finished, and this xtask (whose code finishes it). A folder
/// whose stamp matches is not made again.
struct Stamp(String);

impl Stamp {
    fn of(wasm: &Path, how: &[&str]) -> Result<Self> {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        fs::read(wasm)
            .map_err(|e| format!("{}: {e}", wasm.display()))?
            .hash(&mut h);
        how.hash(&mut h);
        std::env::current_exe()
            .and_then(fs::metadata)
            .and_then(|m| m.modified())
            .map_err(|e| format!("reading xtask's own file: {e}"))?
            .hash(&mut h);
        Ok(Self(format!("{:016x}", h.finish())))
    }

    fn path(dir: &Path) -> std::path::PathBuf {
        dir.join(".xtask-stamp")
    }

    /// Whether `dir` holds a build made the same way, whole.
    fn matches(&self, dir: &Path) -> bool {
        fs::read_to_string(Self::path(dir)).is_ok_and(|s| s == self.0)
            && [format!("{OUT_NAME}.js"), format!("{OUT_NAME}_bg.wasm")]
                .iter()
                .all(|f| dir.join(f).is_file())
    }

    fn write(&self, dir: &Path) -> Result {
        fs::write(Self::path(dir), &self.0)
            .map_err(|e| format!("writing a stamp in {}: {e}", dir.display()))
    }
}

/// `tests/js/smoke.mjs` on the named builds (`browser`, `node`).
fn smoke(builds: &[&str]) -> Result {
    let mut args = vec!["tests/js/smoke.mjs"];
    args.extend_from_slice(builds);
    exec(&mut cmd("node", &args))
}

/// Assembles the example extension with the built package into
/// target/extension/, ready for "Load unpacked".
fn extension() -> Result {
    let out = root().join("target").join("extension");
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(out.join("pkg")).map_err(|e| format!("creating target/extension: {e}"))?;
    let copy = |from: &Path, to: &Path| {
        fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| format!("copying {}: {e}", from.display()))
    };
    let src = root().join("examples").join("extension");
    for entry in fs::read_dir(&src).map_err(|e| format!("reading {}: {e}", src.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_file() {
            copy(&path, &out.join(path.file_name().unwrap_or_default()))?;
        }
    }
    for file in [format!("{OUT_NAME}.js"), format!("{OUT_NAME}_bg.wasm")] {
        copy(
            &root().join("pkg").join(&file),
            &out.join("pkg").join(&file),
        )?;
    }
    // The package's layout reader, for content scripts (classic scripts,
    // no wasm): the same module, as a script that sets `anysolverLayout`.
    let esbuild = root().join("node_modules").join(".bin").join("esbuild");
    exec(&mut cmd(
        &esbuild.to_string_lossy(),
        &[
            &root().join("pkg").join("layout.js").to_string_lossy(),
            "--bundle",
            "--format=iife",
            "--global-name=anysolverLayout",
            "--log-level=warning",
            &format!("--outfile={}", out.join("layout.js").display()),
        ],
    ))?;
    println!("extension: target/extension/ (chrome://extensions → Load unpacked)");
    Ok(())
}

/// The build in `dir` as it ships: its wasm optimised at `level`
/// ([`optimise`]), its glue (`format`: "esm" or "cjs") minified
/// ([`compact_glue`]), and the wasm's imports given the glue's short names
/// ([`crate::imports`]).
pub fn finish(dir: &Path, format: &str, level: &str) -> Result {
    let wasm = dir.join(format!("{OUT_NAME}_bg.wasm"));
    optimise(&wasm, level)?;
    let imports = crate::imports::names(&wasm)?;
    let short = compact_glue(&dir.join(format!("{OUT_NAME}.js")), format, &imports)?;
    crate::imports::rename(&wasm, &short)
}

/// The JS glue minified by terser (pinned in package-lock.json): white
/// space and syntax compacted, local variables and parameters renamed.
/// Every class and function keeps its name (`keep_classnames`,
/// `keep_fnames`), so stack traces, `console.log(client)` and
/// `constructor.name` still read `CoordinatesClient`; those names cost
/// little, and are what a caller debugging the package sees.
///
/// The keys of the glue's import object, exactly the names in `imports`
/// (wasm-bindgen's, each with a hash of 16 hex digits that does not
/// compress), are renamed as properties; the answer maps each to its new
/// name, for the wasm.
pub fn compact_glue(
    js: &Path,
    format: &str,
    imports: &[String],
) -> Result<HashMap<String, String>> {
    let escaped: Vec<String> = imports
        .iter()
        .map(|name| {
            name.chars()
                .flat_map(|c| {
                    let escape = !(c.is_ascii_alphanumeric() || c == '_');
                    escape.then_some('\\').into_iter().chain([c])
                })
                .collect()
        })
        .collect();
    let options = serde_json::json!({
        "compress": {},
        "mangle": {
            "keep_classnames": true,
            "keep_fnames": true,
            "properties": { "regex": format!("^(?:{})$", escaped.join("|")) },
        },
        // An ES module's top-level names are its own to rename; a CommonJS
        // file's are left as they are.
        "module": format == "esm",
    });
    let dir = root().join("target").join("glue");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // Named for the build's folder too: builds are finished side by side.
    let build = js
        .parent()
        .and_then(Path::file_name)
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let config = dir.join(format!("{build}-{format}-options.json"));
    let cache = dir.join(format!("{build}-{format}-names.json"));
    let _ = fs::remove_file(&cache);
    fs::write(&config, options.to_string())
        .map_err(|e| format!("writing {}: {e}", config.display()))?;
    let terser = root().join("node_modules").join(".bin").join("terser");
    let js = js.to_string_lossy();
    exec(&mut cmd(
        &terser.to_string_lossy(),
        &[
            js.as_ref(),
            "--config-file",
            &config.to_string_lossy(),
            "--name-cache",
            &cache.to_string_lossy(),
            "--output",
            js.as_ref(),
        ],
    ))?;
    let names: serde_json::Value = serde_json::from_slice(
        &fs::read(&cache).map_err(|e| format!("reading {}: {e}", cache.display()))?,
    )
    .map_err(|e| format!("{}: {e}", cache.display()))?;
    let renamed = names
        .pointer("/props/props")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| format!("{} holds no property names", cache.display()))?;
    // terser's cache keys each name with a `$` in front.
    Ok(renamed
        .iter()
        .filter_map(|(old, new)| {
            Some((old.strip_prefix('$')?.to_owned(), new.as_str()?.to_owned()))
        })
        .collect())
}

/// `wasm-opt` at `level` (`-Oz` for browsers, `-O3` for Node) with
/// binaryen from node_modules only: Debian's
/// /usr/bin/wasm-opt corrupts wasm-bindgen output. `--low-memory-unused`
/// holds for rustc's wasm32 layout (data from 1 MiB up, the stack below it
/// growing down: only a stack about to overflow reaches the first KiB),
/// and lets binaryen fold constant addresses into loads and stores.
/// `--ignore-implicit-traps` holds for Rust's output too: a load or store
/// out of bounds, a division by zero or an out-of-range float conversion
/// cannot happen in safe Rust (rustc checks and panics explicitly, and a
/// panic is an explicit `unreachable`), so binaryen may move and drop
/// loads whose trap was the only effect. The custom sections no engine
/// reads go: debug names, the producers and the target features (which
/// wasm-bindgen has read by then).
pub fn optimise(wasm: &Path, level: &str) -> Result {
    run_wasm_opt(
        wasm,
        wasm,
        level,
        &[
            "--strip-debug",
            "--strip-producers",
            "--strip-target-features",
        ],
    )
}

/// The same optimisation as [`optimise`] into `out`, with the function
/// names kept (`-g`), for twiggy to say what ships.
pub fn optimise_named(wasm: &Path, out: &Path, level: &str) -> Result {
    run_wasm_opt(wasm, out, level, &["-g"])
}

fn run_wasm_opt(wasm: &Path, out: &Path, level: &str, keep: &[&str]) -> Result {
    let wasm_opt = root().join("node_modules").join(".bin").join("wasm-opt");
    let (wasm, out) = (wasm.to_string_lossy(), out.to_string_lossy());
    let mut args = vec![
        level,
        "--converge",
        "--ignore-implicit-traps",
        "--low-memory-unused",
    ];
    args.extend_from_slice(keep);
    args.extend_from_slice(&[wasm.as_ref(), "-o", out.as_ref()]);
    exec(&mut cmd(&wasm_opt.to_string_lossy(), &args))
}

/// The crate's version, as Cargo reads its manifest (`cargo metadata`).
fn crate_version() -> Result<String> {
    crate::util::cargo_metadata(&["--no-deps"])?
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .and_then(|packages| {
            packages.iter().find(|p| {
                p.get("name").and_then(serde_json::Value::as_str) == Some("anysolver-coordinates")
            })
        })
        .and_then(|p| p.get("version")?.as_str())
        .map(str::to_owned)
        .ok_or_else(|| "cargo metadata lists no anysolver-coordinates version".to_owned())
}

/// Writes `pkg/package.json` (the template with the crate's version), the
/// npm README, the licenses, the Node ESM entry and the CommonJS marker.
fn package_files() -> Result {
    let root = root();
    let version = crate_version()?;
    let template = fs::read_to_string(root.join("pkg-template/package.json"))
        .map_err(|e| format!("reading pkg-template/package.json: {e}"))?;
    let json = template.replace(
        "\"version\": \"0.0.0\"",
        &format!("\"version\": \"{version}\""),
    );
    let pkg = root.join("pkg");
    fs::write(pkg.join("package.json"), json)
        .map_err(|e| format!("writing pkg/package.json: {e}"))?;
    for file in [
        "README.md",
        "node.mjs",
        "workerd.mjs",
        "layout.js",
        "layout.d.ts",
        "relay.js",
        "relay.d.ts",
        "relay-server.mjs",
    ] {
        fs::copy(root.join("pkg-template").join(file), pkg.join(file))
            .map_err(|e| format!("copying pkg-template/{file}: {e}"))?;
    }
    for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
        fs::copy(root.join(file), pkg.join(file)).map_err(|e| format!("copying {file}: {e}"))?;
    }
    // The CommonJS build inside a "type": "module" package needs its own marker.
    fs::write(pkg.join("cjs/package.json"), "{\"type\": \"commonjs\"}\n")
        .map_err(|e| format!("writing pkg/cjs/package.json: {e}"))?;
    // One set of declarations for both builds: the API is the same.
    for stray in [
        ".gitignore",
        "cjs/.gitignore",
        "cjs/anysolver_coordinates.d.ts",
        "cjs/anysolver_coordinates_bg.wasm.d.ts",
        "node/.gitignore",
        "node/anysolver_coordinates.d.ts",
        "node/anysolver_coordinates_bg.wasm.d.ts",
    ] {
        let _ = fs::remove_file(pkg.join(stray));
    }
    Ok(())
}

/// `npm pack` into target/npm/, then the gzipped size of each shipped file.
fn pack() -> Result {
    let out = root().join("target").join("npm");
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out).map_err(|e| format!("creating target/npm: {e}"))?;
    let mut c = cmd(
        "npm",
        &[
            "pack",
            "--silent",
            "--pack-destination",
            &out.to_string_lossy(),
        ],
    );
    c.current_dir(root().join("pkg"));
    exec(&mut c)?;
    let listing = output(&mut cmd(
        "npm",
        &["pack", "--dry-run", "--json", "--silent", "./pkg"],
    ))
    .ok_or("npm pack --dry-run failed")?;
    let listing: serde_json::Value = serde_json::from_str(&listing)
        .map_err(|e| format!("npm pack --dry-run --json printed no JSON: {e}"))?;
    let paths: Vec<&str> = listing
        .pointer("/0/files")
        .and_then(serde_json::Value::as_array)
        .ok_or("npm pack --dry-run --json listed no files")?
        .iter()
        .filter_map(|f| f.get("path")?.as_str())
        .collect();
    println!("shipped files (gzip -9):");
    let mut total = 0u64;
    for path in paths {
        let full = root().join("pkg").join(path);
        let raw = fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        let gz = gzip_len(&raw)?;
        total += gz;
        println!("  {path:<40} {:>8} bytes {gz:>8} gzipped", raw.len());
    }
    println!("  {:<40} {:>8}       {total:>8} gzipped", "total", "");
    Ok(())
}

/// The paths inside the packed npm tarball (`target/npm/*.tgz`), read with
/// real gzip and tar readers.
pub fn tarball_files() -> Result<Vec<String>> {
    let dir = root().join("target").join("npm");
    let tgz = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or("cargo xtask build packed no tarball into target/npm/")?;
    let file = fs::File::open(&tgz).map_err(|e| format!("{}: {e}", tgz.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive
        .entries()
        .map_err(|e| format!("{}: {e}", tgz.display()))?;
    entries
        .map(|entry| {
            entry
                .and_then(|e| e.path().map(|p| p.to_string_lossy().into_owned()))
                .map_err(|e| format!("{}: {e}", tgz.display()))
        })
        .collect()
}

/// What ships to browsers, gzipped: the `.wasm` and its JS glue.
pub fn browser_size() -> Result<u64> {
    size_of(&root().join("pkg"))
}

/// What Node loads (`pkg/node/`), gzipped: the `.wasm` and its JS glue.
pub fn node_size() -> Result<u64> {
    size_of(&root().join("pkg").join("node"))
}

/// The `.wasm` and JS glue in `pkg`, gzipped.
pub fn size_of(pkg: &Path) -> Result<u64> {
    let mut total = 0;
    for name in [format!("{OUT_NAME}_bg.wasm"), format!("{OUT_NAME}.js")] {
        let path = pkg.join(name);
        let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        total += gzip_len(&bytes)?;
    }
    Ok(total)
}

/// The size budget of what ships to browsers (gzipped `.wasm` plus JS
/// glue): `cargo xtask test` fails past it.
pub const SIZE_BUDGET: u64 = 100 * 1024;

/// Bytes of `data` after `gzip -9`; an error, never 0, when gzip cannot
/// be run or fails (a size of 0 would read as "goal met").
pub fn gzip_len(data: &[u8]) -> Result<u64> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd("gzip", &["-9", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("gzip could not be run: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("gzip has no stdin")?;
    // Write from a thread while the output is read, so a large input
    // cannot fill both pipes.
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("gzip failed: {e}"))?;
    let written = writer.join().map_err(|_| "writing to gzip panicked")?;
    written.map_err(|e| format!("writing to gzip: {e}"))?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(format!("gzip failed ({})", out.status));
    }
    Ok(out.stdout.len() as u64)
}
