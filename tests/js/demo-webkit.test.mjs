// The demo page in WebKitGTK's MiniBrowser (Safari's engine), through
// WebKitWebDriver under a virtual display: "New sample challenge" fetches a
// sample, Solve solves it with the package's browser build, and every
// marker sits on the sandbox's answer for that sample. On failure the error
// says what the page showed and what it logged as an error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { webkit } from "./webkit.mjs";
import { SANDBOX } from "./env.mjs";
import { assertOnTruth, markersAndTruth, sampleShown } from "./demo-page.mjs";

const skip = !SANDBOX && "SANDBOX_URL not set (run cargo xtask test)";

/** In the page: from now on, its errors and `console.error` calls are kept
 * in `window.__errors` (WebDriver has no console to read in WebKit). */
const keepErrors = () => {
  window.__errors = [];
  addEventListener("error", (e) => window.__errors.push(String(e.message)));
  addEventListener("unhandledrejection", (e) => window.__errors.push(String(e.reason?.message ?? e.reason)));
  const error = console.error.bind(console);
  console.error = (...args) => {
    window.__errors.push(args.map(String).join(" "));
    error(...args);
  };
};

/** In the demo: what it shows, for a failure's message. */
const shown = () => ({
  progress: document.getElementById("progress").textContent,
  error: document.getElementById("error").hidden ? "" : document.getElementById("error").textContent,
  errors: window.__errors,
});

test("in WebKit, a sample challenge is solved and every marker sits on the truth", { skip, timeout: 120_000 }, async () => {
  const wk = await webkit({ log: "webkit-demo.log" });
  const { session } = wk;
  try {
    await session.navigate(`${SANDBOX}/`);
    await session.waitFor(() => document.getElementById("endpoint").value !== "", [], { message: "the demo shows its settings" });
    await session.run(keepErrors);
    await session.click(await session.find("#sample"));
    await session.waitFor(sampleShown, [], { message: "the sample challenge's image is shown" });
    // The sample the page fetched (its seed is the page's own random
    // choice): the sandbox answers the same challenge, answer and all.
    const url = await session.run(() => performance.getEntriesByType("resource").map((e) => e.name).filter((n) => /\/challenge\?seed=\d+$/.test(n)).at(-1));
    assert.ok(url, "the page fetched a sample challenge");
    const challenge = await (await fetch(url)).json();
    assert.equal(await session.run(() => document.getElementById("comment").value), challenge.comment);

    await session.click(await session.find("#solve"));
    await session.waitFor(() => document.getElementById("progress").textContent.startsWith("Solved") || !document.getElementById("error").hidden, [], {
      timeoutMs: 30_000,
      message: "a result or an error",
    });
    const seen = await session.run(shown);
    await session.screenshot("webkit-demo-solved.png");
    assert.equal(seen.error, "", `the page shows an error (${JSON.stringify(seen)})`);
    assert.match(seen.progress, /^Solved/);
    assertOnTruth(await session.run(markersAndTruth, challenge.answer));
    assert.match(await session.run(() => document.getElementById("facts").textContent), /Vision/);
    assert.deepEqual(seen.errors, [], "no errors in the page");
  } catch (e) {
    const page = await session.run(shown).catch((why) => why.message);
    if (e instanceof Error) e.stack += `\n-- what the page showed: ${JSON.stringify(page)}\n-- the end of the driver's log (test-artifacts/webkit-demo.log):\n${wk.driver.tail(40)}`;
    throw e;
  } finally {
    await wk.close();
  }
});
