/**
 * What ADD does beyond COPY: a local tar (plain or gzip) named as a source is extracted into the
 * destination with the safe unpacker, and an http(s) URL is downloaded (size-limited, at most 10
 * redirects, file name confined to the last component of the URL path, `--checksum` verified,
 * mtime from Last-Modified, mode 0600 as BuildKit gives downloads).
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Digest } from "../../core/digest.js";
import { InputError } from "../../core/errors.js";
import { redactUrl, stripCredentials } from "../../core/git-ref.js";
import { decompressLayer, LimitError } from "../../image/decompress.js";
import { unpackLayer } from "../../image/unpack.js";
import { agentFor, loadFetch } from "../../registry/http.js";

/** MAX_DOWNLOAD_BYTES caps one ADD download (and what an ADD archive may unpack to). */
export const MAX_DOWNLOAD_BYTES = 4 * 1024 ** 3;
/** MAX_REDIRECTS is how many redirects one ADD download follows (as Go's http client). */
export const MAX_REDIRECTS = 10;

/** isArchive reports whether the bytes are a tar, plain or gzip-compressed (BuildKit's ADD auto-extract). */
export async function isArchive(open: () => AsyncIterable<Uint8Array>): Promise<boolean> {
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of decompressLayer(open(), MAX_DOWNLOAD_BYTES)) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 512) break;
    }
  } catch (err) {
    // Bytes that start like gzip but do not inflate are an ordinary file to copy, not an archive.
    if (err instanceof LimitError) throw err;
    return false;
  }
  return head.length >= 512 && head.subarray(257, 262).toString("latin1") === "ustar";
}

/** extractArchive unpacks a tar stream into the host dir `dest` (inside a rootfs), never writing through symlinks. */
export async function extractArchive(source: AsyncIterable<Uint8Array>, dest: string, what: string): Promise<void> {
  try {
    await unpackLayer(source, dest, { devices: "skip", keepSetuid: true, limits: { maxUncompressedBytes: MAX_DOWNLOAD_BYTES } });
  } catch (err) {
    throw new InputError(`ADD ${what}: cannot extract the archive: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Downloaded is a fetched URL saved to a temp file the caller removes. */
export interface Downloaded {
  readonly file: string;
  /** Hex sha256 of the downloaded bytes. */
  readonly sha256: string;
  readonly name: string;
  readonly mtime: Date | undefined;
}

/** fileNameOf is the last component of the URL path, confined to one safe path component. */
export function fileNameOf(url: URL): string {
  const parts = url.pathname.split("/").filter((p) => p !== "");
  let name = parts.length > 0 ? parts[parts.length - 1]! : "";
  try {
    name = decodeURIComponent(name);
  } catch {
    // A malformed %-escape is kept literally, as the URL spells it.
  }
  return name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0") ? "__unnamed__" : name;
}

/** verifyChecksum checks `sha256:<hex>` against the digest of what was downloaded. */
function verifyChecksum(url: string, checksum: string | undefined, got: string): void {
  if (checksum === undefined) return;
  const m = /^sha256:([0-9a-f]{64})$/.exec(checksum);
  if (!m) throw new InputError(`ADD --checksum=${checksum}: expected sha256:<64 hex digits>`);
  if (m[1] !== got) throw new InputError(`ADD ${redactUrl(url)}: checksum mismatch: --checksum says ${checksum}, the download is sha256:${got}`);
}

/** fetchFollowing GETs `url`, following at most MAX_REDIRECTS redirects to http(s) URLs. */
async function fetchFollowing(url: string, signal: AbortSignal | undefined) {
  let current = new URL(url);
  for (let hops = 0; ; hops++) {
    if (current.protocol !== "http:" && current.protocol !== "https:") throw new InputError(`ADD ${redactUrl(url)}: only http and https URLs can be downloaded (got ${current.protocol})`);
    const res = await (await loadFetch())(current.href, { redirect: "manual", signal: signal ?? null, compress: false, agent: agentFor(current) });
    const loc = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && loc) {
      if (hops >= MAX_REDIRECTS) throw new InputError(`ADD ${redactUrl(url)}: stopped after ${MAX_REDIRECTS} redirects`);
      res.body?.resume();
      current = new URL(loc, current);
      continue;
    }
    if (!res.ok || !res.body) throw new InputError(`ADD ${redactUrl(url)}: the server answered ${res.status} ${res.statusText} for ${redactUrl(current.href)}`);
    return { res, final: current };
  }
}

/** download fetches `url` into a new file under `workRoot`. */
export async function download(url: string, workRoot: string, checksum: string | undefined, signal?: AbortSignal): Promise<Downloaded> {
  const { res } = await fetchFollowing(url, signal);
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_DOWNLOAD_BYTES) throw new LimitError(`ADD ${redactUrl(url)}: the server announces ${declared} bytes, more than the limit of ${MAX_DOWNLOAD_BYTES}`);
  const file = `${workRoot}/download-${randomBytes(8).toString("hex")}`;
  const hash = createHash("sha256");
  let total = 0;
  async function* limited(body: AsyncIterable<Buffer>) {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > MAX_DOWNLOAD_BYTES) throw new LimitError(`ADD ${redactUrl(url)}: the download is larger than the limit of ${MAX_DOWNLOAD_BYTES} bytes`);
      hash.update(chunk);
      yield chunk;
    }
  }
  let sha256: string;
  try {
    await pipeline(Readable.from(limited(res.body as unknown as AsyncIterable<Buffer>)), createWriteStream(file, { mode: 0o600, flags: "wx" }));
    sha256 = hash.digest("hex");
    verifyChecksum(url, checksum, sha256);
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  const lm = res.headers.get("last-modified");
  const mtime = lm ? new Date(lm) : undefined;
  return { file, sha256, name: fileNameOf(new URL(url)), mtime: mtime && !Number.isNaN(mtime.getTime()) ? mtime : undefined };
}

/**
 * urlSourceDigest digests what an ADD URL contributes, for the cache key: with `--checksum` the
 * checksum itself; otherwise the URL is downloaded (then removed) and its content hash and
 * Last-Modified are digested, so a changed resource reruns the step as with BuildKit. `seen`
 * receives the content hash, which the step then requires of its own download.
 */
export async function urlSourceDigest(url: string, checksum: string | undefined, workRoot: string, signal: AbortSignal, seen: Map<string, string>): Promise<Digest> {
  if (checksum !== undefined) return `sha256:${createHash("sha256").update(`checksum\0${stripCredentials(url)}\0${checksum}`).digest("hex")}` as Digest;
  const d = await download(url, workRoot, undefined, signal);
  await rm(d.file, { force: true });
  seen.set(url, d.sha256);
  return `sha256:${createHash("sha256").update(`content\0${stripCredentials(url)}\0${d.sha256}\0${d.mtime?.getTime() ?? ""}`).digest("hex")}` as Digest;
}
