import type { ElementLayout } from "./anysolver_coordinates.js";

/** How an <img> or <canvas> shows its picture, in viewport CSS pixels: plain data for `toClientPoints`. Needs no WebAssembly. */
export function layoutOf(element: HTMLImageElement | HTMLCanvasElement): ElementLayout;
