// What the extension does in a page, shared by the automatic content script
// (content.js) and the on-demand picker (picker.js); plain JavaScript, no
// wasm, so that it runs on pages whose Content-Security-Policy forbids
// WebAssembly. It finds where a frame lies in the tab, reads a challenge's
// pixels when the page lets it (or has the background capture the visible
// tab), measures how an <img> or <canvas> shows its picture (layoutOf, from
// the package's layout.js, loaded before this file), asks the background
// (where the package runs: Chromium's service worker, Firefox's background
// script) for the points, draws numbered markers and, if asked, clicks.
// Whatever fails is written on the challenge and logged, never left
// pending. Firefox lets a content script read a canvas drawn from an origin
// the extension has host access to, which the page itself cannot read:
// there such a canvas is read, not captured.
(() => {
  if (globalThis.anysolverChallenge) return; // the content script and the picker share one world
  const markers = [];

  // A child frame asks where its viewport lies in the tab's: answer for the
  // <iframe> that holds it (its content box), added to our own place.
  addEventListener("message", async (e) => {
    if (e.data?.anysolver !== "where") return;
    const frame = [...document.querySelectorAll("iframe, frame")].find((f) => f.contentWindow === e.source);
    if (!frame) return;
    const here = await place();
    const r = frame.getBoundingClientRect();
    const cs = getComputedStyle(frame);
    const x = here.x + r.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft);
    const y = here.y + r.top + parseFloat(cs.borderTopWidth) + parseFloat(cs.paddingTop);
    e.source.postMessage({ anysolver: "here", id: e.data.id, x, y, viewportWidth: here.viewportWidth }, "*");
  });

  addEventListener("message", (e) => {
    if (e.source === window && e.data?.anysolver === "clear") markers.splice(0).forEach((m) => m.remove());
  });

  /** Where this frame's viewport begins in the tab's, and the tab's width in CSS pixels. */
  function place() {
    if (window === top) return Promise.resolve({ x: 0, y: 0, viewportWidth: innerWidth });
    const id = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      // The parent's script may be injected after ours: until it answers,
      // ask again, and give up with an error rather than wait forever.
      const askParent = () => parent.postMessage({ anysolver: "where", id }, "*");
      const again = setInterval(askParent, 100);
      const giveUp = setTimeout(() => {
        stop();
        reject(new Error("the parent frame never said where this frame is"));
      }, 10_000);
      function stop() {
        clearInterval(again);
        clearTimeout(giveUp);
        removeEventListener("message", on);
      }
      function on(e) {
        if (e.source !== parent || e.data?.anysolver !== "here" || e.data.id !== id) return;
        stop();
        resolve(e.data);
      }
      addEventListener("message", on);
      askParent();
    });
  }

  /** The challenge's pixels, if this page may read them: a data URL, or (when
   * `fetchUrls`) a URL the service worker fetches. `null`: only a screenshot shows it. */
  function pixels(el, fetchUrls) {
    if (el instanceof HTMLImageElement) {
      const src = el.currentSrc || el.src;
      if (new URL(src, location.href).origin !== location.origin) return fetchUrls ? { url: src } : null;
      const canvas = document.createElement("canvas");
      canvas.width = el.naturalWidth;
      canvas.height = el.naturalHeight;
      canvas.getContext("2d").drawImage(el, 0, 0);
      return { dataUrl: canvas.toDataURL("image/png") };
    }
    if (el instanceof HTMLCanvasElement) {
      try {
        return { dataUrl: el.toDataURL("image/png") };
      } catch {
        return null; // tainted: drawn from another origin
      }
    }
    return null; // a CSS background or anything else
  }

  /** Resolves once every image the element shows as its CSS background is
   * loaded and decoded (on a busy machine it may still be arriving when the
   * page says it is loaded, and the screenshot would show none of it). */
  async function backgroundsDecoded(el) {
    const urls = [...getComputedStyle(el).backgroundImage.matchAll(/url\("?(.*?)"?\)/g)].map((m) => m[1]);
    await Promise.all(
      urls.map((src) => {
        const img = new Image();
        img.src = src;
        return img.decode().catch(() => {}); // one that cannot load is solved as it shows
      }),
    );
  }

  /** Whether a canvas shows nothing yet: every pixel alike. `false` once it
   * is tainted (something of another origin was drawn on it). */
  function blank(canvas) {
    if (!canvas.width || !canvas.height) return true;
    const copy = new OffscreenCanvas(canvas.width, canvas.height).getContext("2d", { willReadFrequently: true });
    copy.drawImage(canvas, 0, 0);
    let px;
    try {
      px = new Uint32Array(copy.getImageData(0, 0, canvas.width, canvas.height).data.buffer);
    } catch {
      return false; // tainted: drawn, from another origin
    }
    return px.every((p) => p === px[0]);
  }

  /** Resolves once a canvas shows something. A page may draw it after its
   * load event (once its own requests answer): until then the canvas is
   * blank, and readable even if what will be drawn on it is not, and a task
   * sent with it would be wasted. After 10 s it is solved as it shows. */
  async function drawn(canvas) {
    for (const until = Date.now() + 10_000; blank(canvas) && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function ask(msg) {
    // If the service worker was stopped mid-task, asking again with the same
    // requestId resumes the stored task instead of creating a new one.
    // Four tries in all, then the last failure is the challenge's error.
    for (let attempt = 1; ; attempt++) {
      let failure = new Error("the extension's background gave no answer (did the extension fail to load?)");
      try {
        const answer = await chrome.runtime.sendMessage(msg);
        if (answer) return answer;
      } catch (e) {
        failure = e;
      }
      if (attempt === 4) throw failure;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  function draw(points) {
    points.forEach((p, i) => {
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

  /** Clicks as a user would: pointer and mouse events at the point, on what is there. */
  function clickAt({ x, y }, fallback) {
    const target = document.elementFromPoint(x, y) ?? fallback;
    const at = { bubbles: true, cancelable: true, composed: true, view: window, clientX: x, clientY: y, button: 0 };
    const pointer = { ...at, pointerId: 1, pointerType: "mouse", isPrimary: true };
    target.dispatchEvent(new PointerEvent("pointerdown", { ...pointer, buttons: 1 }));
    target.dispatchEvent(new MouseEvent("mousedown", { ...at, buttons: 1 }));
    target.dispatchEvent(new PointerEvent("pointerup", pointer));
    target.dispatchEvent(new MouseEvent("mouseup", at));
    target.dispatchEvent(new MouseEvent("click", { ...at, detail: 1 }));
  }

  /** Writes a failure on the challenge and in the console; never a key (the
   * client's errors carry none, and nothing else here knows one). */
  function fail(el, e) {
    const label = e?.code ?? e?.name ?? "Error";
    const message = String(e?.message ?? e);
    const text = message.startsWith(label) ? message : `${label}: ${message}`;
    el.dataset.anysolverError = text;
    console.error(`anysolver-coordinates: ${text}`);
  }

  /** Solves one challenge: its points marked (and clicked, if asked) and
   * recorded on it, or its failure written on it. */
  async function solve(el, { comment, requestId, click = false, fetchUrls = true }) {
    try {
      if (el instanceof HTMLImageElement && !el.complete) await el.decode().catch(() => {});
      if (el instanceof HTMLCanvasElement) await drawn(el);
      let msg = pixels(el, fetchUrls);
      let before;
      if (msg) {
        // The points come back in viewport pixels at this moment, mapped by
        // the package in the service worker from the element's layout.
        msg.layout = globalThis.anysolverLayout.layoutOf(el);
        before = el.getBoundingClientRect();
      } else {
        // The worker captures the visible tab: the element must be in view,
        // and painted there (right after load, a frame of another origin or
        // a CSS background can still be blank on screen).
        el.scrollIntoView({ block: "nearest", inline: "nearest" });
        await backgroundsDecoded(el);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const here = await place();
        const r = el.getBoundingClientRect();
        msg = { region: { x: here.x + r.left, y: here.y + r.top, width: r.width, height: r.height, viewportWidth: here.viewportWidth } };
      }
      const answer = await ask({ type: "solve", requestId, comment, ...msg });
      if (answer.error) throw answer.error;
      const now = el.getBoundingClientRect();
      // A screenshot's points come in the element's own CSS pixels; the
      // others in viewport pixels as the element was when measured.
      const points = answer.captured
        ? answer.points.map((p) => ({ x: now.left + p.x, y: now.top + p.y }))
        : answer.points.map((p) => ({ x: p.x + now.left - before.left, y: p.y + now.top - before.top }));
      draw(points);
      if (click) points.forEach((p) => clickAt(p, el));
      el.dataset.anysolverSolved = String(answer.points.length);
      if (answer.captured) el.dataset.anysolverCaptured = String(answer.scale);
      // The service worker was stopped mid-task and picked the task up again.
      if (answer.resumed) el.dataset.anysolverResumed = answer.taskId;
    } catch (e) {
      fail(el, e);
    }
  }

  globalThis.anysolverChallenge = { solve, fail };
})();
