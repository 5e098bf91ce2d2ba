// The service at a distance, as users meet it: sandbox/distance.mjs holds
// each request and answer half of 150 ms, in front of the sandbox, over
// plain HTTP/1.1 and over HTTPS with HTTP/2 (its certificate trusted by
// Chromium's SPKI list). Twenty solves at once on one client with its
// defaults, through a fetch that counts the requests in flight: all are
// solved, and the client had as many in flight as the platform sends at
// once without queueing them: 6 in Chromium over HTTP/1.1 (where the
// browser holds the rest, their time limits running), every request in
// Chromium once HTTP/2 is seen, and in Node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { launch, SANDBOX } from "./browser.mjs";
import { startDistance } from "../../sandbox/distance.mjs";

const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
const N = 20;
let h1;
let h2;

before(async () => {
  if (skip) return;
  h1 = await startDistance({ upstream: SANDBOX, latencyMs: 150 });
  h2 = await startDistance({ upstream: SANDBOX, latencyMs: 150, tls: true });
});

after(async () => {
  await h1?.close();
  await h2?.close();
});

/** N solves at once by a client on `api` in the page, or in Node (`page` null). */
async function solveMany(page, api) {
  const run = async ([api, n]) => {
    const post = (path, body) => fetch(api + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
    const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
    const c = await fetch(api + "/challenge?seed=31&width=320&height=240").then((r) => r.json());
    const seen = { now: 0, most: 0 };
    const counted = async (req) => {
      seen.most = Math.max(seen.most, ++seen.now);
      try {
        return await fetch(req);
      } finally {
        seen.now--;
      }
    };
    const client = new globalThis.pkg.CoordinatesClient({ clientKey, endpoint: api, fetch: counted });
    const got = await Promise.all(Array.from({ length: n }, () => client.solve(c.imageBase64, { comment: c.comment })));
    client.free();
    const near = got.every((ps) => ps.length === c.answer.length && c.answer.every((t) => Math.min(...ps.map((p) => Math.hypot(p.x - t.x, p.y - t.y))) <= 3));
    return { solved: got.length, near, most: seen.most };
  };
  return page ? page.evaluate(run, [api, N]) : run([api, N]);
}

async function inChromium(distance) {
  const browser = await launch({ args: distance.spki ? [`--ignore-certificate-errors-spki-list=${distance.spki}`] : [] });
  try {
    const page = await browser.newPage();
    await page.goto(`${distance.url}/`);
    await page.evaluate(async () => {
      const m = await import("/pkg/anysolver_coordinates.js");
      await m.default();
      globalThis.pkg = m;
    });
    return await solveMany(page, distance.url);
  } finally {
    await browser.close();
  }
}

test("in Chromium over HTTP/1.1, 150 ms away: 6 requests in flight, all solved", { skip }, async () => {
  const r = await inChromium(h1);
  assert.deepEqual(r, { solved: N, near: true, most: 6 });
});

test("in Chromium over HTTP/2, 150 ms away: every request in flight once HTTP/2 is seen, all solved", { skip }, async () => {
  const before = h2.requests["2.0"];
  const r = await inChromium(h2);
  assert.equal(r.solved, N);
  assert.ok(r.near, "the points are the challenge's");
  assert.ok(r.most > 6, `more than 6 requests in flight (${r.most})`);
  assert.ok(h2.requests["2.0"] - before >= 2 * N, "the page's requests came over HTTP/2");
});

test("in Node, 150 ms away: every request in flight, all solved", { skip }, async () => {
  const m = await import("../../pkg/node/anysolver_coordinates.js");
  m.initSync({ module: await readFile(new URL("../../pkg/node/anysolver_coordinates_bg.wasm", import.meta.url)) });
  globalThis.pkg = m;
  const r = await solveMany(null, h1.url);
  assert.deepEqual(r, { solved: N, near: true, most: N });
});
