// The example Manifest V3 extension in headless Chromium: loaded unpacked,
// configured through its options page, it finds the sandbox challenge,
// solves it in its service worker, and draws markers that sit on the truth,
// also on pages whose Content-Security-Policy forbids wasm (the package runs
// in the service worker only); a task survives its service worker being
// stopped mid-solve; an error is written on the challenge, never left
// pending; on a page that names nothing, the toolbar button's picker
// solves the element the user points at; and the READMEs' extension
// outline, run as written in a bare extension, passes the widget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTIFACTS, launchWithExtension, SANDBOX } from "./browser.mjs";
import { assertPassed, challengeMarks, namesNothing, post, VARIANTS, verdictOf, wasmAllowed, widgetState, widgetUrl } from "./widget.mjs";

const DIR = new URL("../../target/extension/", import.meta.url).pathname;
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";

/** Loads the extension (from `dir`) and saves the sandbox (and `clientKey`, if given) on its options page. */
async function loadConfigured(clientKey, { click = false, deviceScaleFactor, dir = DIR } = {}) {
  const context = await launchWithExtension(dir, { deviceScaleFactor });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
  const id = new URL(worker.url()).host;
  const options = await context.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  await options.waitForFunction(() => document.getElementById("endpoint").value !== "");
  await options.fill("#endpoint", SANDBOX);
  if (clientKey) await options.fill("#clientKey", clientKey);
  await options.setChecked("#click", click);
  await options.getByRole("button", { name: "Save" }).click();
  await options.waitForFunction(() => document.getElementById("status").textContent === "Saved.");
  return { context, worker, options };
}

/** Waits until the content script has solved (or failed) the challenge image; its data attributes. */
async function solved(page) {
  await page.waitForFunction(() => {
    const img = document.querySelector("img[data-anysolver-challenge]");
    return img?.dataset.anysolverSolved || img?.dataset.anysolverError;
  }, null, { timeout: 60_000 });
  return page.evaluate(() => ({ ...document.querySelector("img[data-anysolver-challenge]").dataset }));
}

/** Every true point has a marker within 3 CSS px, and the counts agree. */
async function assertMarkersOnTruth(page, answer) {
  const got = await page.evaluate((answer) => {
    const img = document.querySelector("img[data-anysolver-challenge]");
    const r = img.getBoundingClientRect();
    const cs = getComputedStyle(img);
    const left = r.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft);
    const top = r.top + parseFloat(cs.borderTopWidth) + parseFloat(cs.paddingTop);
    const width = r.width - parseFloat(cs.borderLeftWidth) - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const scale = width / img.naturalWidth;
    const expected = answer.map((p) => ({ x: left + p.x * scale, y: top + p.y * scale }));
    const markers = [...document.querySelectorAll(".anysolver-marker")].map((m) => {
      const b = m.getBoundingClientRect();
      return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
    });
    return { expected, markers };
  }, answer);
  assert.equal(got.markers.length, got.expected.length);
  for (const t of got.expected) {
    const d = Math.min(...got.markers.map((m) => Math.hypot(m.x - t.x, m.y - t.y)));
    assert.ok(d <= 3, `a true point is ${d.toFixed(2)} CSS px from the nearest marker`);
  }
}

for (const csp of ["", "strict"]) {
  const on = csp ? " on a page whose CSP forbids wasm" : "";
  test(`the extension marks the challenge's points within 3 CSS px${on}`, { skip, timeout: 90_000 }, async () => {
  const { context, options } = await loadConfigured();
  try {
    await options.close();
    const seed = csp ? 14 : 12;
    const truth = await (await fetch(`${SANDBOX}/challenge?seed=${seed}`)).json();
    const page = await context.newPage();
    const response = await page.goto(`${SANDBOX}/challenge/page?seed=${seed}&csp=${csp}`);
    if (csp) {
      assert.match(response.headers()["content-security-policy"], /^default-src 'self'; img-src 'self' data:;/);
      assert.equal(await page.evaluate(wasmAllowed), false, "the page's CSP refuses wasm");
    }
    const data = await solved(page);
    assert.equal(data.anysolverError, undefined);
    await assertMarkersOnTruth(page, truth.answer);
    await page.evaluate(() => window.postMessage({ anysolver: "clear" }, "*"));
    await page.waitForFunction(() => document.querySelectorAll(".anysolver-marker").length === 0);
  } finally {
    await context.close();
  }
  });
}

test("a task survives its service worker being stopped: resumed, not created twice", { skip, timeout: 90_000 }, async () => {
  // A key whose tasks take 6 s, so the worker can be stopped while one waits.
  const { clientKey } = await post("/sandbox/accounts", { balance: 10, selectionMode: "priority", priority: ["Vision:6000"] });
  const { context, worker, options } = await loadConfigured(clientKey);
  try {
    const seed = 13;
    const truth = await (await fetch(`${SANDBOX}/challenge?seed=${seed}`)).json();
    const page = await context.newPage();
    await page.goto(`${SANDBOX}/challenge/page?seed=${seed}`);
    // Once the worker has stored the Task record, stop it.
    const stored = async () => Object.keys(await worker.evaluate(() => chrome.storage.session.get(null))).length;
    for (let i = 0; i < 100 && (await stored()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await stored(), 1, "the worker stored the Task record");
    const cdp = await context.newCDPSession(options);
    const { targetInfos } = await cdp.send("Target.getTargets");
    const sw = targetInfos.find((t) => t.type === "service_worker" && t.url.endsWith("/background.js"));
    await cdp.send("Target.closeTarget", { targetId: sw.targetId });

    const data = await solved(page);
    assert.equal(data.anysolverError, undefined);
    assert.match(data.anysolverResumed ?? "", /^[0-9A-Z]{26}$/, "a new worker resumed the stored task");
    await assertMarkersOnTruth(page, truth.answer);
    const stats = await post("/sandbox/stats", { clientKey });
    assert.equal(stats.tasksCreated, 1, "one task, charged once");
    assert.equal(stats.requests.createTask, 1);
  } finally {
    await context.close();
  }
});

// The click-checking widget: each way of showing a challenge, at
// devicePixelRatio 1 and 2, solved and clicked by the extension until the
// page itself says `passed`; and a provider that answers wrong points makes
// it say `failed`.

/** Opens the widget and waits for its verdict, or for the extension to write
 * an error on the challenge; the page's state and what the extension recorded. */
async function verdict(context, variant, seed, csp = "", extra = "") {
  const page = await context.newPage();
  await page.goto(widgetUrl(variant, seed, csp, extra));
  const frame = variant === "iframe" ? await (await page.waitForSelector("iframe")).contentFrame() : page.mainFrame();
  return { page, ...(await verdictOf(() => page.evaluate(widgetState), () => frame.evaluate(challengeMarks))) };
}

for (const [deviceScaleFactor, csp] of [[1, ""], [2, ""], [1, "strict"], [2, "strict"]]) {
  const on = csp ? " on pages whose CSP forbids wasm" : "";
  test(`the extension passes the widget shown 4 ways at devicePixelRatio ${deviceScaleFactor}${on}`, { skip, timeout: 240_000 }, async (t) => {
    const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
    const { context, options } = await loadConfigured(clientKey, { click: true, deviceScaleFactor });
    try {
      await options.close();
      for (const [i, variant] of VARIANTS.entries()) {
        await t.test(variant, async () => {
          const { page, ...seen } = await verdict(context, variant, (csp ? 30 : 20) + i, csp);
          if (csp) assert.equal(await page.evaluate(wasmAllowed), false, "the page's CSP refuses wasm");
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: new URL(`widget-${variant}-dpr${deviceScaleFactor}${csp ? "-strict" : ""}.png`, ARTIFACTS).pathname });
          // img: the pixels are read; the other three only a screenshot shows.
          assertPassed(deviceScaleFactor, variant !== "img", seen);
          await page.close();
        });
      }
      const stats = await post("/sandbox/stats", { clientKey });
      assert.equal(stats.tasksCreated, VARIANTS.length, "one task per challenge");
    } finally {
      await context.close();
    }
  });
}

test("a challenge the page draws after its load event is solved once drawn: a canvas, also in a frame, and a background", { skip, timeout: 90_000 }, async (t) => {
  const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
  const { context, options } = await loadConfigured(clientKey, { click: true });
  try {
    await options.close();
    // A canvas is blank and readable for 1.5 s after load, then tainted: the
    // extension waits for it to show something. An empty box gives no such
    // sign: its background, painted 0.3 s after load, is caught by captures
    // repeated until two in a row agree.
    for (const [i, [variant, delay]] of [["canvas", 1500], ["iframe", 1500], ["background", 300]].entries()) {
      await t.test(variant, async () => {
        const { page, state, marks } = await verdict(context, variant, 40 + i, "", `&drawDelayMs=${delay}`);
        assert.equal(marks.anysolverError, undefined, JSON.stringify(marks));
        assert.equal(state, "passed", `the widget's verdict (${JSON.stringify(marks)})`);
        assert.equal(Number(marks.anysolverCaptured), 1, "captured once drawn, not sent blank");
        await page.close();
      });
    }
    const stats = await post("/sandbox/stats", { clientKey });
    assert.equal(stats.tasksCreated, 3, "one task per challenge, none for a blank one");
  } finally {
    await context.close();
  }
});

test("a provider that answers wrong points makes the widget say failed", { skip, timeout: 90_000 }, async () => {
  const { clientKey } = await post("/sandbox/accounts", { balance: 10, selectionMode: "priority", priority: ["Fault:shift:40"] });
  const { context, options } = await loadConfigured(clientKey, { click: true });
  try {
    await options.close();
    const { state, marks } = await verdict(context, "background", 24);
    assert.equal(marks.anysolverError, undefined);
    assert.ok(Number(marks.anysolverSolved) >= 1);
    assert.equal(state, "failed");
  } finally {
    await context.close();
  }
});

test("an error is written on the challenge in its frame on a page whose CSP forbids wasm, never left pending, and names no key", { skip, timeout: 90_000 }, async () => {
  const { context, options } = await loadConfigured("anysolver_wrong_key", { click: true });
  try {
    await options.close();
    const { state, marks } = await verdict(context, "iframe", 25, "strict");
    assert.equal(state, "pending", "nothing was clicked");
    assert.match(marks.anysolverError ?? "", /^ERROR_KEY_DOES_NOT_EXIST: /);
    assert.doesNotMatch(marks.anysolverError, /anysolver_wrong_key/);
    assert.equal(marks.markers, 0);
  } finally {
    await context.close();
  }
});

// The picker, as a person uses it on a page the extension knows nothing of:
// no data-anysolver-* mark anywhere, the challenge in a frame of another
// origin, the page's CSP forbidding wasm. The toolbar button's handler
// starts it (evaluated in the service worker, as the button calls it); the
// pointer moves onto the challenge and clicks; the instruction is typed
// into the prompt; the points are clicked and the widget passes.
test("on a page that names nothing, the toolbar button's picker solves the element pointed at", { skip, timeout: 90_000 }, async () => {
  const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
  const { context, worker, options } = await loadConfigured(clientKey, { click: true });
  try {
    await options.close();
    const seed = 26;
    const page = await context.newPage();
    await page.goto(widgetUrl("iframe", seed, "strict", "&marks=0"));
    const frame = await (await page.waitForSelector("iframe")).contentFrame();
    await frame.waitForSelector("#challenge");
    assert.equal(await page.evaluate(namesNothing), true);
    assert.equal(await frame.evaluate(namesNothing), true);
    const comment = await frame.evaluate(() => document.getElementById("instruction").textContent);
    await page.bringToFront();
    await worker.evaluate(async (url) => {
      const [tab] = await chrome.tabs.query({ url });
      await globalThis.startPicker(tab);
    }, page.url());
    page.on("dialog", (d) => d.accept(comment));
    const box = await (await frame.$("#challenge")).boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    const outlined = await frame.evaluate(() => getComputedStyle(document.getElementById("challenge")).outlineStyle);
    assert.equal(outlined, "solid", "the element under the pointer is outlined");
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => document.body.dataset.state !== "pending", null, { timeout: 60_000 }).catch(() => {});
    const marks = await frame.evaluate(() => ({ ...document.getElementById("challenge").dataset, markers: document.querySelectorAll(".anysolver-marker").length }));
    await page.screenshot({ path: new URL("picker-iframe-strict.png", ARTIFACTS).pathname });
    assert.equal(marks.anysolverError, undefined);
    assert.equal(await page.evaluate(() => document.body.dataset.state), "passed", JSON.stringify(marks));
    assert.equal(marks.markers, Number(marks.anysolverSolved), "one marker per point");
    assert.equal((await post("/sandbox/stats", { clientKey })).tasksCreated, 1, "one task");
  } finally {
    await context.close();
  }
});

test("when the package cannot load in the service worker, the challenge says so", { skip, timeout: 90_000 }, async () => {
  // The extension as built, but its .wasm damaged (an interrupted download,
  // a bad copy): init() fails in the service worker.
  const broken = mkdtempSync(join(tmpdir(), "anysolver-broken-extension-"));
  cpSync(DIR, broken, { recursive: true });
  writeFileSync(join(broken, "pkg", "anysolver_coordinates_bg.wasm"), "not wasm");
  const { context, options } = await loadConfigured(undefined, { dir: broken });
  try {
    await options.close();
    const page = await context.newPage();
    await page.goto(`${SANDBOX}/challenge/page?seed=15&csp=strict`);
    const data = await solved(page);
    assert.match(data.anysolverError ?? "", /did not load in the service worker/);
    assert.equal(data.anysolverSolved, undefined);
  } finally {
    await context.close();
  }
});

/** The READMEs' extension outline (one `js` block: a content-script part,
 * then a service-worker part), the same in both READMEs. */
function readmeOutline() {
  const block = (file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    const from = text.indexOf("```js\n", text.indexOf("## Solving what the user sees"));
    return text.slice(from + 6, text.indexOf("```", from + 6));
  };
  const code = block("README.md");
  assert.equal(block("pkg-template/README.md"), code, "the npm README shows the same outline");
  const at = code.indexOf("// service worker");
  assert.ok(at > 0, "the outline has a service-worker part");
  return { content: code.slice(0, at), worker: code.slice(at) };
}

// The background is painted 0.3 s after the page's load event: the
// outline's first capture shows an empty box, and only its capturing again
// until two captures agree sends the challenge (without it: 0 shapes).
test("the READMEs' extension outline, run as written, passes the widget shown as a CSS background painted late, at devicePixelRatio 2, on a page whose CSP forbids wasm", { skip, timeout: 90_000 }, async () => {
  const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
  const { content, worker } = readmeOutline();
  // A bare extension around the two parts, as a user's would hold them:
  // what the outline leaves to its reader (the challenge, its instruction,
  // the client, the message listener) and nothing more; the content
  // script's `chrome.runtime.sendMessage` throws the worker's error, so
  // that a failure says what it was.
  const dir = mkdtempSync(join(tmpdir(), "anysolver-readme-extension-"));
  cpSync(join(DIR, "pkg"), join(dir, "pkg"), { recursive: true });
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({
    manifest_version: 3,
    name: "the README's outline",
    version: "1.0.0",
    background: { service_worker: "background.js", type: "module" },
    content_scripts: [{ matches: ["http://127.0.0.1/*"], js: ["content.js"], run_at: "document_idle" }],
    host_permissions: ["<all_urls>"],
    content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
  }));
  writeFileSync(join(dir, "background.js"), `import init, { CoordinatesClient } from "./pkg/anysolver_coordinates.js";
const ready = init().then(() => new CoordinatesClient({ clientKey: ${JSON.stringify(clientKey)}, endpoint: ${JSON.stringify(SANDBOX)} }));
chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  ready.then(async (client) => {
${worker}
    return { points };
  }).then(sendResponse, (e) => sendResponse({ error: String(e?.message ?? e) }));
  return true;
});
`);
  writeFileSync(join(dir, "content.js"), `(async () => {
  const chrome = { runtime: { sendMessage: async (msg) => {
    const answer = await globalThis.chrome.runtime.sendMessage(msg);
    if (answer.error) throw new Error(answer.error);
    return answer;
  } } };
  const challenge = document.querySelector("[data-anysolver-challenge]");
  const comment = document.querySelector("[data-anysolver-instruction]").textContent;
${content}
  document.body.dataset.outline = \`clicked \${answer.points.length}\`;
})().catch((e) => { document.body.dataset.outline = \`error: \${e?.message ?? e}\`; });
`);
  const context = await launchWithExtension(dir, { deviceScaleFactor: 2 });
  try {
    const page = await context.newPage();
    await page.goto(`${SANDBOX}/challenge/widget?seed=26&variant=background&drawDelayMs=300&csp=strict`);
    await page.waitForFunction(() => document.body.dataset.outline, null, { timeout: 60_000 });
    const { outline, state, dpr } = await page.evaluate(() => ({ ...document.body.dataset, dpr: devicePixelRatio }));
    assert.equal(dpr, 2, "the page's devicePixelRatio");
    assert.equal(await page.evaluate(wasmAllowed), false, "the page's CSP refuses wasm");
    assert.match(outline, /^clicked [1-9]/, "the outline solved and clicked");
    assert.equal(state, "passed", `the widget's verdict (${outline})`);
  } finally {
    await context.close();
  }
});
