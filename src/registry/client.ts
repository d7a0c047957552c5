import type { Readable } from "node:stream";
import { Authenticator, type CredentialSource } from "./auth.js";
import { lookupCredentials } from "./dockerconfig.js";
import { RegistryError } from "./errors.js";
import { CapError, MAX_ERROR_BODY_BYTES, readCapped, send, TransportError, type HttpRequest, type HttpResponse, type TransportOptions } from "./http.js";
import { apiHost, DOCKER_HUB, registryBase, type RegistryOptions } from "./reference.js";

/** ClientOptions configure a registry client: plain-http hosts, credentials, timeouts and retries. */
export interface ClientOptions extends RegistryOptions, TransportOptions {
  /** credentials overrides the Docker config lookup (for tests and programs that hold their own secrets). */
  readonly credentials?: CredentialSource;
  /** concurrency is how many blobs move at once (default 3). */
  readonly concurrency?: number;
  /** chunkThreshold: blobs larger than this are pushed in PATCH chunks of chunkSize (default 64 MiB / 16 MiB). */
  readonly chunkThreshold?: number;
  readonly chunkSize?: number;
}

/** CallInit is one API call: the repository it concerns, the scopes it needs, and the request. */
export interface CallInit extends Omit<HttpRequest, "url" | "authorization"> {
  readonly repository: string;
  readonly scopes: readonly string[];
  /** path is relative to the API base (`/v2/...`), or an absolute URL a registry handed out (upload Location). */
  readonly path: string | URL;
  readonly digest?: string;
}

/** scopeFor is the token scope for a repository: `repository:NAME:pull` or `:pull,push`. */
export function scopeFor(repository: string, push: boolean): string {
  return `repository:${repository}:${push ? "pull,push" : "pull"}`;
}

/**
 * RegistryClient speaks the registry HTTP API v2 for one registry: it authenticates on demand
 * (401 -> challenge -> retry), maps network failures and error answers to RegistryError with the
 * registry, repository, digest, status and the registry's error code, and leaves response bodies
 * to the caller.
 */
export class RegistryClient {
  readonly registry: string;
  readonly host: string;
  readonly base: URL;
  readonly opts: ClientOptions;
  private readonly auth: Authenticator;

  constructor(registry: string, opts: ClientOptions = {}) {
    this.registry = registry;
    this.host = apiHost(registry);
    this.base = registryBase(registry, opts);
    this.opts = opts;
    this.auth = new Authenticator(opts.credentials ?? ((r) => lookupCredentials(r)), opts);
  }

  /** call sends a request, answering one authentication challenge; it returns whatever final status the registry gave. */
  async call(init: CallInit): Promise<HttpResponse> {
    const url = init.path instanceof URL ? init.path : new URL(init.path, this.base);
    const ctx = { registry: this.registry, repository: init.repository, digest: init.digest };
    // Credentials go only to the registry's own origin, never to an upload URL on another host.
    const ours = url.origin === this.base.origin;
    let authorization = ours ? await this.auth.cached(this.registry, this.host, init.scopes) : undefined;
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await send({ ...init, url, ...(authorization ? { authorization } : {}) }, this.opts);
      } catch (err) {
        throw new RegistryError(unreachable(this.registry, err), { ...ctx, cause: err });
      }
      const challenge = res.headers.get("www-authenticate");
      if (res.status !== 401 || !challenge || attempt > 0 || !ours) return res;
      res.body.destroy();
      authorization = await this.auth.respond(this.registry, this.host, init.scopes, challenge, init.repository);
    }
  }

  /** expect fails with a RegistryError unless res has one of the statuses; `what` says what was being done. */
  async expect(res: HttpResponse, ok: readonly number[], what: string, ctx: { repository: string; digest?: string }): Promise<void> {
    if (ok.includes(res.status)) return;
    let body: Buffer;
    try {
      body = await readCapped(res, MAX_ERROR_BODY_BYTES, "error body");
    } catch (err) {
      if (!(err instanceof CapError)) throw err;
      body = Buffer.alloc(0);
    }
    const { code, message } = registryErrorCode(body);
    const where = `${this.registry}/${ctx.repository}${ctx.digest ? ` (${ctx.digest})` : ""}`;
    const detail = code ? ` ${code}${message ? `: ${message}` : ""}` : "";
    throw new RegistryError(`${what} ${where}: HTTP ${res.status}${detail}; ${advice(res.status, code, this.registry)}`, { registry: this.registry, repository: ctx.repository, digest: ctx.digest, status: res.status, registryCode: code });
  }

  /** blobStream GETs a blob and returns its (unverified) body; the caller verifies by writing it to the store. */
  async blobStream(repository: string, digest: string): Promise<Readable> {
    const res = await this.call({ method: "GET", repository, scopes: [scopeFor(repository, false)], path: `/v2/${repository}/blobs/${digest}`, digest });
    await this.expect(res, [200], "cannot download blob from", { repository, digest });
    return res.body;
  }

  /** hasBlob HEADs a blob: true on 200, false on 404. */
  async hasBlob(repository: string, digest: string, push = false): Promise<boolean> {
    const res = await this.call({ method: "HEAD", repository, scopes: [scopeFor(repository, push)], path: `/v2/${repository}/blobs/${digest}`, digest });
    res.body.destroy();
    if (res.status === 404) return false;
    await this.expect(res, [200], "cannot check blob in", { repository, digest });
    return true;
  }

  /** ping checks that the registry answers `/v2/` with the client's credentials (login uses it). */
  async ping(): Promise<void> {
    const res = await this.call({ method: "GET", repository: "", scopes: [], path: "/v2/" });
    res.body.destroy();
    if (res.status === 401) throw new RegistryError(`${this.registry} rejected the user name or password (HTTP 401); check them and run \`tsbuild login\` again`, { registry: this.registry, status: 401 });
    if (res.status !== 200) throw new RegistryError(`${this.registry}/v2/ answered HTTP ${res.status}; is ${this.base.origin} a registry?`, { registry: this.registry, status: res.status });
  }
}

/** registryErrorCode reads `{"errors":[{"code","message"}]}` from an error body. */
export function registryErrorCode(body: Buffer): { code?: string; message?: string } {
  try {
    const v = JSON.parse(body.toString("utf8")) as { errors?: { code?: unknown; message?: unknown }[] };
    const e = v.errors?.[0];
    return { ...(typeof e?.code === "string" ? { code: e.code } : {}), ...(typeof e?.message === "string" ? { message: e.message.slice(0, 300) } : {}) };
  } catch {
    return {}; // not a registry JSON error (an HTML page from a proxy, say): the status alone is reported
  }
}

function advice(status: number, code: string | undefined, registry: string): string {
  if (status === 401 || code === "UNAUTHORIZED") return `log in with \`tsbuild login ${registry}\``;
  if (status === 403 || code === "DENIED") return "the account lacks access to this repository; check its permissions";
  if (code === "MANIFEST_UNKNOWN" || code === "NAME_UNKNOWN" || status === 404) return "check the name, tag and digest (is the image pushed?)";
  if (code === "BLOB_UNKNOWN" || code === "MANIFEST_BLOB_UNKNOWN") return "the registry lacks a blob the image needs; push it again";
  if (code === "DIGEST_INVALID") return "the bytes sent do not match the digest: the stored blob may be damaged, run `tsbuild fsck`";
  if (status === 413) return "the registry refuses an object this large";
  if (status === 429 || code === "TOOMANYREQUESTS") return "the registry is rate limiting; wait, or log in for a higher limit";
  if (status >= 500) return "the registry failed; try again later";
  return "check the reference and the registry's documentation";
}

function unreachable(registry: string, err: unknown): string {
  const why = err instanceof TransportError ? ((err.cause as Error)?.message ?? err.message) : (err as Error).message;
  if (registry === DOCKER_HUB) return `cannot reach Docker Hub (${why}): is this machine offline? Use a local registry, or load the image with \`tsbuild load\``;
  return `cannot reach registry ${registry} (${why}); check the host name, port and network`;
}
