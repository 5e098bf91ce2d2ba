// Type-checked with `tsc --strict --noEmit` against the packed package: what
// a TypeScript user writes must compile, and the types must be exact.
import init, {
  CoordinatesClient,
  toClientPoints,
  type AnySolverError,
  type ClientOptions,
  type ErrorKind,
  type ImageInput,
  type Placement,
  type Point,
  type Progress,
  type Region,
  type Recognition,
  type SolveOptions,
  type Task,
  type ElementLayout,
} from "anysolver-coordinates";
import { layoutOf } from "anysolver-coordinates/layout";

export async function usage(canvas: HTMLCanvasElement, img: HTMLImageElement, file: File): Promise<Point[]> {
  await init();
  const options: ClientOptions = {
    clientKey: "anysolver_key",
    endpoint: "http://127.0.0.1:8080",
    selectionMode: "autoFastest",
    keyPoolMode: "platformOnly",
    timeoutMs: 60_000,
    requestTimeoutMs: 20_000,
    maxImageBytes: 400_000,
    maxImageSide: 800,
  };
  const client = new CoordinatesClient(options);
  // A public page's client: a relay, no key (and none allowed beside it).
  const relayed: ClientOptions = { relay: true, endpoint: "https://relay.example.com" };
  new CoordinatesClient(relayed).free();
  // @ts-expect-error a relay client takes no key
  const both: ClientOptions = { relay: true, endpoint: "https://relay.example.com", clientKey: "anysolver_key" };
  // @ts-expect-error a relay client needs its endpoint
  const nowhere: ClientOptions = { relay: true };
  console.log(both, nowhere);
  const controller = new AbortController();
  const call: SolveOptions = {
    comment: "click on every red circle",
    instructions: file,
    minClicks: 1,
    maxClicks: 3,
    signal: controller.signal,
    onProgress: (p: Progress) => console.log(p.status, p.polls, p.elapsedMs, p.taskId),
  };
  const inputs: ImageInput[] = [canvas, img, file, new Uint8Array(4), "data:image/png;base64,AA=="];
  const points: Point[] = await client.solve(inputs[0], call);
  const full: Recognition = await client.recognize(img, { comment: "x" });
  const xs: number[] = full.coordinates.map((p) => p.x);
  const task: Task = await client.createTask(file);
  const again: Recognition = await client.waitForResult(task.taskId, { timeoutMs: 1000 });
  const balance: number = await client.getBalance();
  const onScreen: Point[] = toClientPoints(again.coordinates, img);
  const layout: ElementLayout = layoutOf(img);
  const mapped: Point[] = toClientPoints(again.coordinates, JSON.parse(JSON.stringify(layout)) as ElementLayout);
  const box = canvas.getBoundingClientRect();
  const region: Region = { x: box.x, y: box.y, width: box.width, height: box.height, viewportWidth: innerWidth };
  const shot: Recognition = await client.recognize("data:image/png;base64,AA==", { region });
  const placed: Placement | undefined = shot.placement;
  const scale: number | undefined = placed?.scale ?? task.placement?.scale;
  try {
    await client.solve(canvas);
  } catch (e) {
    const err = e as AnySolverError;
    const kind: ErrorKind = err.kind;
    const code: string = err.code;
    const retry: boolean = err.retryable;
    console.log(kind, code, retry, err.taskId, xs, balance, onScreen, mapped, scale);
  }
  client.free();
  return points;
}
