//! `cargo xtask bench`: measurements, printed as one table and written to
//! BENCHMARKS.md with the date, the machine and the command.

use crate::util::{Result, cmd, output, root, run_capture};

/// Runs the benchmarks.
pub fn run() -> Result {
    println!("== bench: polling, simulated");
    let (ok, out) = run_capture(&mut cmd(
        "cargo",
        &[
            "run",
            "--quiet",
            "--release",
            "--example",
            "poll_sim",
            "-p",
            "anysolver-coordinates",
        ],
    ));
    if !ok {
        return Err("the polling simulation failed".to_owned());
    }
    let size = size_table()?;
    let date = output(&mut cmd("date", &["-u", "+%Y-%m-%d %H:%M UTC"])).unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get);
    let doc = format!(
        "# Benchmarks\n\nMeasured {date} on {cpu} ({cores} cores) with `cargo xtask bench`.\n\n\
         ## Size of what ships\n\n{size}\n\n## Polling, simulated\n\n{out}\n"
    );
    std::fs::write(root().join("BENCHMARKS.md"), doc)
        .map_err(|e| format!("writing BENCHMARKS.md: {e}"))?;
    println!("== bench done: BENCHMARKS.md");
    Ok(())
}

/// gzipped bytes of the shipped `.wasm` and JS glue.
fn size_table() -> Result<String> {
    let pkg = root().join("pkg");
    let mut rows = String::from("| file | bytes | gzipped |\n|---|---:|---:|\n");
    let mut total = 0u64;
    for name in ["anysolver_coordinates_bg.wasm", "anysolver_coordinates.js"] {
        let path = pkg.join(name);
        let raw = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let gz = output(&mut cmd(
            "sh",
            &["-c", &format!("gzip -9 -c '{}' | wc -c", path.display())],
        ))
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or("gzip failed")?;
        total += gz;
        rows.push_str(&format!("| {name} | {raw} | {gz} |\n"));
    }
    rows.push_str(&format!(
        "| **total** | | **{total}** ({:.1} KB; goal 45 KB: {}) |\n",
        total as f64 / 1024.0,
        if total <= 45 * 1024 { "met" } else { "not met" }
    ));
    Ok(rows)
}
