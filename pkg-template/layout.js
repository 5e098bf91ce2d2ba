// How an <img> or <canvas> shows its picture, read from the page as plain
// data, without WebAssembly: what `toClientPoints(points, layout)` needs to
// map image pixels onto the screen. For places where the package's wasm
// cannot run but the element is at hand, such as an extension's content
// script on a page whose Content-Security-Policy forbids wasm: measure here,
// send the description (it is JSON) to where the client runs, map there.

/**
 * The layout of `element` (an <img> or a <canvas>), in viewport CSS pixels.
 * @param {HTMLImageElement | HTMLCanvasElement} element
 * @returns {import("./anysolver_coordinates.js").ElementLayout}
 */
export function layoutOf(element) {
  const natural =
    element instanceof HTMLCanvasElement
      ? { width: element.width, height: element.height }
      : { width: element.naturalWidth, height: element.naturalHeight };
  const r = element.getBoundingClientRect();
  const cs = getComputedStyle(element);
  const px = (name) => parseFloat(cs.getPropertyValue(name)) || 0;
  const [bl, bt, br, bb] = ["left", "top", "right", "bottom"].map((s) => px(`border-${s}-width`));
  const [pl, pt, pr, pb] = ["left", "top", "right", "bottom"].map((s) => px(`padding-${s}`));
  return {
    natural,
    content: {
      left: r.left + bl + pl,
      top: r.top + bt + pt,
      width: Math.max(0, r.width - bl - br - pl - pr),
      height: Math.max(0, r.height - bt - bb - pt - pb),
    },
    objectFit: cs.getPropertyValue("object-fit"),
    objectPosition: cs.getPropertyValue("object-position"),
  };
}
