/**
 * commitLayer turns a step's upper dir into an image layer: its diff (overlay whiteouts as OCI
 * whiteouts) is written as a layer tar, hashed for the diffID while it streams, gzip-compressed
 * into the store by the store's commit protocol. The upper dir stays as the layer's dir.
 */
import { createHash } from "node:crypto";
import { lstat, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Digest } from "../../core/digest.js";
import type { LayerEntry } from "../../image/tar-entry.js";
import { writeLayerTar } from "../../image/tar.js";
import type { DiffEntry } from "../../runtime/diff.js";
import type { LayerBlob, OpServices } from "./types.js";

/** LowerView runs fn on a read-only view of the filesystem a step's upper was mounted over. */
export type LowerView = <T>(fn: (root: string) => Promise<T>) => Promise<T>;

/** LAYER_MEDIA_TYPE is the media type of the layers tsbuild writes (gzip, OCI). */
export const LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

/** toLayerEntry maps a neutral diff entry onto the image tar writer's entry type. */
export function toLayerEntry(d: DiffEntry): LayerEntry {
  const common = { path: d.path, mode: d.mode, uid: d.uid, gid: d.gid, mtime: Math.floor(d.mtime), xattrs: d.xattrs };
  switch (d.kind) {
    case "whiteout":
      return { type: "whiteout", path: d.path };
    case "opaque":
      return { type: "opaque", path: d.path };
    case "dir":
      return { ...common, type: "directory" };
    case "symlink":
      return { ...common, type: "symlink", target: d.linkname ?? "" };
    case "hardlink":
      return { ...common, type: "hardlink", target: d.linkname ?? "" };
    case "char":
    case "block":
      return { ...common, type: d.kind === "char" ? "character-device" : "block-device", devmajor: d.devmajor ?? 0, devminor: d.devminor ?? 0 };
    case "fifo":
      return { ...common, type: "fifo" };
    case "file": {
      const open = d.open;
      if (!open) throw new TypeError(`diff entry ${d.path} has no content reader`);
      return { ...common, type: "file", content: { size: d.size, open } };
    }
  }
}

/** hashing passes bytes through while feeding them to a sha256. */
function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/** lowerChildren lists the names in the lower view's directory `path`; undefined when it is not a directory there. */
async function lowerChildren(services: OpServices, view: string, path: string): Promise<string[] | undefined> {
  const parent = await services.resolveInRoot(view, posix.dirname(path));
  if (parent === undefined) return undefined;
  const host = `${parent}/${posix.basename(path)}`;
  const st = await lstat(host).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT" || e.code === "ENOTDIR") return undefined; // nothing below: nothing to hide
    throw e;
  });
  return st?.isDirectory() ? readdir(host) : undefined;
}

/**
 * expandOpaque replaces each opaque marker with a whiteout per child of that directory in the
 * lower view that the upper does not hold, as BuildKit's overlay differ does (it compares an
 * opaque directory with the lower and writes no opaque markers); a marker with no lower
 * directory under it hides nothing and is dropped.
 */
export async function expandOpaque(services: OpServices, diff: readonly DiffEntry[], view: string): Promise<DiffEntry[]> {
  const out: DiffEntry[] = [];
  const paths = new Set(diff.map((d) => d.path));
  for (const d of diff) {
    if (d.kind !== "opaque") {
      out.push(d);
      continue;
    }
    for (const name of (await lowerChildren(services, view, d.path)) ?? []) {
      const path = d.path === "." || d.path === "" ? name : `${d.path}/${name}`;
      if (!paths.has(path)) out.push({ path, kind: "whiteout", mode: 0, uid: 0, gid: 0, size: 0, mtime: 0, xattrs: {} });
    }
  }
  return out;
}

/**
 * commitLayer writes the diff of `upper` as a gzip layer blob and returns its descriptor; given
 * a view of the filesystem below the upper, opaque directories become whiteouts of the lower
 * children they hide (expandOpaque). The view is mounted only when the diff has opaque markers.
 */
export async function commitLayer(services: OpServices, upper: string, lower?: LowerView): Promise<LayerBlob> {
  const raw = await services.diffUpper(upper);
  const diff = lower && raw.some((d) => d.kind === "opaque") ? await lower((view) => expandOpaque(services, raw, view)) : raw;
  const tar = writeLayerTar(diff.map(toLayerEntry), services.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: services.sourceDateEpoch });
  const hash = createHash("sha256");
  const gz = createGzip({ level: 6 });
  const piping = pipeline(tar, hashing(hash), gz);
  piping.catch(() => undefined); // a failure destroys gz, so blobs.write rejects with it
  const blob = await services.store.blobs.write(Readable.from(gz));
  await piping;
  return { digest: blob.digest, size: blob.size, mediaType: LAYER_MEDIA_TYPE, diffId: `sha256:${hash.digest("hex")}` as Digest };
}
