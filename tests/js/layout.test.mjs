// `layoutOf` (the package's layout.js, plain JavaScript) describes an <img>
// or <canvas> as data that `toClientPoints` maps exactly as it maps the
// element itself: the same points, for every object-fit, object-position,
// border and padding, on a page and in a worker (which has no elements).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, SANDBOX } from "./browser.mjs";

const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
let browser;

before(async () => {
  if (!skip) browser = await launch();
});

after(async () => {
  await browser?.close();
});

test("toClientPoints maps a layoutOf() description as it maps the element, also in a worker", { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(`${SANDBOX}/`);
  const results = await page.evaluate(async () => {
    const m = await import("/pkg/anysolver_coordinates.js");
    await m.default();
    const { layoutOf } = await import("/pkg/layout.js");
    const styles = [
      "width:300px;height:200px",
      "width:300px;height:300px;object-fit:contain",
      "width:300px;height:100px;object-fit:cover;object-position:20% 80%",
      "width:250px;height:250px;object-fit:none;object-position:calc(100% - 10px) 5px;border:4px solid;padding:6px 3px",
      "width:120px;height:90px;object-fit:scale-down;padding:10px",
    ];
    const png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAZAAAADICAIAAABJdyC1AAAAF0lEQVR42u3BAQ0AAADCoPdPbQ43oAAAAHg3CLAAAXDpNyMAAAAASUVORK5CYII=";
    const points = [{ x: 0, y: 0 }, { x: 123.5, y: 77.25 }, { x: 400, y: 200 }];
    const out = [];
    for (const style of styles) {
      for (const kind of ["img", "canvas"]) {
        const el = document.createElement(kind);
        if (kind === "img") {
          el.src = png;
          await el.decode();
        } else {
          el.width = 400;
          el.height = 200;
        }
        el.setAttribute("style", `display:block;box-sizing:content-box;${style}`);
        document.body.append(el);
        const layout = layoutOf(el);
        out.push({ style, kind, direct: m.toClientPoints(points, el), described: m.toClientPoints(points, JSON.parse(JSON.stringify(layout))), layout });
        el.remove();
      }
    }
    // In a worker: no elements, only the description.
    const worker = new Worker(URL.createObjectURL(new Blob([`
      onmessage = async (e) => {
        const m = await import("${location.origin}/pkg/anysolver_coordinates.js");
        await m.default({ module_or_path: "${location.origin}/pkg/anysolver_coordinates_bg.wasm" });
        postMessage(m.toClientPoints(e.data.points, e.data.layout));
      };`], { type: "text/javascript" })), { type: "module" });
    const inWorker = await new Promise((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage({ points, layout: out[3].layout });
    });
    let refused = null;
    try {
      m.toClientPoints(points, { natural: { width: 1 } });
    } catch (e) {
      refused = { kind: e.kind, code: e.code, message: e.message };
    }
    return { out, inWorker, refused };
  });
  for (const { style, kind, direct, described } of results.out) {
    assert.equal(described.length, direct.length);
    for (const [i, p] of direct.entries()) {
      assert.ok(Math.abs(p.x - described[i].x) < 1e-9 && Math.abs(p.y - described[i].y) < 1e-9, `${kind} ${style}: ${JSON.stringify(p)} vs ${JSON.stringify(described[i])}`);
    }
  }
  assert.deepEqual(results.inWorker, results.out[3].described);
  assert.equal(results.refused.kind, "validation");
  assert.equal(results.refused.code, "INVALID_ARGUMENT");
  assert.match(results.refused.message, /layoutOf/);
  await page.close();
});
