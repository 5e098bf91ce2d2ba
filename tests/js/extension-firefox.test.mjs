// The example extension, the same directory Chromium loads, in headless
// Firefox ESR through geckodriver: installed as a temporary add-on (where
// its manifest's `background.scripts` runs background.js as a module
// background script, not a service worker) and configured on its options
// page, it passes the sandbox's widget shown 4 ways on pages whose CSP
// forbids wasm, at devicePixelRatio 1 and 2 (Firefox's
// `layout.css.devPixelsPerPx`); a provider that answers wrong points makes
// the widget say `failed`, and a wrong key is written on the challenge,
// never left pending; on a page that names nothing, the toolbar button's
// picker solves the element the pointer picks. On failure, the end of
// Firefox's log (its console, the extension's included) is in the error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { firefox, installTemporaryAddon, pressActionButton } from "./firefox.mjs";
import { SANDBOX } from "./env.mjs";
import { assertPassed, challengeMarks, namesNothing, post, VARIANTS, verdictOf, widgetState, widgetUrl } from "./widget.mjs";

const DIR = new URL("../../target/extension/", import.meta.url).pathname;
const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";
/** The manifest's gecko id, and the UUID its moz-extension:// pages get here. */
const ADDON = "example@anysolver-coordinates";
const UUID = "5e1d0c3a-7b8f-4c2e-9a61-0d4f2b7e8c15";

/**
 * Runs `body(session, explained)` in a fresh headless Firefox at
 * devicePixelRatio `dpr` with the extension installed and its options saved
 * (the sandbox, `clientKey`, "Click the points for me" on). `explained(fn)`
 * runs `fn` and, if it throws, ends the error's report with the end of
 * Firefox's log (its console, the extension's included); the body runs so
 * too. Firefox and its driver are always ended.
 */
async function withExtension(name, { dpr = 1, clientKey }, body) {
  const log = `firefox-${name}.log`;
  const ff = await firefox({ log, dpr, prefs: { "extensions.webextensions.uuids": JSON.stringify({ [ADDON]: UUID }) } });
  const explained = async (fn) => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Error) e.stack += `\n-- the end of Firefox's log (test-artifacts/${log}):\n${ff.driver.tail(60)}`;
      throw e;
    }
  };
  try {
    await explained(async () => {
      assert.equal(await installTemporaryAddon(ff.session, DIR), ADDON);
      await configure(ff.session, clientKey);
      const background = await ff.session.run(async () => typeof (await chrome.runtime.getBackgroundPage())?.startPicker);
      assert.equal(background, "function", "background.js runs as Firefox's background script, a page the options page can reach");
      await body(ff.session, explained);
    });
  } finally {
    await ff.close();
  }
}

/** Saves the sandbox, `clientKey` and "Click the points for me" on the extension's options page, typed as a person types. */
async function configure(session, clientKey) {
  await session.navigate(`moz-extension://${UUID}/options.html`);
  await session.waitFor(() => document.getElementById("endpoint").value !== "", [], { message: "the options page shows the settings" });
  await session.type(await session.find("#endpoint"), SANDBOX);
  await session.type(await session.find("#clientKey"), clientKey);
  if (!(await session.run(() => document.getElementById("click").checked))) await session.click(await session.find("#click"));
  await session.click(await session.find("button[type=submit]"));
  await session.waitFor(() => document.getElementById("status").textContent === "Saved.", [], { message: "the options page saved" });
}

/** In the widget's page: whether its canvas refuses the page its pixels. */
const canvasTainted = () => {
  try {
    document.querySelector("canvas").toDataURL();
    return false;
  } catch (e) {
    return e.name === "SecurityError";
  }
};

/** The page at `url` is sent with a CSP that forbids wasm (`default-src
 * 'self'`, no `'wasm-unsafe-eval'`). Read from the response, since a
 * WebDriver script in Firefox runs in a sandbox the page's CSP does not bind. */
async function assertStrictCsp(url) {
  const csp = (await fetch(url)).headers.get("content-security-policy");
  assert.match(csp ?? "", /^default-src 'self'; /);
  assert.doesNotMatch(csp, /wasm-unsafe-eval|unsafe-eval/);
}

/** Opens the widget in the tab and waits for its verdict, or for the
 * extension to write an error on the challenge (in the frame, for `iframe`). */
async function verdict(session, variant, seed, csp = "", extra = "") {
  await session.navigate(widgetUrl(variant, seed, csp, extra));
  const marks = async () => {
    if (variant !== "iframe") return session.run(challengeMarks);
    const frame = await session.find("iframe").catch(() => null);
    if (!frame) return null;
    await session.frame(frame);
    try {
      return await session.run(challengeMarks);
    } finally {
      await session.frame(null);
    }
  };
  return verdictOf(() => session.run(widgetState), marks);
}

for (const dpr of [1, 2]) {
  test(`in Firefox, the extension passes the widget shown 4 ways at devicePixelRatio ${dpr} on pages whose CSP forbids wasm`, { skip, timeout: 240_000 }, async (t) => {
    const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
    await withExtension(`widget-dpr${dpr}`, { dpr, clientKey }, async (session, explained) => {
      for (const [i, variant] of VARIANTS.entries()) {
        await t.test(variant, () => explained(async () => {
          const seen = await verdict(session, variant, 30 + i, "strict");
          await assertStrictCsp(widgetUrl(variant, 30 + i, "strict"));
          await session.screenshot(`firefox-widget-${variant}-dpr${dpr}-strict.png`);
          if (variant === "canvas") assert.equal(await session.run(canvasTainted), true, "the page cannot read its canvas");
          // Unlike Chromium, Firefox lets a content script read a canvas
          // drawn from an origin the extension has host access to, tainted
          // for the page though it is (canvas, and iframe's canvas in its
          // frame): only the CSS background needs a capture of the tab.
          assertPassed(dpr, variant === "background", seen);
        }));
      }
      const stats = await post("/sandbox/stats", { clientKey });
      assert.equal(stats.tasksCreated, VARIANTS.length, "one task per challenge");
    });
  });
}

test("in Firefox, wrong points make the widget say failed, and an error is written on the challenge in its frame, naming no key", { skip, timeout: 120_000 }, async () => {
  const { clientKey } = await post("/sandbox/accounts", { balance: 10, selectionMode: "priority", priority: ["Fault:shift:40"] });
  await withExtension("failures", { clientKey }, async (session) => {
    const wrong = await verdict(session, "background", 24, "strict");
    assert.equal(wrong.marks.anysolverError, undefined);
    assert.ok(Number(wrong.marks.anysolverSolved) >= 1);
    assert.equal(wrong.state, "failed");

    await configure(session, "anysolver_wrong_key");
    const { state, marks } = await verdict(session, "iframe", 25, "strict");
    assert.equal(state, "pending", "nothing was clicked");
    assert.match(marks.anysolverError ?? "", /^ERROR_KEY_DOES_NOT_EXIST: /);
    assert.equal(marks.markers, 0);
  });
});

// The picker on a page the extension knows nothing of: no data-anysolver-*
// mark anywhere, the challenge in a frame of another origin, the page's CSP
// forbidding wasm. The extension's toolbar button is pressed in Firefox's
// own toolbar (pressActionButton: Firefox's click on its button, not a
// person's pointer); the pointer then moves onto the challenge and clicks
// (WebDriver input actions: Firefox's input events, not events dispatched
// by a script); the instruction is typed into the prompt; the points are
// clicked and the widget passes.
test("in Firefox, on a page that names nothing, the toolbar button's picker solves the element pointed at", { skip, timeout: 120_000 }, async () => {
  const { clientKey } = await post("/sandbox/accounts", { balance: 10 });
  await withExtension("picker", { clientKey }, async (session) => {
    await session.navigate(widgetUrl("iframe", 26, "strict", "&marks=0"));
    assert.equal(await session.run(namesNothing), true);
    const frame = await session.find("iframe");
    await session.frame(frame);
    const challenge = await session.waitFor(() => document.getElementById("challenge"), [], { message: "the challenge in its frame" });
    assert.equal(await session.run(namesNothing), true);
    const comment = await session.run(() => document.getElementById("instruction").textContent);
    await session.frame(null);

    await pressActionButton(session, ADDON);
    await session.frame(frame);
    // The picker is injected in every frame: once it runs here, the element
    // under the pointer is outlined.
    const outlined = () => session.run(() => getComputedStyle(document.getElementById("challenge")).outlineStyle);
    for (const until = Date.now() + 10_000; (await outlined()) !== "solid"; ) {
      assert.ok(Date.now() < until, "the element under the pointer is outlined");
      await session.pointer(challenge);
    }
    await session.pointer(challenge, { click: true });
    for (const until = Date.now() + 10_000; !(await session.dialog()); ) {
      assert.ok(Date.now() < until, "the picker asks what should be clicked");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(await session.dialog(), /What should be clicked\?/);
    await session.answerPrompt(comment);
    await session.frame(null);

    const { state, marks } = await verdictOf(
      () => session.run(widgetState),
      async () => {
        await session.frame(frame);
        try {
          return await session.run(() => ({ ...document.getElementById("challenge").dataset, markers: document.querySelectorAll(".anysolver-marker").length }));
        } finally {
          await session.frame(null);
        }
      },
    );
    await session.screenshot("firefox-picker-iframe-strict.png");
    assert.equal(marks.anysolverError, undefined);
    assert.equal(state, "passed", JSON.stringify(marks));
    assert.equal(marks.markers, Number(marks.anysolverSolved), "one marker per point");
    assert.equal((await post("/sandbox/stats", { clientKey })).tasksCreated, 1, "one task");
  });
});
