// A challenge widget as real ones behave: it shows the image one of four
// ways, takes clicks (trusted or dispatched) on it, and once as many clicks
// as there are targets have landed, says `passed` if each click hit a
// different target within the tolerance, `failed` otherwise.
// The configuration comes as data (a JSON block), so that the page runs
// under a Content-Security-Policy that allows scripts from its origin only.
const C = JSON.parse(document.getElementById("config").textContent);
// `marks=0`: no data-anysolver-* attributes, as on a page that names nothing.
const mark = (el, name) => {
  if (C.marks) el.setAttribute(name, "");
};
const other = `${location.protocol}//${location.hostname === "localhost" ? "127.0.0.1" : "localhost"}:${location.port}`;
const image = `/challenge/image?seed=${C.seed}&width=${C.width}&height=${C.height}`;
const stage = document.getElementById("stage");
document.title = `Sandbox widget ${C.seed} (${C.variant})`;
document.getElementById("title").textContent = `Challenge ${C.seed}`;

/** Resolves once the page's load event has fired. */
const loaded = () => new Promise((r) => (document.readyState === "complete" ? r() : addEventListener("load", r, { once: true })));

function setState(state) {
  document.body.dataset.state = state;
  document.getElementById("status").textContent = state === "passed" ? "Passed." : "Failed: try again.";
  if (parent !== window) parent.postMessage({ sandboxWidget: state }, "*");
}

if (C.variant === "iframe") {
  // The challenge lives in a frame of the other origin; the frame reports its verdict.
  const frame = document.createElement("iframe");
  frame.title = "challenge";
  const delay = C.drawDelayMs == null ? "" : `&drawDelayMs=${C.drawDelayMs}`;
  frame.src = `${other}/challenge/widget?seed=${C.seed}&width=${C.width}&height=${C.height}&variant=canvas&marks=${C.marks ? 1 : 0}${C.csp ? "&csp=strict" : ""}${delay}`;
  stage.append(frame);
  addEventListener("message", (e) => {
    if (e.source === frame.contentWindow && ["passed", "failed"].includes(e.data?.sandboxWidget)) setState(e.data.sandboxWidget);
  });
} else {
  const instruction = document.getElementById("instruction");
  instruction.textContent = C.comment;
  mark(instruction, "data-anysolver-instruction");
  let el;
  if (C.variant === "img") {
    el = document.createElement("img");
    el.alt = `challenge ${C.seed}`;
    el.src = image;
  } else if (C.variant === "canvas") {
    // Drawn from the other origin without CORS: a tainted canvas.
    el = document.createElement("canvas");
    el.width = C.width;
    el.height = C.height;
    const img = new Image();
    const draw = () => el.getContext("2d").drawImage(img, 0, 0);
    // `drawDelayMs`: drawn that long after the page's load event, as a page
    // that draws late; until then the canvas is blank (and readable).
    img.onload = () => (C.drawDelayMs == null ? draw() : loaded().then(() => setTimeout(draw, C.drawDelayMs)));
    img.src = `${other}${image}`;
  } else {
    el = document.createElement("div");
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", `challenge ${C.seed}`);
    // `drawDelayMs`: painted that long after the page's load event, as a
    // page that sets its challenge late; until then the box is empty.
    const paint = () => (el.style.backgroundImage = `url("${image}")`);
    if (C.drawDelayMs == null) paint();
    else loaded().then(() => setTimeout(paint, C.drawDelayMs));
  }
  el.id = "challenge";
  mark(el, "data-anysolver-challenge");
  stage.append(el);

  const clicks = [];
  el.addEventListener("click", (e) => {
    if (document.body.dataset.state !== "pending") return;
    // The click in image pixels: the image fills the content box.
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const px = (p) => parseFloat(cs[p]) || 0;
    const left = r.left + px("borderLeftWidth") + px("paddingLeft");
    const top = r.top + px("borderTopWidth") + px("paddingTop");
    const width = r.width - px("borderLeftWidth") - px("borderRightWidth") - px("paddingLeft") - px("paddingRight");
    const height = r.height - px("borderTopWidth") - px("borderBottomWidth") - px("paddingTop") - px("paddingBottom");
    clicks.push({ x: ((e.clientX - left) * C.width) / width, y: ((e.clientY - top) * C.height) / height });
    document.body.dataset.clicks = String(clicks.length);
    if (clicks.length < C.answer.length) return;
    const hit = new Set();
    const passed = clicks.every((c) => {
      const i = C.answer.findIndex((t, i) => !hit.has(i) && Math.hypot(t.x - c.x, t.y - c.y) <= C.tolerance);
      hit.add(i);
      return i >= 0;
    });
    setState(passed ? "passed" : "failed");
  });
}
