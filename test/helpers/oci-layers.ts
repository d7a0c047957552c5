// Reads an image out of an OCI image layout directory (as `tsbuild save --format oci-dir` and
// `buildah push IMAGE oci:DIR` write it): its config and, per layer, every tar entry with type,
// mode, owner, size, content hash and link target. Modification times are left out.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";

/** LayerEntry is one tar entry of a layer, mtimes aside. */
export interface LayerEntry {
  /** The entry's path without a leading `./` or a trailing `/`; the root is `.`. */
  readonly path: string;
  readonly type: string;
  /** Permission bits with setuid, setgid and sticky (07777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** The sha256 of a regular file's content. */
  readonly sha256?: string;
  /** A symlink's target or a hardlink's link name. */
  readonly link?: string;
}

/** OciImage is an image read from an OCI layout: its config JSON and its layers' entries, base first. */
export interface OciImage {
  readonly config: { config?: Record<string, unknown>; history?: { created_by?: string; empty_layer?: boolean }[]; rootfs: { diff_ids: string[] } };
  readonly layers: LayerEntry[][];
}

function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(":");
  if (alg !== "sha256" || !hex || !/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${dir}: unexpected digest ${digest}`);
  return join(dir, "blobs", "sha256", hex);
}

function readJson(dir: string, digest: string): Record<string, unknown> {
  return JSON.parse(readFileSync(blobPath(dir, digest), "utf8")) as Record<string, unknown>;
}

/** normalPath drops a leading `./` or `/` and a trailing `/`; the root directory becomes `.`. */
export function normalPath(name: string): string {
  const p = name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  return p === "" || p === "." ? "." : p;
}

/** readLayer lists one layer blob (gzip or plain tar). */
async function readLayer(file: string): Promise<LayerEntry[]> {
  const head = readFileSync(file).subarray(0, 2);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const entries: LayerEntry[] = [];
  const ex = extract();
  ex.on("entry", (h, stream, next) => {
    const hash = createHash("sha256");
    let size = 0;
    stream.on("data", (chunk: unknown) => {
      const c = chunk as Buffer;
      hash.update(c);
      size += c.length;
    });
    stream.on("end", () => {
      const isFile = h.type === "file" || h.type === "contiguous-file";
      entries.push({
        path: normalPath(h.name),
        type: isFile ? "file" : (h.type ?? "file"),
        mode: (h.mode ?? 0) & 0o7777,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        size: isFile ? size : 0,
        ...(isFile ? { sha256: hash.digest("hex") } : {}),
        ...(h.linkname ? { link: h.linkname } : {}),
      });
      next();
    });
    stream.on("error", next);
  });
  const source = createReadStream(file);
  if (gz) await pipeline(source, createGunzip(), ex);
  else await pipeline(source, ex);
  return entries;
}

/** readOciLayout reads the only image of an OCI layout directory. */
export async function readOciLayout(dir: string): Promise<OciImage> {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  if (index.manifests.length !== 1) throw new Error(`${dir}: expected one image in index.json, found ${index.manifests.length}`);
  const manifest = readJson(dir, index.manifests[0]!.digest) as { config: { digest: string }; layers: { digest: string }[] };
  const config = readJson(dir, manifest.config.digest) as unknown as OciImage["config"];
  const layers: LayerEntry[][] = [];
  for (const l of manifest.layers) layers.push(await readLayer(blobPath(dir, l.digest)));
  return { config, layers };
}
