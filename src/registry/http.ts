import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Readable } from "node:stream";
import type { Response } from "node-fetch";
import { httpsAgentFor } from "./trust.js";

const reuse: { http?: HttpAgent; https?: HttpsAgent } = {};

/**
 * agentFor is the agent of a registry request to `url`: the extra-CA agent when one is configured
 * (trust.ts), else one keep-alive agent per protocol, shared by all of this process's requests.
 * Without an agent node-fetch sends `Connection: close`, and every manifest, blob and upload
 * request would open a connection (and a TLS handshake) of its own. Idle sockets do not keep the
 * process alive.
 */
export function agentFor(url: URL): HttpAgent | HttpsAgent {
  const ca = httpsAgentFor(url);
  if (ca !== undefined) return ca;
  if (url.protocol === "https:") return (reuse.https ??= new HttpsAgent({ keepAlive: true }));
  return (reuse.http ??= new HttpAgent({ keepAlive: true }));
}

/**
 * loadFetch imports node-fetch on first use: loading it evaluates web-stream and blob code that
 * a build whose images are all stored never needs (tens of milliseconds at every start).
 */
export async function loadFetch(): Promise<typeof import("node-fetch").default> {
  return (await import("node-fetch")).default;
}

/** MAX_REDIRECTS bounds how many redirects one request follows. */
export const MAX_REDIRECTS = 10;
/** MAX_ERROR_BODY_BYTES caps how much of an error response is read. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** TransportOptions tune timeouts and retries of registry requests. */
export interface TransportOptions {
  /** timeoutMs is how long a request may wait for response headers, and a body may stay silent (default 60 s). */
  readonly timeoutMs?: number;
  /** retries is how many times a replayable request is retried after a 5xx or network error (default 3). */
  readonly retries?: number;
  /** backoffMs is the first retry delay; each further retry doubles it (default 200 ms). */
  readonly backoffMs?: number;
}

/** HttpRequest is one registry request; a body must be a Buffer (replayable) or a factory that makes a fresh stream. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | (() => Readable);
  /** authorization is sent to the request's origin only, never to another origin a redirect leads to. */
  readonly authorization?: string;
}

/** HttpResponse is a final (non-redirect) response, its URL, and a body stream guarded by the idle timeout. */
export interface HttpResponse {
  readonly status: number;
  readonly url: URL;
  readonly headers: Response["headers"];
  readonly body: Readable;
}

/** TransportError is a network-level failure (refused, reset, timed out) after all retries. */
export class TransportError extends Error {
  readonly url: URL;
  constructor(url: URL, cause: unknown) {
    super(`${url.origin}: ${(cause as Error).message ?? String(cause)}`, { cause });
    this.url = url;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUS = new Set([500, 502, 503, 504, 429]);

/**
 * send performs a request with redirects followed by hand (at most MAX_REDIRECTS), so the
 * Authorization header goes to the original origin (scheme, host and port) only. Replayable
 * requests are retried with exponential backoff on network errors and 5xx/429 answers; the last
 * answer is returned either way.
 */
export async function send(req: HttpRequest, opts: TransportOptions = {}): Promise<HttpResponse> {
  // Every body is replayable (a Buffer, or a factory that makes a fresh stream), so any request may be retried.
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    let res: HttpResponse;
    try {
      res = await followRedirects(req, opts);
    } catch (err) {
      if (attempt >= retries) throw new TransportError(req.url, err);
      await delay(attempt, opts);
      continue;
    }
    if (!RETRY_STATUS.has(res.status) || attempt >= retries) return res;
    res.body.destroy();
    await delay(attempt, opts);
  }
}

function delay(attempt: number, opts: TransportOptions): Promise<void> {
  return new Promise((r) => setTimeout(r, (opts.backoffMs ?? 200) * 2 ** attempt));
}

async function followRedirects(req: HttpRequest, opts: TransportOptions): Promise<HttpResponse> {
  let url = req.url;
  let method = req.method;
  let body = req.body;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { ...req.headers };
    if (req.authorization && url.origin === req.url.origin) headers.authorization = req.authorization;
    const res = await once(method, url, headers, body, opts.timeoutMs ?? 60_000);
    if (!REDIRECTS.has(res.status)) return res;
    res.body.destroy();
    const location = res.headers.get("location");
    if (!location) throw new Error(`${method} ${url.href} answered ${res.status} without a Location header`);
    const next = new URL(location, url);
    if (next.protocol !== "http:" && next.protocol !== "https:") throw new Error(`${url.href} redirects to unsupported URL ${next.href}`);
    if (url.protocol === "https:" && next.protocol === "http:") throw new Error(`${url.href} redirects from https to plain http (${next.origin}); refusing to downgrade`);
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
      method = method === "HEAD" ? "HEAD" : "GET";
      body = undefined;
    }
    url = next;
  }
  throw new Error(`${req.url.href}: more than ${MAX_REDIRECTS} redirects`);
}

/** once sends one request; the timer covers the wait for headers and then any silence in the body. */
async function once(method: string, url: URL, headers: Record<string, string>, body: HttpRequest["body"], timeoutMs: number): Promise<HttpResponse> {
  const fetch = await loadFetch();
  const ac = new AbortController();
  let timer = setTimeout(() => ac.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const payload = typeof body === "function" ? body() : body;
  let res: Response;
  try {
    res = await fetch(url.href, { method, headers, body: payload, redirect: "manual", signal: ac.signal, compress: false, agent: agentFor(url) });
  } catch (err) {
    clearTimeout(timer);
    if (payload instanceof Readable) payload.destroy();
    throw ac.signal.aborted ? (ac.signal.reason as Error) : err;
  }
  const src = (res.body ?? Readable.from([])) as Readable;
  const guarded = new Readable({
    read() {
      src.resume();
    },
    destroy(err, cb) {
      clearTimeout(timer);
      src.destroy();
      cb(err);
    },
  });
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => guarded.destroy(new Error(`${url.origin}: no data for ${timeoutMs} ms`)), timeoutMs);
  };
  rearm();
  src.on("data", (chunk: Buffer) => {
    rearm();
    if (!guarded.push(chunk)) src.pause();
  });
  src.on("end", () => {
    clearTimeout(timer);
    guarded.push(null);
  });
  src.on("error", (err) => guarded.destroy(err));
  return { status: res.status, url, headers: res.headers, body: guarded };
}

/** readCapped reads a whole body, failing once it passes maxBytes (a Content-Length over the cap fails before reading). */
export async function readCapped(res: HttpResponse, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw new CapError(`${what} is ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body) {
    n += (chunk as Buffer).byteLength;
    if (n > maxBytes) {
      res.body.destroy();
      throw new CapError(`${what} is over the ${maxBytes}-byte limit`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** CapError says a response was larger than tsbuild accepts for its kind. */
export class CapError extends Error {}
