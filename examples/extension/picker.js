// The on-demand mode, injected into every frame of the current tab by the
// toolbar button or the context menu ("Solve this click challenge"): the
// element under the pointer is outlined, a click picks it, the instruction
// is the text selected on the page (when the picker started) or is asked
// for, and challenge.js solves it. Escape, or a pick in another frame,
// stops it. Works with the activeTab and scripting permissions alone.
(() => {
  if (globalThis.anysolverPicking) return;
  globalThis.anysolverPicking = true;
  const selected = getSelection()?.toString().trim();
  let current = null;
  let saved = "";

  function outline(el) {
    if (current) current.style.outline = saved;
    current = el;
    saved = el?.style.outline ?? "";
    if (el) el.style.outline = "3px solid #e11d48";
  }

  function stop() {
    outline(null);
    removeEventListener("mouseover", over, true);
    removeEventListener("click", pick, true);
    removeEventListener("keydown", key, true);
    chrome.runtime.onMessage.removeListener(stopped);
    globalThis.anysolverPicking = false;
  }

  function over(e) {
    outline(e.target instanceof Element ? e.target : null);
  }

  function key(e) {
    if (e.key === "Escape") stop();
  }

  function stopped(msg) {
    if (msg?.type === "picker-stop") stop();
  }

  async function pick(e) {
    e.preventDefault();
    e.stopPropagation();
    const el = current ?? e.target;
    stop();
    chrome.runtime.sendMessage({ type: "picker-picked" }).catch(() => {});
    const comment = selected || prompt("What should be clicked? (for example: click on every red circle)")?.trim();
    if (!comment) return;
    const { click = false } = await chrome.storage.local.get(["click"]);
    // No host permission is assumed: pixels the page cannot read come from
    // a capture of the visible tab (activeTab), not from a fetch.
    await globalThis.anysolverChallenge.solve(el, { comment, requestId: `pick:${crypto.randomUUID()}`, click, fetchUrls: false });
  }

  addEventListener("mouseover", over, true);
  addEventListener("click", pick, true);
  addEventListener("keydown", key, true);
  chrome.runtime.onMessage.addListener(stopped);
})();
