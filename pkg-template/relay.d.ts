/** Adds one to `name`'s count in the current window of `windowMs` (a minute, a UTC day) and resolves with the new count. */
export type Counter = (name: string, windowMs: number) => Promise<number>;

/** Options of `createRelay`. */
export interface RelayOptions {
  /** The API key (`anysolver_...`). Never answered: the service's answers are forwarded with it blanked out. */
  key: string;
  /** The page origins allowed, e.g. `["https://your.site"]`. */
  origins: string[];
  /** The API. Default `https://api.anysolver.com`. */
  upstream?: string;
  /** The API methods forwarded. Default `["createTask", "getTaskResult"]`. */
  methods?: string[];
  /** The largest request body, bytes. Default 1,000,000. */
  maxBody?: number;
  /** Requests per client address per minute. Default 600. */
  rate?: number;
  /** createTasks per client address per UTC day. Default 1,000. Polls are never counted. */
  tasksPerDay?: number;
  /** createTasks of the whole relay per UTC day. Default 10,000. */
  tasksPerDayTotal?: number;
  /** Proxies in front whose `X-Forwarded-For` (else `Forwarded`) to trust. Default 0: the connection's peer is the client, and those headers are ignored. */
  trustProxy?: number;
  /** The site's own check (a session cookie, say); a falsy answer refuses the request with `RELAY_UNAUTHORIZED`. */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /** Where the counts live. Default `memoryCounter()`: this process's memory; several instances need a shared store. */
  count?: Counter;
}

/**
 * A fetch handler that forwards a page's keyless requests with the key: `address` is the connection's peer
 * (Node: `req.socket.remoteAddress`; Deno: `info.remoteAddr.hostname`; Bun: `server.requestIP(req)?.address`;
 * Cloudflare Workers: `request.headers.get("cf-connecting-ip")`).
 */
export type Relay = (request: Request, address?: string) => Promise<Response>;

/** A relay for `options`; throws a `TypeError` naming a wrong option. */
export function createRelay(options: RelayOptions): Relay;

/** Counts kept in this process's memory. */
export function memoryCounter(): Counter;

/** The address a relay limits: the peer, or with `trust` proxies the one the outermost trusted proxy saw. */
export function clientAddress(request: Request, address: string | undefined, trust: number): string;
