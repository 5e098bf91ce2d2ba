// Image preparation in Node: this package's Node build (its pure-Rust
// codec) next to sharp (libvips, native) and jimp (pure JavaScript), on the
// same inputs, in one run. Ours is timed from the call to the moment the
// client hands createTask to fetch (sniff, decode, crop, shrink, encode,
// base64 and the request body); sharp's and jimp's from the input buffer to
// the encoded output, in the format ours chose. Prints a Markdown section.
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { Jimp } from "jimp";
import { initSync, CoordinatesClient } from "../pkg/node/anysolver_coordinates.js";

const SANDBOX = process.env.SANDBOX_URL;
initSync({ module: await readFile(new URL("../pkg/node/anysolver_coordinates_bg.wasm", import.meta.url)) });
const RUNS = 11;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The milliseconds of one call of `fn`. */
async function once(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The median of RUNS calls of `fn`, after one to warm up. */
async function time(fn) {
  await fn();
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(fn));
  return median(times);
}

/**
 * Ours: a client whose `run()` gives the milliseconds from createTask() to
 * the request, and whose `sent()` tells what the last run sent.
 */
function ours(bytes, region) {
  let sentAt;
  let sent;
  let task;
  const fetch = async (req) => {
    sentAt = performance.now();
    sent = JSON.parse(await req.text()).task.imageBase64;
    return new Response(JSON.stringify({ errorId: 0, taskId: "bench" }));
  };
  const client = new CoordinatesClient({ clientKey: "anysolver_bench", endpoint: "http://127.0.0.1:9", fetch });
  return {
    async run() {
      const t0 = performance.now();
      task = await client.createTask(bytes, region ? { region } : {});
      return sentAt - t0;
    },
    sent() {
      const mime = sent.slice(5, sent.indexOf(";"));
      return { mime, width: task.scaling.sentWidth, height: task.scaling.sentHeight, bytes: (sent.length - sent.indexOf(",") - 1) * 0.75 };
    },
    free: () => client.free(),
  };
}

const inputs = [
  {
    name: "2560×1600 PNG screenshot (devicePixelRatio 2) cropped to a 1240×840 region",
    query: "width=2560&height=1600&format=png",
    region: { x: 100, y: 50, width: 620, height: 420, viewportWidth: 1280 },
    crop: { left: 200, top: 100, width: 1240, height: 840 },
  },
  {
    name: "the same screenshot as base64 (as CDP's Page.captureScreenshot gives it), the same region",
    query: "width=2560&height=1600&format=png",
    base64: true,
    region: { x: 100, y: 50, width: 620, height: 420, viewportWidth: 1280 },
    crop: { left: 200, top: 100, width: 1240, height: 840 },
  },
  { name: "1280×800 PNG shrunk to 1000 px", query: "width=1280&height=800&format=png" },
  { name: "4000×3000 JPEG shrunk to 1000 px", query: "width=4000&height=3000&format=jpeg" },
];

const rows = [];
let met = 0;
for (const input of inputs) {
  const bytes = Buffer.from(await (await fetch(`${SANDBOX}/challenge/image?seed=5&${input.query}`)).arrayBuffer());
  // Base64 goes to ours as it is; sharp and jimp take bytes, so theirs
  // decode it first.
  const given = input.base64 ? bytes.toString("base64") : bytes;
  const decoded = () => (input.base64 ? Buffer.from(given, "base64") : bytes);
  const client = ours(given, input.region);
  await client.run(); // warm up, and learn what ours sends
  const o = client.sent();
  const png = o.mime === "image/png";
  const viaSharp = async () => {
    let s = sharp(decoded());
    if (input.crop) s = s.extract(input.crop);
    s = s.resize(o.width, o.height, { kernel: "lanczos3" });
    return (png ? s.png({ compressionLevel: 1, adaptiveFiltering: false }) : s.jpeg({ quality: 92 })).toBuffer();
  };
  const viaJimp = async () => {
    const j = await Jimp.read(decoded());
    if (input.crop) j.crop({ x: input.crop.left, y: input.crop.top, w: input.crop.width, h: input.crop.height });
    j.resize({ w: o.width, h: o.height });
    return png ? j.getBuffer("image/png") : j.getBuffer("image/jpeg", { quality: 92 });
  };
  // Ours and sharp take turns, so that both meet the same machine (a
  // shared 2-core machine's speed drifts within seconds).
  await viaSharp();
  const oursMs = [];
  const sharpMs = [];
  for (let i = 0; i < RUNS; i++) {
    oursMs.push(await client.run());
    sharpMs.push(await once(viaSharp));
  }
  client.free();
  o.ms = median(oursMs);
  const s = median(sharpMs);
  const j = await time(viaJimp);
  const ok = o.ms <= 2 * s && o.ms < j;
  met += ok;
  rows.push(
    `| ${input.name} (${(given.length / 1e6).toFixed(1)} ${input.base64 ? "M chars" : "MB"}) | ${o.width}×${o.height} ${o.mime.slice(6)}, ${Math.round(o.bytes / 1000)} kB | **${o.ms.toFixed(0)}** | ${s.toFixed(0)} | ${j.toFixed(0)} | ${(o.ms / s).toFixed(2)}× | ${ok ? "met" : "**not met**"} |`,
  );
}

console.log(`## Image preparation in Node

Median of ${RUNS} runs after one warm-up, ours and sharp taking turns, milliseconds, on the sandbox's generated challenges (their noisy backgrounds make the PNGs far larger than screenshots of ordinary pages, so these are hard cases). Ours: the package's Node build, from \`createTask(bytes, { region })\` (or the base64) to the request (sniff, decode, crop, shrink, encode, base64, request body). sharp ${JSON.parse(await readFile(new URL("../node_modules/sharp/package.json", import.meta.url))).version} (libvips): \`extract\`, \`resize\` (Lanczos3), PNG at compression level 1 without adaptive filtering or JPEG at quality 92, to a Buffer (from base64: \`Buffer.from(text, "base64")\` first). jimp ${JSON.parse(await readFile(new URL("../node_modules/jimp/package.json", import.meta.url))).version}: \`crop\`, \`resize\`, the same format. Both make what ours sent, at its size and format.

| input | sent | ours | sharp | jimp | ours ÷ sharp | within 2× of sharp and faster than jimp |
|---|---|---:|---:|---:|---:|---|
${rows.join("\n")}

Goal (within 2× of sharp and faster than jimp on each input): ${met === inputs.length ? "met" : `**not met** (${met} of ${inputs.length})`}.`);
