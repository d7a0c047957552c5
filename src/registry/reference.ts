import { isIP } from "node:net";
import { parseImageName, ImageNameError } from "../image/name.js";

/** DOCKER_HUB is the registry name Docker gives Hub images; its API lives at DOCKER_HUB_API. */
export const DOCKER_HUB = "docker.io";
/** DOCKER_HUB_API is the host that serves Docker Hub's registry API. */
export const DOCKER_HUB_API = "registry-1.docker.io";

/** RegistryReference is a normalized image reference split into what the registry API needs. */
export interface RegistryReference {
  /** registry is the domain as normalized (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  /** repository is the path inside the registry (`library/busybox`). */
  readonly repository: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
  /** name is `registry/repository`, the store's repository key. */
  readonly name: string;
}

/** RegistryOptions configure how hosts are reached. */
export interface RegistryOptions {
  /** insecureRegistries lists `host[:port]` values that may be reached over plain http. */
  readonly insecureRegistries?: readonly string[];
}

/**
 * parseReference normalizes REF as Docker does (`busybox` is `docker.io/library/busybox:latest`,
 * `index.docker.io` is `docker.io`; a reference with a digest keeps only the digest, as
 * ParseDockerRef does) and splits off the registry domain.
 */
export function parseReference(ref: string): RegistryReference {
  const n = parseImageName(ref.replace(/^index\.docker\.io\//, "docker.io/"));
  const slash = n.repository.indexOf("/");
  const registry = n.repository.slice(0, slash);
  const repository = n.repository.slice(slash + 1);
  const tag = n.digest ? undefined : n.tag;
  return { registry, repository, tag, digest: n.digest, name: n.repository };
}

/** referenceString prints a reference as `registry/repository:tag` or `registry/repository@digest`. */
export function referenceString(r: RegistryReference): string {
  return r.digest ? `${r.name}@${r.digest}` : `${r.name}:${r.tag ?? "latest"}`;
}

/** apiHost is the `host[:port]` that serves a registry's API (Docker Hub's is registry-1.docker.io). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** hostname strips the port (and IPv6 brackets) from `host[:port]`. */
export function hostname(hostPort: string): string {
  if (hostPort.startsWith("[")) return hostPort.slice(1, hostPort.indexOf("]"));
  const i = hostPort.lastIndexOf(":");
  return i >= 0 && hostPort.indexOf(":") === i ? hostPort.slice(0, i) : hostPort;
}

/** isLoopback reports whether a host name is `localhost`, in 127.0.0.0/8, or `::1`. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || h === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * schemeFor chooses http for loopback hosts and for hosts listed in insecureRegistries (by
 * `host:port` or by host alone); every other registry is https, and a TLS failure is never
 * retried over http.
 */
export function schemeFor(registry: string, opts: RegistryOptions = {}): "http" | "https" {
  const host = apiHost(registry);
  if (isLoopback(hostname(host))) return "http";
  const listed = (opts.insecureRegistries ?? []).map((h) => h.replace(/^https?:\/\//, "").replace(/\/+$/, ""));
  return listed.includes(host) || listed.includes(hostname(host)) ? "http" : "https";
}

/** registryBase is the base URL of a registry's API, e.g. `http://127.0.0.1:5000`. */
export function registryBase(registry: string, opts: RegistryOptions = {}): URL {
  return new URL(`${schemeFor(registry, opts)}://${apiHost(registry)}`);
}

/** normalizeRegistryHost turns what a user types for `login HOST` into a registry domain (`https://index.docker.io/v1/` is docker.io). */
export function normalizeRegistryHost(input: string): string {
  let h = input.trim().replace(/^https?:\/\//, "");
  h = h.split("/")[0] ?? "";
  if (h === "index.docker.io" || h === "registry-1.docker.io" || h === "") return DOCKER_HUB;
  if (/[^a-zA-Z0-9.:\-[\]]/.test(h)) throw new ImageNameError(`invalid registry host ${JSON.stringify(input)}: give host[:port], e.g. registry.example.com:5000`);
  return h.toLowerCase();
}
