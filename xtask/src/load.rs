//! `cargo xtask load`: the sandbox under load from the native load
//! generator (`sandbox/examples/load.rs`): N clients × M tasks, no task lost
//! or answered twice, latency percentiles and throughput written to
//! RELIABILITY.md.

use crate::sandbox;
use crate::util::{Result, cmd, measured_on, root, run_capture, write_reliability_section};

/// How long the sandbox's vision provider keeps each task `processing`.
const SOLVE_DELAY_MS: &str = "1000";

/// Runs `clients` × `tasks` against a fresh sandbox.
pub fn run(clients: u64, tasks: u64) -> Result {
    let log = root().join("target").join("load-sandbox.log");
    let server = sandbox::start(&["--solve-delay-ms", SOLVE_DELAY_MS], &log)?;
    let (clients_s, tasks_s) = (clients.to_string(), tasks.to_string());
    println!("== load: {clients} clients × {tasks} tasks");
    let (ok, table) = run_capture(&mut cmd(
        "cargo",
        &[
            "run",
            "--quiet",
            "--release",
            "-p",
            "anysolver-sandbox",
            "--example",
            "load",
            "--",
            "--url",
            &server.url,
            "--clients",
            &clients_s,
            "--tasks",
            &tasks_s,
        ],
    ));
    drop(server);
    let body = format!(
        "{} with `cargo xtask load --clients {clients} --tasks {tasks}`: each client has its own \
         account and solves its tasks one after another (createTask, a first poll after 1 s, then \
         every 200 ms; the sandbox's vision provider answers after {SOLVE_DELAY_MS} ms), and asks \
         once more after `ready`, which must give the same answer. Latency is the HTTP round trip \
         seen by the client, on the same machine as the sandbox.\n\n{}\n\n{}",
        measured_on(),
        table.trim(),
        if ok {
            "No task lost, none answered twice: every task ended `ready` with its own challenge's \
             points, task ids are unique, and the sandbox counted exactly one task per createTask."
        } else {
            "**The run found problems** (listed by the load generator above)."
        }
    );
    write_reliability_section("load", &body)?;
    if ok {
        Ok(())
    } else {
        Err("the load run found problems".to_owned())
    }
}
