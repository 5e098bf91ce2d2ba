// Node, Deno, Bun and Cloudflare Workers as their users meet the package:
// the packed tarball installed by name in a fresh project, and
// tests/npm/runtime-cases.mjs run there by each runtime (Deno and Bun from
// npm, their own linux-x64 builds in tests/runtimes/; Workers in workerd
// through miniflare, the worker bundled by esbuild with wrangler's
// conditions). Each must solve every case, abort, and reject with a typed
// error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, writeFile, copyFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { SANDBOX } from "./browser.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
/** tests/runtimes/node_modules, which `cargo xtask test` installs. */
const RUNTIMES_DIR = join(ROOT, "tests", "runtimes", "node_modules");
const RUNTIMES = {
  node: ["node", ["runtime-main.mjs"]],
  deno: [join(RUNTIMES_DIR, "@deno", "linux-x64-glibc", "deno"), ["run", "--allow-net", "--allow-env", "--allow-read", "runtime-main.mjs"]],
  bun: [join(RUNTIMES_DIR, "@oven", "bun-linux-x64", "bin", "bun"), ["runtime-main.mjs"]],
};
let project;

before(async () => {
  if (skip) return;
  const dir = join(ROOT, "target", "npm");
  const tarball = join(dir, (await readdir(dir)).find((f) => f.endsWith(".tgz")));
  project = await mkdtemp(join(tmpdir(), "anysolver-runtimes-"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "anysolver-coordinates": `file:${tarball}` } }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: project, stdio: "inherit" });
  for (const file of ["runtime-cases.mjs", "runtime-main.mjs", "runtime-worker.mjs"]) {
    await copyFile(join(ROOT, "tests", "npm", file), join(project, file));
  }
});

after(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

async function account() {
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ balance: 10 }) });
  return (await r.json()).clientKey;
}

for (const [name, [command, args]] of Object.entries(RUNTIMES)) {
  test(`${name}: the package by name solves, shrinks, turns, crops, aborts and types its errors`, { skip, timeout: 120_000 }, async () => {
    const out = execFileSync(command, args, {
      cwd: project,
      env: { ...process.env, SANDBOX_URL: SANDBOX, ANYSOLVER_KEY: await account(), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      encoding: "utf8",
      timeout: 100_000,
    });
    check(JSON.parse(out.trim().split("\n").pop()));
  });
}

test("workerd: the package by name, bundled as wrangler does, solves, shrinks, turns, crops, aborts and types its errors", { skip, timeout: 120_000 }, async () => {
  const esbuild = await import("esbuild");
  const { Miniflare } = await import(pathToFileURL(createRequire(join(RUNTIMES_DIR, "..", "package.json")).resolve("miniflare")).href);
  const out = join(project, "worker");
  await esbuild.build({
    entryPoints: [join(project, "runtime-worker.mjs")],
    bundle: true,
    format: "esm",
    outdir: out,
    conditions: ["workerd", "worker", "browser"],
    loader: { ".wasm": "copy" },
    logLevel: "warning",
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(out, "runtime-worker.js"),
    modulesRoot: out,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2026-08-01",
    bindings: { SANDBOX_URL: SANDBOX, ANYSOLVER_KEY: await account() },
  });
  try {
    const r = await mf.dispatchFetch("http://worker/");
    const text = await r.text();
    assert.equal(r.status, 200, text);
    check(JSON.parse(text));
  } finally {
    await mf.dispose();
  }
});

/** Asserts what runtime-cases.mjs gave. */
function check(cases) {
  for (const what of ["plain", "large", "exif", "region"]) {
    const c = cases[what];
    assert.equal(c.count, c.truth, `${what}: ${JSON.stringify(c)}`);
    assert.ok(c.off <= 3, `${what}: a true point is ${c.off.toFixed(2)} px from the nearest answered: ${JSON.stringify(c)}`);
  }
  assert.equal(cases.plain.sent, 320, "bytes that need no change are sent as they are");
  assert.equal(cases.large.sent, 1000, "a 2400×1800 PNG is shrunk to 1000 px");
  assert.deepEqual(cases.exif.original, cases.exif.shown, "the JPEG is turned as EXIF says");
  assert.deepEqual(cases.abort, { error: "stop" });
  assert.deepEqual(
    [cases.typed.error?.name, cases.typed.error?.kind, cases.typed.error?.code],
    ["AnySolverError", "api", "CAPTCHA_UNSOLVABLE"],
    JSON.stringify(cases.typed),
  );
}
