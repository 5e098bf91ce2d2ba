// The content script: finds the target images, captures each one, asks the
// service worker for the click points, and draws numbered markers over the
// image with toClientPoints. `window.postMessage({anysolver: "clear"})`
// removes them.
(async () => {
  const { selector = "img[data-anysolver-challenge]" } = await chrome.storage.local.get("selector");
  const images = [...document.querySelectorAll(selector)];
  if (!images.length) return;
  const pkg = await import(chrome.runtime.getURL("pkg/anysolver_coordinates.js"));
  await pkg.default({ module_or_path: chrome.runtime.getURL("pkg/anysolver_coordinates_bg.wasm") });
  const markers = [];

  function capture(img) {
    const sameOrigin = new URL(img.currentSrc || img.src, location.href).origin === location.origin;
    if (!sameOrigin) return { url: img.currentSrc || img.src };
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext("2d").drawImage(img, 0, 0);
    return { dataUrl: canvas.toDataURL("image/png") };
  }

  async function ask(msg) {
    // If the service worker was stopped mid-task, asking again with the same
    // requestId resumes the stored task instead of creating a new one.
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = await chrome.runtime.sendMessage(msg);
        if (answer) return answer;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  function draw(img, points) {
    const placed = pkg.toClientPoints(points, img);
    placed.forEach((p, i) => {
      const m = document.createElement("div");
      m.className = "anysolver-marker";
      m.textContent = String(i + 1);
      Object.assign(m.style, {
        position: "absolute", left: `${p.x + scrollX - 12}px`, top: `${p.y + scrollY - 12}px`,
        width: "24px", height: "24px", borderRadius: "50%", background: "#e11d48", color: "#fff",
        font: "bold 12px/24px sans-serif", textAlign: "center", zIndex: 2147483647, pointerEvents: "none",
      });
      document.body.append(m);
      markers.push(m);
    });
  }

  window.addEventListener("message", (e) => {
    if (e.source === window && e.data?.anysolver === "clear") markers.splice(0).forEach((m) => m.remove());
  });

  for (const img of images) {
    if (!img.complete) await img.decode().catch(() => {});
    const comment = img.dataset.instruction || document.querySelector("[data-anysolver-instruction]")?.textContent || undefined;
    const requestId = `${location.href}#${images.indexOf(img)}`;
    const answer = await ask({ type: "solve", requestId, comment, ...capture(img) });
    if (answer.error) {
      img.dataset.anysolverError = `${answer.error.code}: ${answer.error.message}`;
      continue;
    }
    draw(img, answer.points);
    img.dataset.anysolverSolved = String(answer.points.length);
    // The service worker was stopped mid-task and picked the task up again.
    if (answer.resumed) img.dataset.anysolverResumed = answer.taskId;
  }
})();
