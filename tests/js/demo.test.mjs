// The demo page end to end in headless Chromium: a sample challenge solved
// with every marker on the truth, also after a resize; Cancel; a bad key;
// the human flow with a second page clicking in /worker; markup shown as text.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { launch, SANDBOX, ARTIFACTS } from "./browser.mjs";
import { assertOnTruth, markersAndTruth, sampleShown } from "./demo-page.mjs";

const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
let browser;

before(async () => {
  if (!skip) browser = await launch();
});
after(async () => browser?.close());

/** Opens the demo; records console errors and the last sample challenge. */
async function openDemo() {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const state = { errors: [], challenge: null };
  page.on("console", (m) => m.type() === "error" && state.errors.push(m.text()));
  page.on("pageerror", (e) => state.errors.push(String(e)));
  await page.route("**/challenge?*", async (route) => {
    const response = await route.fetch();
    state.challenge = await response.json();
    await route.fulfill({ response, json: state.challenge });
  });
  await page.goto(`${SANDBOX}/`);
  await page.waitForFunction(() => document.getElementById("endpoint").value !== "");
  return { page, state };
}

/** Clicks "New sample challenge" and waits until its image is shown. */
async function newSample(page) {
  await page.getByRole("button", { name: "New sample challenge" }).click();
  await page.waitForFunction(sampleShown);
}

/** Waits until the page shows a result or an error, and fails with the error. */
async function waitSolved(page) {
  await page.waitForFunction(
    () => document.getElementById("progress").textContent.startsWith("Solved") || !document.getElementById("error").hidden,
    null,
    { timeout: 30_000 },
  );
  const error = await page.locator("#error").textContent();
  if (error) {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("demo-failure.png", ARTIFACTS).pathname, fullPage: true });
  }
  assert.equal(error, "", "the page shows an error");
}

test("the first screen shows no broken image, only the placeholder", { skip }, async () => {
  const { page, state } = await openDemo();
  const seen = await page.evaluate(() => {
    const img = document.getElementById("image");
    const box = img.getBoundingClientRect();
    return {
      hidden: img.hidden,
      display: getComputedStyle(img).display,
      area: box.width * box.height,
      placeholder: getComputedStyle(document.getElementById("placeholder")).display,
    };
  });
  assert.deepEqual(seen, { hidden: true, display: "none", area: 0, placeholder: "block" });
  // Every element marked hidden is really not shown.
  const shown = await page.evaluate(() =>
    [...document.querySelectorAll("[hidden]")].filter((e) => getComputedStyle(e).display !== "none").map((e) => e.id || e.tagName),
  );
  assert.deepEqual(shown, []);
  assert.deepEqual(state.errors, []);
  await page.close();
});

test("a sample challenge is solved and every marker sits on the truth, also after a resize", { skip }, async () => {
  const { page, state } = await openDemo();
  await newSample(page);
  await page.getByRole("button", { name: "Solve" }).click();
  await page.waitForFunction(() => document.getElementById("progress").textContent.startsWith("Solved"), null, { timeout: 30_000 });
  assertOnTruth(await page.evaluate(markersAndTruth, state.challenge.answer));
  assert.match(await page.locator("#facts").textContent(), /Vision/);
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL("demo-solved.png", ARTIFACTS).pathname, fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForTimeout(300);
  const after = await page.evaluate(markersAndTruth, state.challenge.answer);
  assertOnTruth(after);
  assert.deepEqual(state.errors, [], "no console errors");
  await page.close();
});

test("Cancel stops a pending solve", { skip }, async () => {
  const { page } = await openDemo();
  await newSample(page);
  await page.selectOption("#provider", "Human");
  await page.getByRole("button", { name: "Solve" }).click();
  await page.waitForFunction(() => /processing/.test(document.getElementById("progress").textContent), null, { timeout: 15_000 });
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.waitForFunction(() => document.getElementById("progress").textContent === "Cancelled.");
  assert.equal(await page.locator("#error").isHidden(), true);
  assert.equal(await page.getByRole("button", { name: "Solve" }).isEnabled(), true);
  await page.close();
});

test("a bad key shows ERROR_KEY_DOES_NOT_EXIST and the page keeps working", { skip }, async () => {
  const { page } = await openDemo();
  await newSample(page);
  await page.fill("#key", "anysolver_wrong_key");
  await page.getByRole("button", { name: "Solve" }).click();
  await page.waitForSelector("#error:not([hidden])");
  const text = await page.locator("#error").textContent();
  assert.match(text, /ERROR_KEY_DOES_NOT_EXIST/);
  assert.doesNotMatch(text, /anysolver_wrong_key/);
  await page.fill("#key", "anysolver_demo");
  await page.getByRole("button", { name: "Solve" }).click();
  await page.waitForFunction(() => document.getElementById("progress").textContent.startsWith("Solved"), null, { timeout: 30_000 });
  assert.equal(await page.locator("#error").isHidden(), true);
  await page.close();
});

test("human flow: a second page clicks in /worker, and markup in the comment stays text", { skip }, async () => {
  const { page, state } = await openDemo();
  await newSample(page);
  const markup = `<img src=x onerror="window.__xss=1">${state.challenge?.comment ?? ""}`;
  await page.fill("#comment", markup);
  await page.selectOption("#provider", "Human");
  assert.equal(await page.locator("#human-link").isVisible(), true);
  await page.getByRole("button", { name: "Solve" }).click();
  await page.waitForFunction(() => /processing/.test(document.getElementById("progress").textContent), null, { timeout: 15_000 });

  const link = await page.locator("#human-link a").getAttribute("href");
  assert.match(link, /\/worker\?task=[0-9A-Z]{26}$/);
  const worker = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  await worker.goto(link);
  await worker.waitForFunction((m) => document.getElementById("comment").textContent === m, markup, { timeout: 10_000 });
  assert.equal(await worker.evaluate(() => window.__xss), undefined, "markup was not run");
  assert.equal(await worker.locator("#comment img").count(), 0, "markup was not parsed");
  await worker.waitForFunction(() => document.getElementById("image").complete && document.getElementById("image").naturalWidth > 0);
  const box = await worker.locator("#image").boundingBox();
  const natural = await worker.evaluate(() => ({ w: document.getElementById("image").naturalWidth }));
  const scale = box.width / natural.w;
  for (const p of state.challenge.answer) {
    await worker.mouse.click(box.x + p.x * scale, box.y + p.y * scale);
  }
  await worker.getByRole("button", { name: "Submit" }).click();
  await worker.waitForFunction(() => /^(Answer sent|Not accepted)/.test(document.getElementById("outcome").textContent));
  assert.match(await worker.locator("#outcome").textContent(), /^Answer sent for task [0-9A-Z]{26}\.$/);

  await waitSolved(page);
  assertOnTruth(await page.evaluate(markersAndTruth, state.challenge.answer), 3);
  assert.match(await page.locator("#facts").textContent(), /Human/);
  await worker.close();
  await page.close();
});

test("the key is kept only in the storage the user chose", { skip }, async () => {
  const key = "anysolver_demo";
  const { page } = await openDemo();
  const carried = [];
  page.on("request", (r) => {
    if (r.url().includes(key) || (r.postData() ?? "").includes(key) || JSON.stringify(r.headers()).includes(key)) {
      carried.push(new URL(r.url()).pathname);
    }
  });
  await page.fill("#key", key);
  await page.locator("#key").dispatchEvent("change");
  await newSample(page);
  await page.getByRole("button", { name: "Solve" }).click();
  await waitSolved(page);
  const seen = () =>
    page.evaluate((key) => ({
      local: Object.keys(localStorage).filter((k) => localStorage.getItem(k).includes(key)).length,
      session: Object.keys(sessionStorage).filter((k) => sessionStorage.getItem(k).includes(key)).length,
      cookie: document.cookie.includes(key),
      url: location.href.includes(key),
      // Everything the page shows or holds in markup, except the key field's own value.
      shown: document.body.innerText.includes(key) || document.documentElement.outerHTML.includes(key),
    }), key);
  assert.deepEqual(await seen(), { local: 0, session: 1, cookie: false, url: false, shown: false }, "per tab by default");
  assert.ok(carried.length > 0 && carried.every((p) => /\/(createTask|getTaskResult)$/.test(p)), `sent only to the API: ${carried}`);
  await page.check("#remember");
  assert.deepEqual(await seen(), { local: 1, session: 0, cookie: false, url: false, shown: false }, "remembered on this device");
  await page.uncheck("#remember");
  assert.deepEqual(await seen(), { local: 0, session: 1, cookie: false, url: false, shown: false }, "forgotten again");
  await page.close();
});
