// The demo page (`www/`, served by the sandbox at `/`) as its tests see
// it, whichever driver runs the browser: the page functions here are
// passed to Playwright's `evaluate` and to WebDriver's `run` alike.
import assert from "node:assert/strict";

/** In the demo: the true answer (`answer`, in image pixels) mapped onto the
 * displayed image, and the centres of the markers the page drew. */
export const markersAndTruth = (answer) => {
  const img = document.getElementById("image");
  const r = img.getBoundingClientRect();
  const truth = answer.map((p) => ({
    x: r.left + (p.x * r.width) / img.naturalWidth,
    y: r.top + (p.y * r.height) / img.naturalHeight,
  }));
  const markers = [...document.querySelectorAll("#markers .marker")].map((m) => {
    const b = m.getBoundingClientRect();
    return { x: b.left + b.width / 2, y: b.top + b.height / 2, label: m.textContent };
  });
  return { truth, markers };
};

/** In the demo: whether the sample challenge's image is shown. */
export const sampleShown = () => {
  const img = document.getElementById("image");
  return !img.hidden && img.complete && img.naturalWidth > 0 && img.src.startsWith("data:");
};

/** One marker per true point, and every true point within `tol` CSS px of one. */
export function assertOnTruth({ truth, markers }, tol = 3) {
  assert.equal(markers.length, truth.length, "one marker per true point");
  for (const t of truth) {
    const d = Math.min(...markers.map((m) => Math.hypot(m.x - t.x, m.y - t.y)));
    assert.ok(d <= tol, `a true point is ${d.toFixed(2)} CSS px from the nearest marker`);
  }
}
