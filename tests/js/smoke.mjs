// The build's smoke check: each optimised .wasm in pkg/ instantiates in Node
// and its client answers: the browser build, and the Node build (whose codec
// shrinks a PNG that Node has no canvas for). Run by `cargo xtask build`
// (both builds, or those named: `node smoke.mjs browser`); fails loudly
// otherwise.
import { readFile } from "node:fs/promises";
import { deflateSync } from "node:zlib";

/** A `w`×`h` grey PNG, written by hand (Node has no image encoder). */
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc((w + 1) * h, 128);
  for (let y = 0; y < h; y++) rows[y * (w + 1)] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

const builds = [["browser", "../../pkg/"], ["Node", "../../pkg/node/"]];
const named = process.argv.slice(2).map((b) => b.toLowerCase());
for (const [name, dir] of builds.filter(([b]) => named.length === 0 || named.includes(b.toLowerCase()))) {
  const { initSync, CoordinatesClient } = await import(`${dir}anysolver_coordinates.js`);
  const bytes = await readFile(new URL(`${dir}anysolver_coordinates_bg.wasm`, import.meta.url));
  initSync({ module: bytes });
  let error = null;
  try {
    new CoordinatesClient({});
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error) || error.kind !== "validation" || error.code !== "MISSING_CLIENT_KEY") {
    console.error(`smoke: the ${name} build did not reject a missing clientKey as expected:`, error);
    process.exit(1);
  }
  let sent = null;
  const fetch = async (req) => {
    sent = JSON.parse(await req.text());
    return new Response(JSON.stringify({ errorId: 0, taskId: "smoke" }));
  };
  const client = new CoordinatesClient({ clientKey: "anysolver_smoke", endpoint: "http://127.0.0.1:9", fetch });
  const big = png(2400, 1200);
  const outcome = await client.createTask(big).then((t) => t, (e) => e);
  client.free();
  if (name === "Node" && outcome?.scaling?.sentWidth !== 1000) {
    console.error("smoke: the Node build did not shrink a 2400×1200 PNG:", outcome);
    process.exit(1);
  }
  if (name === "browser" && (outcome?.code !== "NO_IMAGE_ENCODER" || !/Node has no createImageBitmap/.test(outcome.message))) {
    console.error("smoke: the browser build in Node should have no image encoder, and say Node has none:", outcome, sent);
    process.exit(1);
  }
  console.log(`smoke: the ${name} build loads and runs in Node (${bytes.length} bytes of wasm)`);
}
