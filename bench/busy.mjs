// A machine kept busy, as users' often are: three busy loops, in processes
// of their own, more than the cores of a small machine.

/** Starts three busy loops of `seconds` each; kill them to stop sooner. */
export function busyLoops(seconds) {
  const { spawn } = process.getBuiltinModule("node:child_process");
  return Array.from({ length: 3 }, () =>
    spawn(process.execPath, ["-e", `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`], { stdio: "ignore" }),
  );
}
