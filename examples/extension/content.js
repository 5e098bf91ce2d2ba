// The automatic mode, on the sites the manifest's `matches` names, in every
// frame: every element the options' selector finds is solved (challenge.js
// does the work; the package itself runs in the service worker, never here,
// since a page's CSP may forbid wasm). Whatever fails is written on the
// challenge (`data-anysolver-error`) and logged.
(async () => {
  const { selector = "[data-anysolver-challenge]", click = false } = await chrome.storage.local.get(["selector", "click"]);
  await new Promise((r) => (document.readyState === "complete" ? r() : addEventListener("load", r, { once: true })));
  for (const [i, el] of [...document.querySelectorAll(selector)].entries()) {
    const comment = el.dataset.instruction || document.querySelector("[data-anysolver-instruction]")?.textContent || undefined;
    await globalThis.anysolverChallenge.solve(el, { comment, requestId: `${location.href}#${i}`, click });
  }
})().catch((e) => console.error(`anysolver-coordinates: ${e?.message ?? e}`));
