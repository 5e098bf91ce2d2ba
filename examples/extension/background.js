// The background: Chromium runs this module as the extension's service
// worker (`background.service_worker`), Firefox as its background script
// (`background.scripts`, an event page); the same code, `chrome.*` in both.
// The network and the wasm client live here (content scripts are bound by
// the page's CORS, and its CSP may forbid wasm). The package is imported
// statically: import() is not allowed in a service worker. Content scripts
// send what they measured; the answer goes back in viewport pixels
// (toClientPoints over the element's layout) or, for a capture of the tab,
// in the element's CSS pixels.
import init, { CoordinatesClient, toClientPoints } from "./pkg/anysolver_coordinates.js";
import { settings } from "./settings.js";

// What runs this module, for messages: Chromium's service worker or Firefox's background script.
const where = typeof ServiceWorkerGlobalScope === "function" && globalThis instanceof ServiceWorkerGlobalScope ? "service worker" : "background script";

// If the package cannot load, every request says so (on the challenge).
const ready = init().catch((e) => {
  console.error("anysolver-coordinates did not load:", e);
  throw new Error(`anysolver-coordinates did not load in the ${where}: ${e?.message ?? e}`);
});

/** Turns an error into something a message can carry (JSON). */
function plain(e) {
  return { name: e?.name, kind: e?.kind, code: e?.code, message: e?.message ?? String(e), taskId: e?.taskId };
}

// Chrome allows an extension two captures of a tab a second (the same
// spacing runs in Firefox): captures
// (of every challenge this worker solves) wait their turn, each asked for
// 510 ms after the one before was answered (so after Chrome counted it).
let captures = Promise.resolve();
let lastCaptureAt = 0;
function capture(windowId) {
  const next = captures.then(async () => {
    const wait = lastCaptureAt + 510 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      return await chrome.tabs.captureVisibleTab(windowId, { format: "png" });
    } finally {
      lastCaptureAt = Date.now();
    }
  });
  captures = next.catch(() => {});
  return next;
}

/** The pixels a capture (a PNG data URL) shows in `region`, given in the
 * tab's CSS pixels as the content script measured it. */
async function regionPixels(dataUrl, region) {
  const bitmap = await createImageBitmap(await (await fetch(dataUrl)).blob());
  const scale = bitmap.width / region.viewportWidth;
  const clamp = (v, max) => Math.min(Math.max(Math.round(v), 0), max);
  const x = clamp(region.x * scale, bitmap.width - 1);
  const y = clamp(region.y * scale, bitmap.height - 1);
  const w = Math.max(clamp(region.width * scale, bitmap.width - x), 1);
  const h = Math.max(clamp(region.height * scale, bitmap.height - y), 1);
  const ctx = new OffscreenCanvas(w, h).getContext("2d");
  ctx.drawImage(bitmap, x, y, w, h, 0, 0, w, h);
  bitmap.close();
  return new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer);
}

/** The visible tab once the challenge's region looks the same in two
 * captures in a row: a page may still be painting it (a background set
 * late, a busy machine's late frame), and a task sent with half a picture
 * is paid for and answered wrong. After four captures, the last. */
async function settledCapture(windowId, region) {
  let image;
  let before;
  for (let i = 0; i < 4; i++) {
    image = await capture(windowId);
    const now = await regionPixels(image, region);
    if (before?.length === now.length && before.every((p, j) => p === now[j])) break;
    before = now;
  }
  return image;
}

async function solve(msg, sender) {
  await ready;
  const s = await settings();
  // requestTimeoutMs stays under the 30 s after which Chrome ends a fetch
  // of an extension service worker (the default, 25 s, already is).
  const client = new CoordinatesClient({ clientKey: s.clientKey, endpoint: s.endpoint, requestTimeoutMs: 25_000 });
  try {
    const slot = `task:${msg.requestId}`;
    // A task created before the background was stopped (Chromium's worker,
    // Firefox's event page) is resumed, not created again.
    const stored = (await chrome.storage.session.get(slot))[slot];
    let task = stored;
    if (!task) {
      let image;
      if (msg.region) {
        // Pixels the page cannot read (a tainted canvas, a CSS background, a
        // frame): the visible tab, cropped by the client to the region.
        image = await settledCapture(sender.tab.windowId, msg.region);
      } else {
        // A cross-origin image is fetched here instead of drawn on a canvas
        // (which the page could not read: a tainted canvas).
        image = msg.dataUrl ?? (await (await fetch(msg.url)).blob());
      }
      task = await client.createTask(image, { comment: msg.comment, region: msg.region });
      await chrome.storage.session.set({ [slot]: task });
    }
    const result = await client.waitForResult(task);
    await chrome.storage.session.remove(slot);
    const captured = Boolean(result.placement);
    return {
      points: !captured && msg.layout ? toClientPoints(result.coordinates, msg.layout) : result.coordinates,
      taskId: result.taskId,
      resumed: Boolean(stored),
      captured,
      scale: result.placement?.scale,
    };
  } finally {
    client.free();
  }
}

/** The toolbar button's and the context menu's handler: the picker in every
 * frame of `tab` (activeTab grants this on the user's click). */
async function startPicker(tab) {
  await chrome.scripting.executeScript({
    target: { tabId: tab.id, allFrames: true },
    files: ["layout.js", "challenge.js", "picker.js"],
  });
}
globalThis.startPicker = startPicker;

chrome.action.onClicked.addListener((tab) => startPicker(tab).catch((e) => console.error("anysolver-coordinates: the picker did not start:", e)));
chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: "anysolver-pick", title: "Solve this click challenge", contexts: ["all"] });
});
chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === "anysolver-pick") startPicker(tab).catch((e) => console.error("anysolver-coordinates: the picker did not start:", e));
});

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (msg?.type === "picker-picked") {
    // One frame's picker picked: the others stop.
    chrome.tabs.sendMessage(sender.tab.id, { type: "picker-stop" }).catch(() => {});
    return false;
  }
  if (msg?.type !== "solve") return false;
  solve(msg, sender).then(reply, (e) => reply({ error: plain(e) }));
  return true; // answer asynchronously
});
