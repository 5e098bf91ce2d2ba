// The packed npm package as its users get it: installed from the tarball
// into fresh projects, then used from Node ESM, Node CommonJS, a Vite build
// and a plain <script type="module"> page (both in headless Chromium), and
// type-checked with tsc --strict. Also: the tarball ships nothing extra.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readdir, writeFile, copyFile, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { launch, SANDBOX } from "./browser.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const BIN = join(ROOT, "node_modules", ".bin");
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
let project;
let browser;
const servers = [];

async function tarball() {
  const dir = join(ROOT, "target", "npm");
  const name = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  assert.ok(name, "cargo xtask build packs the package into target/npm/");
  return join(dir, name);
}

/** A sandbox serving `www` (and `pkg`) on a free port, for static pages. */
async function serve(www, pkg) {
  const bin = join(ROOT, "target", "debug", "anysolver-sandbox");
  const args = ["--port", "0", "--www", www];
  if (pkg) args.push("--pkg", pkg);
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "ignore"] });
  servers.push(child);
  const line = await new Promise((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
  return line.trim().split(" ").pop();
}

before(async () => {
  if (skip) return;
  project = await mkdtemp(join(tmpdir(), "anysolver-consumer-"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "anysolver-coordinates": `file:${await tarball()}` } }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--silent"], { cwd: project, stdio: "inherit" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.kill();
  if (project) await rm(project, { recursive: true, force: true });
});

async function account() {
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  return (await r.json()).clientKey;
}

const SOLVE_AND_CHECK = (importLine, sandbox, key) => `${importLine}
const c = await (await fetch("${sandbox}/challenge?seed=77")).json();
const client = new CoordinatesClient({ clientKey: "${key}", endpoint: "${sandbox}" });
const points = await client.solve(c.imageBase64, { comment: c.comment });
const ok = points.length === c.answer.length && c.answer.every((t) => points.some((p) => Math.hypot(p.x - t.x, p.y - t.y) <= 3));
`;

test("the tarball ships exactly the files the package needs, its licenses among them", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--silent", join(ROOT, "pkg")], { encoding: "utf8" });
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  assert.deepEqual(files, [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "anysolver_coordinates.d.ts",
    "anysolver_coordinates.js",
    "anysolver_coordinates_bg.wasm",
    "anysolver_coordinates_bg.wasm.d.ts",
    "cjs/anysolver_coordinates.js",
    "cjs/anysolver_coordinates_bg.wasm",
    "cjs/package.json",
    "layout.d.ts",
    "layout.js",
    "node.mjs",
    "node/anysolver_coordinates.js",
    "node/anysolver_coordinates_bg.wasm",
    "package.json",
    "relay-server.mjs",
    "relay.d.ts",
    "relay.js",
    "workerd.mjs",
  ]);
});

test("Node ESM: import, solve", { skip }, async () => {
  const code = SOLVE_AND_CHECK(`import init, { CoordinatesClient } from "anysolver-coordinates"; await init();`, SANDBOX, await account());
  await writeFile(join(project, "esm.mjs"), `${code}\nif (!ok) { console.error(points, c.answer); process.exit(1); } console.log("esm ok");`);
  assert.match(execFileSync("node", ["esm.mjs"], { cwd: project, encoding: "utf8" }), /esm ok/);
});

test("Node CommonJS: require, solve", { skip }, async () => {
  const key = await account();
  const code = `const { CoordinatesClient } = require("anysolver-coordinates");
(async () => {
${SOLVE_AND_CHECK("", SANDBOX, key)}
if (!ok) { console.error(points, c.answer); process.exit(1); } console.log("cjs ok");
})().catch((e) => { console.error(e); process.exit(1); });`;
  await writeFile(join(project, "cjs.cjs"), code);
  assert.match(execFileSync("node", ["cjs.cjs"], { cwd: project, encoding: "utf8" }), /cjs ok/);
});

test("TypeScript: a typed usage file passes tsc --strict", { skip }, async () => {
  await copyFile(join(ROOT, "tests", "npm", "usage.ts"), join(project, "usage.ts"));
  execFileSync(
    join(BIN, "tsc"),
    ["--strict", "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom,esnext.disposable", "--skipLibCheck", "false", "usage.ts"],
    { cwd: project, stdio: "inherit" },
  );
});

/** Opens `url` in Chromium and waits for the page to print its verdict. */
async function pageVerdict(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.verdict, null, { timeout: 30_000 });
  const verdict = await page.evaluate(() => document.body.dataset.verdict);
  await page.close();
  assert.deepEqual(errors, []);
  return verdict;
}

/** A page module: imports at the top, then the solve inside try/catch. */
const PAGE_SCRIPT = (importLine, key) => `${importLine}
try {
${SOLVE_AND_CHECK("", SANDBOX, key)}
document.body.dataset.verdict = ok ? "ok" : "wrong: " + JSON.stringify(points);
} catch (e) {
  document.body.dataset.verdict = "error: " + e;
}`;

test("Vite: a bundled page solves in headless Chromium", { skip }, async () => {
  const app = join(project, "vite-app");
  await mkdir(app, { recursive: true });
  await writeFile(join(app, "index.html"), `<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>`);
  const script = PAGE_SCRIPT(`import init, { CoordinatesClient } from "anysolver-coordinates"; await init();`, await account());
  await writeFile(join(app, "main.js"), script);
  execFileSync(join(BIN, "vite"), ["build", "--logLevel", "warn", "--outDir", "dist", app], { cwd: project, stdio: "inherit" });
  const url = await serve(join(app, "dist"));
  assert.equal(await pageVerdict(`${url}/`), "ok");
});

test("plain <script type=module>: the package served as files solves in headless Chromium", { skip }, async () => {
  const site = join(project, "plain");
  await mkdir(site, { recursive: true });
  const script = PAGE_SCRIPT(`import init, { CoordinatesClient } from "/pkg/anysolver_coordinates.js"; await init();`, await account());
  await writeFile(join(site, "index.html"), `<!doctype html><html><body><script type="module">\n${script}\n</script></body></html>`);
  const url = await serve(site, join(project, "node_modules", "anysolver-coordinates"));
  assert.equal(await pageVerdict(`${url}/`), "ok");
});
