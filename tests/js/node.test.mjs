// The built package (pkg/) used from plain Node ESM, as an npm user would:
// solve a sandbox challenge and check the points against the truth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { initSync, CoordinatesClient } from "../../pkg/anysolver_coordinates.js";

const SANDBOX = process.env.SANDBOX_URL;
initSync({ module: await readFile(new URL("../../pkg/anysolver_coordinates_bg.wasm", import.meta.url)) });

async function account() {
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ balance: 5 }),
  });
  return (await r.json()).clientKey;
}

test("solve() returns the challenge's points from the built package", { skip: !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)" }, async () => {
  const challenge = await (await fetch(`${SANDBOX}/challenge?seed=11`)).json();
  const client = new CoordinatesClient({ clientKey: await account(), endpoint: SANDBOX });
  const events = [];
  const points = await client.solve(challenge.imageBase64, {
    comment: challenge.comment,
    onProgress: (e) => events.push(e.status),
  });
  assert.equal(points.length, challenge.answer.length);
  for (const t of challenge.answer) {
    const d = Math.min(...points.map((p) => Math.hypot(p.x - t.x, p.y - t.y)));
    assert.ok(d <= 3, `truth ${JSON.stringify(t)} is ${d} px away`);
  }
  assert.equal(events[0], "created");
  assert.equal(events.at(-1), "ready");
});

test("errors are Errors with kind and code", async () => {
  assert.throws(() => new CoordinatesClient({ clientKey: "" }), (e) => e instanceof Error && e.kind === "validation" && e.code === "MISSING_CLIENT_KEY");
  assert.throws(
    () => new CoordinatesClient({ clientKey: "anysolver_x", selectionMode: "fastest" }),
    (e) => e.kind === "validation" && e.code === "INVALID_OPTION" && /selectionMode/.test(e.message),
  );
});

test("plain http:// only to this machine, unless allowInsecureHttp", () => {
  let sent = 0;
  const fetch = () => { sent++; throw new Error("no request may be made"); };
  for (const endpoint of ["http://api.anysolver.com", "http://10.0.0.2:8080", "http://localhost.example.com"]) {
    assert.throws(
      () => new CoordinatesClient({ clientKey: "anysolver_x", endpoint, fetch }),
      (e) => e.kind === "validation" && e.code === "INVALID_OPTION" && /unencrypted/.test(e.message) && /allowInsecureHttp/.test(e.message),
      endpoint,
    );
    assert.ok(new CoordinatesClient({ clientKey: "anysolver_x", endpoint, fetch, allowInsecureHttp: true }));
  }
  for (const endpoint of ["http://localhost:8080", "http://127.0.0.1:9", "http://[::1]:80", "https://api.anysolver.com"]) {
    assert.ok(new CoordinatesClient({ clientKey: "anysolver_x", endpoint, fetch }), endpoint);
  }
  assert.equal(sent, 0);
});
