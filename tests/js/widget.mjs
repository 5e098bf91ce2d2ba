// The sandbox's click-checking widget (`/challenge/widget`) as the example
// extension's tests see it, whichever driver runs the browser: the page
// functions here are passed to Playwright's `evaluate` and to WebDriver's
// `run` alike, and the verdict loop takes the two reads as callbacks.
import assert from "node:assert/strict";
import { SANDBOX } from "./env.mjs";

/** The four ways the widget shows a challenge. */
export const VARIANTS = ["img", "canvas", "background", "iframe"];

/** A JSON POST to the sandbox (`/sandbox/accounts`, `/sandbox/stats`); its answer. */
export async function post(path, body) {
  const r = await fetch(`${SANDBOX}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return r.json();
}

export function widgetUrl(variant, seed, csp = "", extra = "") {
  return `${SANDBOX}/challenge/widget?seed=${seed}&variant=${variant}&csp=${csp}${extra}`;
}

/** In a page or frame: what the extension recorded on the challenge (its
 * data attributes), how many markers it drew, and the devicePixelRatio;
 * `null` before the challenge is there. */
export const challengeMarks = () => {
  const el = document.querySelector("[data-anysolver-challenge]");
  return el && { ...el.dataset, markers: document.querySelectorAll(".anysolver-marker").length, dpr: devicePixelRatio };
};

/** In the widget's page: its verdict, `pending`, `passed` or `failed`. */
export const widgetState = () => document.body.dataset.state;

/** In a page or frame: whether it may compile WebAssembly (its CSP decides). */
export const wasmAllowed = () =>
  WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => true, () => false);

/** In a page or frame: whether nothing in it names a challenge or an instruction. */
export const namesNothing = () =>
  document.querySelectorAll("*").length > 0 && !document.querySelector("[data-anysolver-challenge], [data-anysolver-instruction]");

/**
 * Reads the widget until it gives a verdict or the extension writes an
 * error on the challenge: `state()` reads the verdict, `marks()` the
 * challenge (`challengeMarks`). Solved and clicked, the verdict follows at
 * once (a frame's, in a message): still pending 5 s later, too few points
 * were clicked. Fails after 60 s with neither. Resolves with both reads.
 */
export async function verdictOf(state, marks) {
  let solvedAt;
  for (const until = Date.now() + 60_000; (await state()) === "pending"; ) {
    const seen = await marks();
    if (seen?.anysolverError) break;
    if (seen?.anysolverSolved && (solvedAt ??= Date.now()) < Date.now() - 5_000) break;
    assert.ok(Date.now() < until, `no verdict and no error within 60 s (${JSON.stringify(seen)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { state: await state(), marks: await marks() };
}

/** What a user sees when the extension solved and clicked the widget at
 * devicePixelRatio `dpr`: no error, the verdict `passed`, one marker per
 * point; the pixels captured from the tab at the screen's scale if
 * `captured`, else read in the page. */
export function assertPassed(dpr, captured, { state, marks }) {
  assert.equal(marks.anysolverError, undefined, JSON.stringify(marks));
  assert.equal(marks.dpr, dpr, "the page's devicePixelRatio");
  assert.equal(state, "passed", `the widget's verdict (${JSON.stringify(marks)})`);
  assert.equal(marks.markers, Number(marks.anysolverSolved), "one marker per point");
  if (captured) assert.equal(Number(marks.anysolverCaptured), dpr, "captured at the screen's scale");
  else assert.equal(marks.anysolverCaptured, undefined, "readable pixels are not captured");
}
