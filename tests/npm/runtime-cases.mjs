// The package as a runtime's users import it, by name, from a fresh project
// that installed the packed tarball (tests/js/runtimes.test.mjs): `run`
// solves sandbox challenges (bytes that need no change, a large PNG to
// shrink, a JPEG turned by EXIF, a screenshot's region at devicePixelRatio
// 2), aborts a call and meets a typed error, and resolves with what each
// case gave. Node, Deno and Bun run it from runtime-main.mjs, Cloudflare
// Workers from runtime-worker.mjs.
import init, { CoordinatesClient } from "anysolver-coordinates";

export async function run(endpoint, key) {
  await init();

  const challenge = async (query) => (await fetch(`${endpoint}/challenge?${query}`)).json();
  const bytes = (c) => Uint8Array.from(atob(c.imageBase64.split(",")[1]), (ch) => ch.charCodeAt(0));
  /** The farthest any true point is from the nearest point given, in the original's pixels. */
  const off = (points, answer, scale = 1) =>
    Math.max(...answer.map((t) => Math.min(...points.map((p) => Math.hypot(p.x * scale - t.x, p.y * scale - t.y)))));
  const settled = (p) =>
    p.then(
      (value) => ({ value }),
      (e) => ({ error: typeof e === "string" ? e : { name: e.name, kind: e.kind, code: e.code, message: e.message } }),
    );

  const client = new CoordinatesClient({ clientKey: key, endpoint });
  const cases = {};

  {
    const c = await challenge("seed=41&width=320&height=240&format=png");
    const r = await client.recognize(bytes(c), { comment: c.comment });
    cases.plain = { off: off(r.coordinates, c.answer), count: r.coordinates.length, truth: c.answer.length, sent: r.scaling.sentWidth };
  }
  {
    const c = await challenge("seed=42&width=2400&height=1800&format=png");
    const r = await client.recognize(bytes(c), { comment: c.comment });
    cases.large = { off: off(r.coordinates, c.answer) * r.scaling.scale, count: r.coordinates.length, truth: c.answer.length, sent: Math.max(r.scaling.sentWidth, r.scaling.sentHeight) };
  }
  {
    const c = await challenge("seed=43&width=1200&height=900&format=jpeg&orientation=6");
    const r = await client.recognize(bytes(c), { comment: c.comment });
    cases.exif = { off: off(r.coordinates, c.answer) * r.scaling.scale, count: r.coordinates.length, truth: c.answer.length, original: [r.scaling.originalWidth, r.scaling.originalHeight], shown: [c.width, c.height] };
  }
  {
    // A screenshot of a 320-px-wide viewport at devicePixelRatio 2: the
    // challenge fills it; points come back in CSS pixels.
    const c = await challenge("seed=44&width=640&height=480&format=png");
    const region = { x: 0, y: 0, width: 320, height: 240, viewportWidth: 320 };
    const points = await client.solve(bytes(c), { comment: c.comment, region });
    cases.region = { off: off(points, c.answer, 2), count: points.length, truth: c.answer.length };
  }
  {
    const c = await challenge("seed=45&width=320&height=240&format=png");
    const controller = new AbortController();
    const pending = settled(client.solve(bytes(c), { comment: c.comment, provider: "Fault:never", signal: controller.signal }));
    setTimeout(() => controller.abort("stop"), 300);
    cases.abort = await pending;
  }
  {
    const c = await challenge("seed=46&width=320&height=240&format=png");
    cases.typed = await settled(client.solve(bytes(c), { comment: c.comment, provider: "Fault:failed:CAPTCHA_UNSOLVABLE" }));
  }
  client.free();
  return cases;
}
