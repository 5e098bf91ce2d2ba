// Keeping the key off a public page: the package's relay server
// (relay-server.mjs, over relay.js) holds the key in its environment; a page served from its own origin creates a client
// with `relay: true` and solves a sandbox challenge through it. Nothing the
// browser receives or sends holds the key (the page, its scripts, every
// request it makes, captured in the browser), nor does any artifact; the
// sandbox sees the key on every call the relay forwarded. A request from a
// foreign origin, a body over the cap, a method outside the list and a burst
// over the rate each get their typed error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ARTIFACTS, launch, SANDBOX } from "./browser.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
const children = [];
let key;
let relay;
let site;
let www;
let browser;

/** Starts `command` and resolves with the URL its first line ends with. */
function started(command, args, env, log) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  if (log) {
    const out = createWriteStream(log);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
  }
  return new Promise((resolve) => createInterface({ input: child.stdout }).once("line", (line) => resolve(line.match(/http:\/\/[\d.:]+/)[0])));
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>A public page</title>
<script type="module">
import init, { CoordinatesClient } from "/pkg/anysolver_coordinates.js";
await init();
const q = new URLSearchParams(location.search);
// No key anywhere on this page: the relay holds it.
window.client = () => new CoordinatesClient({ relay: true, endpoint: q.get("relay") });
window.challenge = async (query) => (await fetch(q.get("sandbox") + "/challenge?" + query)).json();
window.outcome = (p) => p.then((value) => ({ value }), (e) => ({ error: { name: e.name, kind: e.kind, code: e.code, message: e.message, retryable: e.retryable } }));
document.title = "ready";
</script>`;

before(async () => {
  if (skip) return;
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ balance: 10 }) });
  key = (await r.json()).clientKey;
  www = await mkdtemp(join(tmpdir(), "anysolver-public-page-"));
  await writeFile(join(www, "index.html"), PAGE);
  site = await started(join(ROOT, "target", "debug", "anysolver-sandbox"), ["--port", "0", "--www", www, "--pkg", join(ROOT, "pkg")], {});
  relay = await started(
    "node",
    [join(ROOT, "pkg", "relay-server.mjs")],
    { ANYSOLVER_KEY: key, RELAY_ORIGINS: site, RELAY_UPSTREAM: SANDBOX, RELAY_PORT: "0", RELAY_MAX_BODY: "300000", RELAY_RATE: "40" },
    new URL("relay.log", ARTIFACTS).pathname,
  );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const c of children) c.kill();
  if (www) await rm(www, { recursive: true, force: true });
});

/** The public page, from `origin`, with every request it makes recorded. */
async function open(origin) {
  const page = await browser.newPage();
  const requests = [];
  page.on("request", (r) => requests.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? "" }));
  await page.goto(`${origin}/?relay=${encodeURIComponent(relay)}&sandbox=${encodeURIComponent(SANDBOX)}`);
  await page.waitForFunction(() => document.title === "ready");
  return { page, requests };
}

const stats = async () =>
  (await fetch(`${SANDBOX}/sandbox/stats`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ clientKey: key }) })).json();

test("a public page solves through the relay, and nothing the browser holds or sends has the key", { skip, timeout: 60_000 }, async () => {
  const { page, requests } = await open(site);
  const r = await page.evaluate(async () => {
    const c = await window.challenge("seed=91&format=jpeg");
    const client = window.client();
    const got = await window.outcome(client.solve(c.imageBase64, { comment: c.comment }));
    client.free();
    return { got, answer: c.answer };
  });
  assert.equal(r.got.error, undefined, JSON.stringify(r.got.error));
  assert.equal(r.got.value.length, r.answer.length);
  for (const t of r.answer) {
    const d = Math.min(...r.got.value.map((p) => Math.hypot(p.x - t.x, p.y - t.y)));
    assert.ok(d <= 3, `truth ${JSON.stringify(t)} is ${d.toFixed(2)} px away`);
  }
  // The page and its scripts, as the browser received them.
  const received = [await page.content()];
  for (const url of requests.map((q) => q.url).filter((u) => u.endsWith(".js"))) received.push(await (await fetch(url)).text());
  for (const text of received) assert.ok(!text.includes(key), "the page's HTML or JavaScript holds the key");
  // Every request the page made: URL, headers, body.
  const toRelay = requests.filter((q) => q.url.startsWith(relay));
  assert.ok(toRelay.length >= 2, "createTask and at least one poll went through the relay");
  for (const q of requests) assert.ok(!JSON.stringify(q).includes(key), `a request carries the key: ${q.url}`);
  for (const q of toRelay.filter((q) => q.body)) assert.ok(!("clientKey" in JSON.parse(q.body)), "the client sent no clientKey");
  // The sandbox saw the key on every call the relay forwarded (the page sent
  // its calls once each: OPTIONS preflights aside, one POST per call).
  const s = await stats();
  const posts = toRelay.filter((q) => q.body).length;
  assert.equal(s.tasksCreated, 1);
  assert.equal(s.requests.createTask + s.requests.getTaskResult, posts);
  await page.close();
});

test("the relay's refusals are typed errors: a foreign origin, a body over the cap, a method outside the list, a burst over the rate", { skip, timeout: 60_000 }, async () => {
  // The same page from another origin (the same server's other name).
  const foreign = await open(site.replace("127.0.0.1", "localhost"));
  const refused = await foreign.page.evaluate(async () => {
    const c = await window.challenge("seed=92&format=jpeg");
    return window.outcome(window.client().solve(c.imageBase64, { comment: c.comment }));
  });
  assert.equal(refused.error?.kind, "api", JSON.stringify(refused));
  assert.equal(refused.error.code, "RELAY_ORIGIN_NOT_ALLOWED");
  await foreign.page.close();

  const { page } = await open(site);
  const errors = await page.evaluate(async () => {
    const client = window.client();
    const big = await window.challenge("seed=93&format=png"); // about 430 kB, over the relay's 300 kB
    const tooLarge = await window.outcome(client.solve(big.imageBase64, { comment: big.comment }));
    const method = await window.outcome(client.getBalance());
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => window.outcome(client.getTaskResult(`nope-${i}`))));
    client.free();
    return { tooLarge, method, burst: burst.map((b) => b.error?.code) };
  });
  assert.equal(errors.tooLarge.error?.code, "RELAY_BODY_TOO_LARGE", JSON.stringify(errors.tooLarge));
  assert.equal(errors.tooLarge.error.kind, "api");
  assert.equal(errors.method.error?.code, "RELAY_METHOD_NOT_ALLOWED", JSON.stringify(errors.method));
  const limited = errors.burst.filter((c) => c === "RELAY_RATE_LIMITED").length;
  assert.ok(limited >= 10, `a burst of 50 over a rate of 40 a minute: ${JSON.stringify(errors.burst)}`);
  // The others were forwarded, and the service answered them (no such task).
  assert.ok(errors.burst.every((c) => c === "RELAY_RATE_LIMITED" || (c && !c.startsWith("RELAY_"))));
  await page.close();
});
