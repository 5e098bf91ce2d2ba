// Images in Node, where there is no canvas: the package's Node build decodes,
// turns (EXIF), crops, shrinks and encodes them itself. The same bytes are
// solved in Node and, by the browser build, in a Chromium page: the points
// must sit on the truth and within 1 px of each other. Formats nothing here
// decodes are refused with what to pass instead, and wasm memory does not
// grow from one large screenshot to the next.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { initSync, CoordinatesClient } from "../../pkg/node/anysolver_coordinates.js";
import { launch, SANDBOX } from "./browser.mjs";

const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
const wasm = initSync({ module: await readFile(new URL("../../pkg/node/anysolver_coordinates_bg.wasm", import.meta.url)) });
let browser;
let page;
let key;

before(async () => {
  if (skip) return;
  const r = await fetch(`${SANDBOX}/sandbox/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ balance: 50 }) });
  key = (await r.json()).clientKey;
  browser = await launch();
  page = await browser.newPage();
  await page.goto(`${SANDBOX}/`);
});

after(async () => {
  await browser?.close();
});

/** The nearest of `points` to `p`, and how far it is. */
function nearest(points, p) {
  return Math.min(...points.map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
}

/** `recognize` of the same data URL in a Chromium page, by the browser build. */
function inChromium(dataUrl, comment) {
  return page.evaluate(
    async ({ dataUrl, comment, key, endpoint }) => {
      const m = await import("/pkg/anysolver_coordinates.js");
      await m.default();
      const client = new m.CoordinatesClient({ clientKey: key, endpoint });
      const r = await client.recognize(dataUrl, { comment });
      client.free();
      return { coordinates: r.coordinates, scaling: r.scaling };
    },
    { dataUrl, comment, key, endpoint: SANDBOX },
  );
}

for (const [what, query] of [
  ["a 4000×3000 JPEG", "width=4000&height=3000&format=jpeg"],
  ["a 2560×1600 PNG", "width=2560&height=1600&format=png"],
  ["a JPEG with EXIF orientation 6", "width=1200&height=900&format=jpeg&orientation=6"],
]) {
  test(`${what} is shrunk in Node, and its points are the truth and what Chromium answers`, { skip, timeout: 60_000 }, async () => {
    const c = await (await fetch(`${SANDBOX}/challenge?seed=21&${query}`)).json();
    const bytes = Buffer.from(c.imageBase64.split(",")[1], "base64");
    const client = new CoordinatesClient({ clientKey: key, endpoint: SANDBOX });
    const node = await client.recognize(bytes, { comment: c.comment });
    client.free();
    const chromium = await inChromium(c.imageBase64, c.comment);
    // The picture as shown (EXIF applied) is what both sent, shrunk to 1000 px.
    assert.equal(node.scaling.originalWidth, c.width);
    assert.equal(node.scaling.originalHeight, c.height);
    assert.equal(Math.max(node.scaling.sentWidth, node.scaling.sentHeight), 1000);
    assert.deepEqual(node.scaling, chromium.scaling);
    assert.equal(node.coordinates.length, c.answer.length);
    // Within two sent pixels of the truth, in the original's pixels.
    const tolerance = 2 / node.scaling.scale;
    for (const t of c.answer) {
      const d = nearest(node.coordinates, t);
      assert.ok(d <= tolerance, `truth ${JSON.stringify(t)} is ${d.toFixed(2)} px from Node's points`);
    }
    for (const p of node.coordinates) {
      const d = nearest(chromium.coordinates, p) * node.scaling.scale;
      assert.ok(d <= 1, `Node's ${JSON.stringify(p)} is ${d.toFixed(2)} sent px from Chromium's ${JSON.stringify(chromium.coordinates)}`);
    }
  });
}

/** The first boxes of an ISO-BMFF image whose `ftyp` names `brand` (AVIF, HEIC), 2000×1000. */
function heif(brand) {
  const box = (tag, body) => {
    const b = Buffer.alloc(8 + body.length);
    b.writeUInt32BE(8 + body.length, 0);
    b.write(tag, 4, "latin1");
    body.copy(b, 8);
    return b;
  };
  const ispe = Buffer.alloc(12);
  ispe.writeUInt32BE(2000, 4);
  ispe.writeUInt32BE(1000, 8);
  const meta = Buffer.concat([Buffer.alloc(4), box("iprp", box("ipco", box("ispe", ispe)))]);
  return Buffer.concat([box("ftyp", Buffer.from(`${brand}\0\0\0\0mif1`, "latin1")), box("meta", meta)]);
}

test("AVIF and HEIC are refused with a clear image error that says what to pass", async () => {
  let sent = 0;
  const refuse = () => {
    sent++;
    throw new Error("nothing may be sent");
  };
  const client = new CoordinatesClient({ clientKey: "anysolver_test_refusals", endpoint: "http://127.0.0.1:9", fetch: refuse });
  for (const [brand, mime] of [["avif", "image/avif"], ["heic", "image/heic"]]) {
    await assert.rejects(client.solve(heif(brand)), (e) => {
      assert.equal(e.name, "AnySolverError");
      assert.equal(e.kind, "image");
      assert.equal(e.code, "UNSUPPORTED_FORMAT");
      assert.match(e.message, new RegExp(mime.replace("/", "\\/")));
      assert.match(e.message, /pass a PNG or JPEG/);
      return true;
    });
  }
  assert.equal(sent, 0);
  client.free();
});

test("a 13 MB screenshot decoded ten times leaves wasm memory where the first left it", { skip, timeout: 120_000 }, async () => {
  const shot = Buffer.from(await (await fetch(`${SANDBOX}/challenge/image?seed=22&width=2800&height=1750`)).arrayBuffer());
  assert.ok(shot.length > 13e6, `the screenshot is ${shot.length} bytes`);
  const memory = () => wasm.memory.buffer.byteLength;
  const atSend = [];
  const answer = async () => {
    atSend.push(memory());
    return new Response(JSON.stringify({ errorId: 0, taskId: `t${atSend.length}` }));
  };
  const client = new CoordinatesClient({ clientKey: "anysolver_test_memory", endpoint: "http://127.0.0.1:9", fetch: answer });
  const region = { x: 100, y: 50, width: 620, height: 420, viewportWidth: 1400 };
  const after = [];
  for (let i = 0; i < 10; i++) {
    const task = await client.createTask(shot, { region });
    assert.equal(task.scaling.sentWidth, 1000);
    after.push(memory());
  }
  client.free();
  assert.equal(after[9], after[0], `wasm memory after each round: ${after.map((m) => (m / 1e6).toFixed(1)).join(", ")} MB`);
  assert.equal(Math.max(...atSend), after[0]);
});
