// The service worker: the network and the wasm client live here (content
// scripts are bound by the page's CORS). The package is imported statically:
// import() is not allowed in a service worker.
import init, { CoordinatesClient } from "./pkg/anysolver_coordinates.js";
import { settings } from "./settings.js";

const ready = init();

/** Turns an error into something a message can carry (JSON). */
function plain(e) {
  return { name: e?.name, kind: e?.kind, code: e?.code, message: e?.message ?? String(e), taskId: e?.taskId };
}

async function solve(msg, sender) {
  await ready;
  const s = await settings();
  // requestTimeoutMs stays under the 30 s after which Chrome ends a fetch
  // of an extension service worker (the default, 25 s, already is).
  const client = new CoordinatesClient({ clientKey: s.clientKey, endpoint: s.endpoint, requestTimeoutMs: 25_000 });
  try {
    const slot = `task:${msg.requestId}`;
    // A task created before this worker was stopped is resumed, not created again.
    const stored = (await chrome.storage.session.get(slot))[slot];
    let task = stored;
    if (!task) {
      let image;
      if (msg.region) {
        // Pixels the page cannot read (a tainted canvas, a CSS background, a
        // frame): the visible tab, cropped by the client to the region.
        image = await chrome.tabs.captureVisibleTab(sender.tab.windowId, { format: "png" });
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
    return {
      points: result.coordinates,
      taskId: result.taskId,
      resumed: Boolean(stored),
      captured: Boolean(result.placement),
      scale: result.placement?.scale,
    };
  } finally {
    client.free();
  }
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (msg?.type !== "solve") return false;
  solve(msg, sender).then(reply, (e) => reply({ error: plain(e) }));
  return true; // answer asynchronously
});
