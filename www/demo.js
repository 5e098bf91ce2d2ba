// The demo page: every text that came from a user or a server is written
// with textContent, never innerHTML.
import init, { CoordinatesClient, toClientPoints } from "/pkg/anysolver_coordinates.js";

const $ = (id) => document.getElementById(id);
const KEY_STORE = "anysolver-demo-key";
let image = null; // what solve() gets: a Blob or a data URL
let points = []; // the last answer, in image pixels
let controller = null;

await init();

// Connection defaults: the sandbox that serves this page, and its demo key.
$("endpoint").value = location.origin;
const remembered = localStorage.getItem(KEY_STORE);
$("remember").checked = remembered !== null;
$("key").value = remembered ?? sessionStorage.getItem(KEY_STORE) ?? "anysolver_demo";

function storeKey() {
  const key = $("key").value;
  if ($("remember").checked) {
    localStorage.setItem(KEY_STORE, key);
    sessionStorage.removeItem(KEY_STORE);
  } else {
    sessionStorage.setItem(KEY_STORE, key);
    localStorage.removeItem(KEY_STORE);
  }
}
$("key").addEventListener("change", storeKey);
$("remember").addEventListener("change", storeKey);

function showError(e) {
  const el = $("error");
  if (!e) {
    el.hidden = true;
    el.textContent = "";
    return;
  }
  const code = e.code ? ` (${e.code})` : "";
  el.textContent = `${e.message || String(e)}${code}`;
  el.hidden = false;
}

function setImage(source, url) {
  image = source;
  points = [];
  drawMarkers();
  $("result").hidden = true;
  $("placeholder").hidden = true;
  $("image").hidden = false;
  $("image").src = url;
}

async function sample() {
  showError(null);
  const seed = Math.floor(Math.random() * 1e9);
  const r = await fetch(`${$("endpoint").value.replace(/\/$/, "")}/challenge?seed=${seed}`);
  if (!r.ok) throw new Error(`the sandbox answered HTTP ${r.status} for a sample challenge`);
  const c = await r.json();
  $("comment").value = c.comment;
  setImage(c.imageBase64, c.imageBase64);
}

function takeFile(file) {
  if (!file) return;
  if (!file.type.startsWith("image/")) {
    showError({ message: `${file.name} is not an image`, code: "NOT_AN_IMAGE" });
    return;
  }
  showError(null);
  setImage(file, URL.createObjectURL(file));
}

$("sample").addEventListener("click", () => sample().catch(showError));
$("file").addEventListener("change", (e) => takeFile(e.target.files[0]));
document.addEventListener("paste", (e) => {
  const item = [...(e.clipboardData?.items ?? [])].find((i) => i.type.startsWith("image/"));
  if (item) takeFile(item.getAsFile());
});
document.addEventListener("dragover", (e) => {
  e.preventDefault();
  $("stage").classList.add("drop");
});
document.addEventListener("dragleave", () => $("stage").classList.remove("drop"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  $("stage").classList.remove("drop");
  takeFile(e.dataTransfer?.files[0]);
});
$("provider").addEventListener("change", () => {
  $("human-link").hidden = $("provider").value !== "Human";
});

function drawMarkers() {
  const layer = $("markers");
  layer.replaceChildren();
  if (!points.length || $("image").hidden || !$("image").naturalWidth) return;
  const origin = layer.getBoundingClientRect();
  toClientPoints(points, $("image")).forEach((p, i) => {
    const m = document.createElement("div");
    m.className = "marker";
    m.textContent = String(i + 1);
    m.style.left = `${p.x - origin.left}px`;
    m.style.top = `${p.y - origin.top}px`;
    layer.append(m);
  });
}
new ResizeObserver(drawMarkers).observe($("image"));
window.addEventListener("resize", drawMarkers);
$("image").addEventListener("load", drawMarkers);

function fact(dl, name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = value;
  dl.append(dt, dd);
}

function showResult(r) {
  points = r.coordinates;
  const list = $("points");
  list.replaceChildren(
    ...points.map((p) => {
      const li = document.createElement("li");
      li.textContent = `x ${p.x.toFixed(1)}, y ${p.y.toFixed(1)}`;
      return li;
    }),
  );
  const facts = $("facts");
  facts.replaceChildren();
  fact(facts, "Task", r.taskId);
  fact(facts, "Provider", r.provider ?? "?");
  fact(facts, "Cost", r.cost === undefined ? "?" : `${Number(r.cost.toFixed(6))} USD`);
  const polls = r.timing.polls;
  fact(facts, "Time", `${(r.timing.elapsedMs / 1000).toFixed(1)} s, ${polls} poll${polls === 1 ? "" : "s"}`);
  if (r.scaling) {
    const s = r.scaling;
    fact(facts, "Image", `${s.originalWidth}×${s.originalHeight}, sent ${s.sentWidth}×${s.sentHeight}`);
  }
  if (r.rejected.length) fact(facts, "Rejected points", String(r.rejected.length));
  $("raw").textContent = JSON.stringify(r.raw, null, 2);
  $("result").hidden = false;
  drawMarkers();
}

$("copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("raw").textContent);
    $("copy").textContent = "Copied";
  } catch {
    $("copy").textContent = "Copy failed";
  }
  setTimeout(() => ($("copy").textContent = "Copy JSON"), 1500);
});

async function fileData(input) {
  const f = input.files[0];
  return f ?? undefined;
}

$("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showError(null);
  if (!image) {
    showError({ message: "Choose an image first (or a sample challenge).", code: "NO_IMAGE" });
    return;
  }
  const options = {};
  const val = (id) => $(id).value.trim();
  for (const [id, name] of [["provider", "provider"], ["selection-mode", "selectionMode"], ["key-pool-mode", "keyPoolMode"]]) {
    if (val(id)) options[name] = val(id);
  }
  let client;
  try {
    client = new CoordinatesClient({ clientKey: $("key").value, endpoint: val("endpoint"), ...options });
  } catch (err) {
    showError(err);
    return;
  }
  controller = new AbortController();
  $("solve").disabled = true;
  $("cancel").disabled = false;
  $("progress").textContent = "Preparing the image…";
  const call = {
    signal: controller.signal,
    onProgress: ({ status, polls, elapsedMs, taskId }) => {
      if (status === "created") {
        $("human-link").querySelector("a").href = `${val("endpoint").replace(/\/$/, "")}/worker?task=${encodeURIComponent(taskId)}`;
      }
      $("progress").textContent = `${status} · ${polls} polls · ${(elapsedMs / 1000).toFixed(1)} s`;
    },
  };
  if (val("comment")) call.comment = val("comment");
  if (val("min-clicks")) call.minClicks = Number(val("min-clicks"));
  if (val("max-clicks")) call.maxClicks = Number(val("max-clicks"));
  const instr = await fileData($("instructions"));
  if (instr) call.instructions = instr;
  try {
    showResult(await client.recognize(image, call));
    $("progress").textContent = `Solved: ${points.length} point${points.length === 1 ? "" : "s"}.`;
  } catch (err) {
    if (controller.signal.aborted) {
      $("progress").textContent = "Cancelled.";
    } else {
      $("progress").textContent = "";
      showError(err);
    }
  } finally {
    client.free();
    $("solve").disabled = false;
    $("cancel").disabled = true;
  }
});

$("cancel").addEventListener("click", () => controller?.abort(new DOMException("Cancelled by the user", "AbortError")));
