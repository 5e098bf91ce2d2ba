//! The TypeScript declarations JS callers code against, kept beside the
//! exports they describe (`unchecked_param_type` / `unchecked_return_type`
//! name these types).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A click point in image pixels (origin at the top-left corner). */
export interface Point {
  x: number;
  y: number;
}

/** How an `<img>` or `<canvas>` shows its picture, in viewport CSS pixels: what `layoutOf(element)` (in `anysolver-coordinates/layout`, no wasm needed) returns, and what `toClientPoints` takes in place of the element where the element is not at hand. */
export interface ElementLayout {
  /** The picture's own size: an image's natural size, a canvas's width and height. */
  natural: { width: number; height: number };
  /** The element's content box (inside border and padding), viewport CSS pixels. */
  content: { left: number; top: number; width: number; height: number };
  /** The computed `object-fit` ("fill" when empty). */
  objectFit: string;
  /** The computed `object-position` ("50% 50%" when empty). */
  objectPosition: string;
}

/** Everything the client accepts as an image. */
export type ImageInput =
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLImageElement
  | ImageBitmap
  | ImageData
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | string;

/** `selectionMode`: how AnySolver picks a provider. */
export type SelectionMode = "autoCheapest" | "autoFastest" | "autoMostReliable" | "priority";
/** `keyPoolMode`: which provider keys may be used. */
export type KeyPoolMode = "all" | "platformOnly";

/** Routing choices, for the client or for one call. */
export interface RoutingOptions {
  /** Force one provider (bypasses routing). */
  provider?: string;
  selectionMode?: SelectionMode;
  keyPoolMode?: KeyPoolMode;
  /** Providers to switch to, in order, when the service says the one in use is saturated (`PROVIDER_GLOBAL_LIMIT_REACHED`, or `PROVIDER_RATE_LIMITED` after 3 retries). Not sent. */
  fallbackProviders?: string[];
}

/** Options of `new CoordinatesClient(options)` either way: with the key, or through a relay. */
export interface CommonClientOptions extends RoutingOptions {
  /** Base URL of the API (or of your relay). Default `https://api.anysolver.com`. Must be `https://`, except `http://` to this machine (localhost, 127.0.0.0/8, [::1]); anything else throws a `validation` error unless `allowInsecureHttp` is set. */
  endpoint?: string;
  /** Accept an `http://` endpoint on another host, sending your key (and images) unencrypted over the network. Default false. */
  allowInsecureHttp?: boolean;
  /** Overall deadline of a call, ms. Default 180000. */
  timeoutMs?: number;
  /** Limit of one HTTP request, ms. Default 25000 (under the 30 s an extension service worker allows). */
  requestTimeoutMs?: number;
  /** Largest image sent, bytes; larger ones are shrunk or re-encoded. Default 500000. */
  maxImageBytes?: number;
  /** Largest side sent, pixels; larger images are shrunk. Default 1000. */
  maxImageSide?: number;
  /** How many requests the client has in flight at once; more wait their turn (a poll before every createTask asked for after its task was created, and before every request once its call is 0.3 s from its deadline), and a request's time limit starts when it is sent. Default: as many as the platform sends at once without queueing them: every request in Node, Deno and Bun; 6 elsewhere (what a browser sends at once to one HTTP/1.1 origin), every request once an answer shows the connection is HTTP/2 or HTTP/3. */
  maxRequestsInFlight?: number;
  /** A fetch to use instead of `globalThis.fetch`; it is called with one `Request`. */
  fetch?: typeof fetch;
}

/** A client that holds the API key: fine in your own tools, an extension, Node; never on a public page. */
export interface KeyClientOptions extends CommonClientOptions {
  /** Your API key (`anysolver_...`). Never appears in errors or logs. */
  clientKey: string;
  relay?: false;
}

/** A client of a relay that holds the key and adds it to what it forwards (`anysolver-coordinates/relay`): for public web pages. No key is sent or known. */
export interface RelayClientOptions extends CommonClientOptions {
  relay: true;
  /** Your relay's URL. */
  endpoint: string;
  clientKey?: never;
}

/** Options of `new CoordinatesClient(options)`: a key, or a relay. */
export type ClientOptions = KeyClientOptions | RelayClientOptions;

/** A progress event of a call. */
export interface Progress {
  /** "created", then each poll's status ("processing"), "retrying", "ready", "failed" or "error". */
  status: string;
  /** getTaskResult requests made so far, of the task in hand. */
  polls: number;
  /** Milliseconds since the call started. */
  elapsedMs: number;
  /** The task concerned; absent while none exists (a createTask being retried). */
  taskId?: TaskId;
  /** With "retrying": the code of what is retried (e.g. "PROVIDER_RATE_LIMITED", "HTTP_503"). */
  code?: string;
}

/** Options of `waitForResult`. */
export interface WaitOptions {
  /** Cancels the call: it rejects with `signal.reason` and sends nothing more. */
  signal?: AbortSignal;
  /** Called after the task is created and after each poll. */
  onProgress?: (progress: Progress) => void;
  /** Overall deadline of this call, ms. */
  timeoutMs?: number;
}

/** Options of `solve`, `recognize` and `createTask`. */
export interface SolveOptions extends WaitOptions, RoutingOptions {
  /** The instruction shown to the worker, e.g. "click on all bicycles". */
  comment?: string;
  /** An instruction image, sent as `imgInstructions` (at most 100 kB). */
  instructions?: ImageInput;
  minClicks?: number;
  maxClicks?: number;
  /** When the image is a screenshot: the part that shows the challenge. Only that part is sent, and the points come back in its CSS pixels. */
  region?: Region;
}

/**
 * The part of a screenshot that shows a challenge, in CSS pixels from the
 * screenshot's top-left corner (an element's `getBoundingClientRect()` for a
 * capture of the visible tab). The screenshot's device pixels per CSS pixel
 * are measured from its size, so devicePixelRatio needs no handling.
 */
export interface Region {
  /** Left edge, CSS pixels (default 0). */
  x?: number;
  /** Top edge, CSS pixels (default 0). */
  y?: number;
  width: number;
  height: number;
  /** How many CSS pixels wide the whole screenshot is (`innerWidth` for a capture of the tab); omitted, the screenshot ends at the region's right edge, as a screenshot of the element alone does. */
  viewportWidth?: number;
}

/** How points on a cropped screenshot were mapped to the region's CSS pixels: `css = pixel / scale + offset`. */
export interface Placement {
  /** Screenshot pixels per CSS pixel (the devicePixelRatio it was taken at). */
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** Original and sent image sizes. */
export interface Scaling {
  originalWidth: number;
  originalHeight: number;
  sentWidth: number;
  sentHeight: number;
  /** sentWidth / originalWidth (1 when sent as it is). */
  scale: number;
}

/** A task's id as the service gave it: AnySolver sends strings; services that number their tasks send whole numbers, which are sent back as numbers. */
export type TaskId = string | number;

/** A created task; serialisable, so a service worker can store it and resume. */
export interface Task {
  taskId: TaskId;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  scaling: Scaling | null;
  /** Set when a `region` was given: how the points map to its CSS pixels. */
  placement?: Placement;
  provider?: string;
}

/** A point the service sent that could not be used. */
export interface RejectedPoint {
  index: number;
  reason: string;
}

/** The whole result of a task. */
export interface Recognition {
  taskId: TaskId;
  /** Click points in the original image's pixels (with a `region`: in its CSS pixels). */
  coordinates: Point[];
  /** Points the service sent that were not usable (NaN, negative, outside the image). */
  rejected: RejectedPoint[];
  /** USD charged. */
  cost?: number;
  provider?: string;
  taskType: string;
  /** The provider's own answer, passed through untouched. */
  raw: unknown;
  scaling?: Scaling;
  placement?: Placement;
  timing: { createdAt: number; elapsedMs: number; polls: number };
}

/** One getTaskResult answer. */
export interface TaskState {
  taskId: TaskId;
  status: string;
  provider?: string;
  cost?: number;
  /** In the sent image's pixels. */
  coordinates?: Point[];
  rejected?: RejectedPoint[];
  raw?: unknown;
}

/** What went wrong, broadly. */
export type ErrorKind = "validation" | "image" | "api" | "http" | "network" | "parse" | "timeout" | "aborted";

/** Every rejection of this package, except an abort by your signal (which rejects with `signal.reason`). */
export interface AnySolverError extends Error {
  name: "AnySolverError";
  kind: ErrorKind;
  /** A stable code: the API's errorCode (e.g. "CAPTCHA_UNSOLVABLE"), "HTTP_503", "TIMEOUT", "TAINTED_CANVAS", ... */
  code: string;
  /** Whether the same call may succeed later. */
  retryable: boolean;
  errorId?: number;
  httpStatus?: number;
  taskId?: TaskId;
}
"#;
