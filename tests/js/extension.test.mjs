// The example Manifest V3 extension in headless Chromium: loaded unpacked,
// configured through its options page, it finds the sandbox challenge,
// solves it in its service worker, and draws markers that sit on the truth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launchWithExtension, SANDBOX } from "./browser.mjs";

const DIR = new URL("../../target/extension/", import.meta.url).pathname;
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";

test("the extension marks the challenge's points within 3 CSS px", { skip, timeout: 90_000 }, async () => {
  const context = await launchWithExtension(DIR);
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
    const id = new URL(worker.url()).host;
    const options = await context.newPage();
    await options.goto(`chrome-extension://${id}/options.html`);
    await options.waitForFunction(() => document.getElementById("endpoint").value !== "");
    await options.fill("#endpoint", SANDBOX);
    await options.getByRole("button", { name: "Save" }).click();
    await options.waitForFunction(() => document.getElementById("status").textContent === "Saved.");
    await options.close();

    const seed = 12;
    const truth = await (await fetch(`${SANDBOX}/challenge?seed=${seed}`)).json();
    const page = await context.newPage();
    await page.goto(`${SANDBOX}/challenge/page?seed=${seed}`);
    await page.waitForFunction(() => {
      const img = document.querySelector("img[data-anysolver-challenge]");
      return img?.dataset.anysolverSolved || img?.dataset.anysolverError;
    }, null, { timeout: 60_000 });
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
      return { expected, markers, error: img.dataset.anysolverError };
    }, truth.answer);
    assert.equal(got.error, undefined);
    assert.equal(got.markers.length, got.expected.length);
    for (const t of got.expected) {
      const d = Math.min(...got.markers.map((m) => Math.hypot(m.x - t.x, m.y - t.y)));
      assert.ok(d <= 3, `a true point is ${d.toFixed(2)} CSS px from the nearest marker`);
    }
    await page.evaluate(() => window.postMessage({ anysolver: "clear" }, "*"));
    await page.waitForFunction(() => document.querySelectorAll(".anysolver-marker").length === 0);
  } finally {
    await context.close();
  }
});
