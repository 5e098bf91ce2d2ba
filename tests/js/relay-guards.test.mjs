// What the relay guards, outside a browser, where any header can be forged:
// the address it limits behind a front that it trusts and with none, the
// daily budgets per address and for the whole relay, the site's own
// `authorize` hook, and the key in nothing it answers. The package's own
// files run: relay-server.mjs in Node, relay.js in this process and under
// Deno. Visitors are told apart by the loopback address they connect from
// (127.0.0.2, 127.0.0.3, ...), as real ones are by theirs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request as httpRequest, createServer } from "node:http";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SANDBOX } from "./browser.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const PKG = join(ROOT, "pkg");
const DENO = join(ROOT, "tests", "runtimes", "node_modules", "@deno", "linux-x64-glibc", "deno");
const ORIGIN = "https://site.example";
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
const children = [];
let key;
let image;

/** Starts `command` (`stdin` written to it) and resolves with the URL its first line ends with. */
function started(command, args, env, stdin) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: [stdin ? "pipe" : "ignore", "pipe", "inherit"] });
  children.push(child);
  if (stdin) child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${command} exited with ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => resolve(line.match(/http:\/\/[\d.:]+/)[0]));
  });
}

/** A relay server from the package, with `env` on top of the key, origin and upstream. */
const relayServer = (env) =>
  started("node", [join(PKG, "relay-server.mjs")], { ANYSOLVER_KEY: key, RELAY_ORIGINS: ORIGIN, RELAY_UPSTREAM: SANDBOX, RELAY_PORT: "0", ...env });

/**
 * POSTs `body` to `url`'s `method` as a page of ORIGIN would, connecting
 * from `from` (a loopback address), with `headers` on top; resolves with
 * the answer's status and JSON.
 */
function post(url, method, body, { from = "127.0.0.2", headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = httpRequest(
      `${url}/${method}`,
      { method: "POST", localAddress: from, headers: { origin: ORIGIN, "content-type": "application/json", ...headers } },
      (res) => {
        let data = "";
        res.on("data", (c) => (data += c));
        res.on("end", () => resolve({ status: res.statusCode, text: data, json: JSON.parse(data) }));
      },
    );
    req.on("error", reject);
    req.end(text);
  });
}

/**
 * A front: a reverse proxy to `target` that appends the address it saw to
 * X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for` does.
 */
function front(target) {
  const server = createServer((req, res) => {
    const seen = req.socket.remoteAddress.replace(/^::ffff:/, "");
    const forwarded = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${seen}` : seen;
    const up = httpRequest(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, "x-forwarded-for": forwarded } }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, server })));
}

const poll = { taskId: "no-such-task" };

/** Waits, if need be, until the current minute has 10 s left at least:
 * the rate is counted per minute, and a test of it must not straddle two. */
async function clearOfMinuteEdge() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
}
const codeOf = (r) => r.json.errorCode;

before(async () => {
  if (skip) return;
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ balance: 10 }) });
  key = (await r.json()).clientKey;
  image = (await (await fetch(`${SANDBOX}/challenge?seed=95&width=200&height=150&format=png`)).json()).imageBase64;
});

after(() => {
  for (const c of children) c.kill();
});

const task = () => ({ task: { type: "CoordinatesRecognition", imageBase64: image, comment: "click" } });

test("behind a trusted front each visitor has its own limit, whatever it forges", { skip, timeout: 30_000 }, async () => {
  const relay = await relayServer({ RELAY_RATE: "3", RELAY_TRUST_PROXY: "1" });
  const { url, server } = await front(relay);
  await clearOfMinuteEdge();
  try {
    // A visitor that forges a new address on each request is still itself.
    const forged = [];
    for (let i = 0; i < 4; i++) forged.push(codeOf(await post(url, "getTaskResult", poll, { headers: { "x-forwarded-for": `10.0.0.${i}` } })));
    assert.deepEqual(forged.map((c) => c === "RELAY_RATE_LIMITED"), [false, false, false, true], JSON.stringify(forged));
    // Another visitor is not locked out by it.
    assert.notEqual(codeOf(await post(url, "getTaskResult", poll, { from: "127.0.0.3" })), "RELAY_RATE_LIMITED");
  } finally {
    server.close();
  }
});

test("with no trusted proxy, forwarding headers are ignored", { skip, timeout: 30_000 }, async () => {
  const relay = await relayServer({ RELAY_RATE: "3" });
  await clearOfMinuteEdge();
  const codes = [];
  for (let i = 0; i < 4; i++) {
    codes.push(codeOf(await post(relay, "getTaskResult", poll, { headers: { "x-forwarded-for": `10.0.1.${i}`, forwarded: `for=10.0.2.${i}` } })));
  }
  assert.deepEqual(codes.map((c) => c === "RELAY_RATE_LIMITED"), [false, false, false, true], JSON.stringify(codes));
  // Behind a front it does not trust, every visitor is the front: one limit for all.
  const { url, server } = await front(await relayServer({ RELAY_RATE: "3" }));
  await clearOfMinuteEdge();
  try {
    for (let i = 0; i < 3; i++) await post(url, "getTaskResult", poll, { from: `127.0.0.${10 + i}` });
    assert.equal(codeOf(await post(url, "getTaskResult", poll, { from: "127.0.0.20" })), "RELAY_RATE_LIMITED");
  } finally {
    server.close();
  }
});

test("the daily budgets bound tasks per address and for the whole relay; polls still go through", { skip, timeout: 30_000 }, async () => {
  const relay = await relayServer({ RELAY_TASKS_PER_DAY: "2", RELAY_TASKS_PER_DAY_TOTAL: "3" });
  const created = [];
  for (let i = 0; i < 3; i++) created.push(await post(relay, "createTask", task()));
  assert.deepEqual(created.map((r) => r.json.errorId), [0, 0, 1]);
  assert.equal(codeOf(created[2]), "RELAY_DAILY_LIMIT");
  assert.match(created[2].json.errorDescription, /2 tasks today from this address/);
  // The tasks already created are still polled.
  const polled = await post(relay, "getTaskResult", { taskId: created[0].json.taskId });
  assert.equal(polled.json.errorId, 0, polled.text);
  // Another address has its own budget, until the relay's is spent.
  assert.equal((await post(relay, "createTask", task(), { from: "127.0.0.3" })).json.errorId, 0);
  const spent = await post(relay, "createTask", task(), { from: "127.0.0.4" });
  assert.equal(codeOf(spent), "RELAY_DAILY_LIMIT");
  assert.match(spent.json.errorDescription, /this relay has created its 3 tasks for today/);
});

test("the handler: a site's own authorize hook, a shared counter, and the key in nothing answered", { skip, timeout: 30_000 }, async () => {
  const { createRelay } = await import(join(PKG, "relay.js"));
  const counted = [];
  const relay = createRelay({
    key,
    origins: [ORIGIN],
    upstream: SANDBOX,
    authorize: (request) => request.headers.get("cookie") === "session=ok",
    count: async (name) => {
      counted.push(name);
      return 1;
    },
  });
  const call = (method, body, headers = {}) =>
    relay(new Request(`https://relay.example/${method}`, { method: "POST", headers: { origin: ORIGIN, ...headers }, body: JSON.stringify(body) }), "203.0.113.7");
  const refused = await call("createTask", task());
  assert.equal((await refused.json()).errorCode, "RELAY_UNAUTHORIZED");
  const echoed = await call("createTask", { ...task(), provider: "Fault:echoKey:create" }, { cookie: "session=ok" });
  const text = await echoed.text();
  assert.ok(text.includes("[redacted]") && !text.includes(key), text);
  assert.equal(echoed.headers.get("timing-allow-origin"), ORIGIN);
  // The refused request was not counted: the hook comes first.
  assert.deepEqual(counted, ["rate:203.0.113.7", "tasks:203.0.113.7", "tasks"]);
  // The key pays for CoordinatesRecognition only.
  const other = await call("createTask", { task: { type: "ImageToText", body: image } }, { cookie: "session=ok" });
  assert.equal((await other.json()).errorCode, "RELAY_INVALID_REQUEST");
  // A body over the cap that declares no length is cut off as it streams.
  const big = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(2_000_000)), c.close()) });
  const streamed = await relay(new Request("https://relay.example/createTask", { method: "POST", headers: { origin: ORIGIN, cookie: "session=ok" }, body: big, duplex: "half" }), "203.0.113.7");
  assert.equal((await streamed.json()).errorCode, "RELAY_BODY_TOO_LARGE");
  // A hook that throws is answered, with the headers a page needs to read it.
  const failing = createRelay({ key, origins: [ORIGIN], upstream: SANDBOX, authorize: () => { throw new Error("session store down"); } });
  const failed = await failing(new Request("https://relay.example/getTaskResult", { method: "POST", headers: { origin: ORIGIN }, body: "{}" }), "203.0.113.8");
  assert.equal(failed.status, 502);
  assert.equal(failed.headers.get("access-control-allow-origin"), ORIGIN);
  assert.equal((await failed.json()).errorCode, "RELAY_FAILED");
  assert.throws(() => createRelay({ key, origins: [] }), /origins/);
  assert.throws(() => createRelay({ key, origins: [ORIGIN], trustProxy: Infinity }), /trustProxy/);
  assert.throws(() => createRelay({ key, origins: [ORIGIN], trustProxy: -1 }), /trustProxy/);
});

test("the handler runs in Deno", { skip, timeout: 60_000 }, async () => {
  const script = `
    import { createRelay } from ${JSON.stringify(pathToFileURL(join(PKG, "relay.js")).href)};
    const relay = createRelay({ key: Deno.env.get("ANYSOLVER_KEY"), origins: [${JSON.stringify(ORIGIN)}], upstream: Deno.env.get("RELAY_UPSTREAM"), rate: 2 });
    Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log("http://127.0.0.1:" + port) },
      (req, info) => relay(req, info.remoteAddr.hostname));`;
  const url = await started(DENO, ["run", "--allow-net", "--allow-env", "--allow-read", "-"], { ANYSOLVER_KEY: key, RELAY_UPSTREAM: SANDBOX, DENO_NO_UPDATE_CHECK: "1" }, script);
  await clearOfMinuteEdge();
  const created = await post(url, "createTask", task());
  assert.equal(created.json.errorId, 0, created.text);
  assert.ok(!created.text.includes(key));
  await post(url, "getTaskResult", { taskId: created.json.taskId });
  assert.equal(codeOf(await post(url, "getTaskResult", poll)), "RELAY_RATE_LIMITED");
  assert.notEqual(codeOf(await post(url, "getTaskResult", poll, { from: "127.0.0.3" })), "RELAY_RATE_LIMITED");
});
