/**
 * Build outputs besides the local store, as `--output` spells them in BuildKit:
 * `type=image` (the store, the default), `type=oci` and `type=docker` (an image archive, or with
 * `tar=false` an OCI layout directory), `type=local` (the final filesystem as a directory) and
 * `type=tar` (the final filesystem as one tar). Also the `--metadata-file` JSON.
 */
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Digest } from "../core/digest.js";
import { InputError } from "../core/errors.js";
import { toLayerEntry } from "../executor/ops/layer.js";
import { saveArchive, saveLayoutDir } from "../image/layout.js";
import { writeLayerTar } from "../image/tar.js";
import { unpackImage } from "../image/unpack-image.js";
import { diffUpper } from "../runtime/diff.js";
import type { Store } from "../store/store.js";

/** BuildOutput is one parsed `--output`. */
export interface BuildOutput {
  readonly type: "image" | "oci" | "docker" | "local" | "tar";
  readonly dest?: string;
  /** oci/docker only: false writes an OCI layout directory instead of a tar. */
  readonly tar?: boolean;
}

const TYPES = new Set(["image", "oci", "docker", "local", "tar"]);

/** parseOutput parses `type=T[,dest=PATH][,tar=false]` (or a bare PATH, which is type=local). */
export function parseOutput(spec: string): BuildOutput {
  if (!spec.includes("=")) return { type: "local", dest: spec };
  const fields = new Map<string, string>();
  for (const part of spec.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new InputError(`--output ${JSON.stringify(spec)}: ${JSON.stringify(part)} is not KEY=VALUE`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1));
  }
  const type = fields.get("type") ?? "";
  if (!TYPES.has(type)) throw new InputError(`--output ${JSON.stringify(spec)}: type must be one of image, oci, docker, local, tar (got ${JSON.stringify(type)})`);
  for (const k of fields.keys()) {
    if (!["type", "dest", "tar", "name"].includes(k)) throw new InputError(`--output ${JSON.stringify(spec)}: unknown key ${JSON.stringify(k)} (known: type, dest, tar, name)`);
  }
  const dest = fields.get("dest");
  if (type !== "image" && !dest) throw new InputError(`--output type=${type} needs dest=PATH`);
  const tar = fields.get("tar");
  return { type: type as BuildOutput["type"], ...(dest ? { dest } : {}), ...(tar !== undefined ? { tar: tar !== "false" } : {}) };
}

/** tarTree writes the directory `dir` as one tar file at `dest`, mtimes clamped to sourceDateEpoch. */
async function tarTree(dir: string, dest: string, sourceDateEpoch: number | undefined): Promise<void> {
  const entries = (await diffUpper(dir)).map(toLayerEntry);
  await pipeline(writeLayerTar(entries, sourceDateEpoch === undefined ? {} : { sourceDateEpoch }), createWriteStream(dest));
}

/** writeOutput writes the stored image `manifestDigest` (named by `refs` when any) as `out` says. */
export async function writeOutput(store: Store, manifestDigest: Digest, refs: readonly string[], out: BuildOutput, sourceDateEpoch?: number): Promise<void> {
  if (out.type === "image" || out.dest === undefined) return;
  const names = refs.length > 0 ? refs : [manifestDigest];
  if (out.type === "oci" || out.type === "docker") {
    if (out.tar === false) await saveLayoutDir(store, names, out.dest);
    else {
      await mkdir(dirname(out.dest), { recursive: true });
      await saveArchive(store, names, out.dest, out.type);
    }
    return;
  }
  if (out.type === "local") {
    await mkdir(out.dest, { recursive: true });
    await unpackImage(store, manifestDigest, out.dest, { keepSetuid: true });
    return;
  }
  await mkdir(dirname(out.dest), { recursive: true });
  const tmp = await mkdtemp(`${store.root}/work/output-`);
  try {
    await unpackImage(store, manifestDigest, tmp, { keepSetuid: true });
    await tarTree(tmp, out.dest, sourceDateEpoch);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** writeMetadataFile writes BuildKit's `--metadata-file` keys for the built image. */
export async function writeMetadataFile(file: string, r: { manifestDigest: Digest; configDigest: Digest; manifestSize: number; tags: readonly string[] }): Promise<void> {
  const meta = {
    "containerimage.config.digest": r.configDigest,
    "containerimage.descriptor": { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: r.manifestDigest, size: r.manifestSize },
    "containerimage.digest": r.manifestDigest,
    ...(r.tags.length > 0 ? { "image.name": r.tags.join(",") } : {}),
  };
  await writeFile(file, `${JSON.stringify(meta, null, 2)}\n`);
}
