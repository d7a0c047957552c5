// What the buildah peer comparison compares: per layer the entries (mtimes aside), the layer
// count, and the config fields a Dockerfile sets. Each normalization below is a difference
// recorded in grammar/DEVIATIONS.md ("Compared with buildah"); nothing else is ignored.
import { createHash } from "node:crypto";
import type { LayerEntry, OciImage } from "../helpers/oci-layers.js";

/** CONFIG_FIELDS are the image config fields compared. */
export const CONFIG_FIELDS = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal", "Healthcheck"] as const;

/** Summary is the comparable view of an image. */
export interface Summary {
  readonly layerCount: number;
  /** One list per layer, base first: `path type mode uid:gid size sha256 -> link`, sorted by path. */
  readonly layers: string[][];
  readonly config: Record<string, unknown>;
}

function entryLine(e: LayerEntry): string {
  const link = e.link !== undefined ? ` -> ${e.link}` : "";
  return `${e.path} ${e.type} ${e.mode.toString(8).padStart(4, "0")} ${e.uid}:${e.gid} ${e.size} ${e.sha256 ?? "-"}${link}`;
}

function pickConfig(img: OciImage): Record<string, unknown> {
  const c = img.config.config ?? {};
  const out: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS) if (c[f] !== undefined && c[f] !== null) out[f] = c[f];
  return out;
}

/** summarize turns an image into its Summary, with no normalization. */
export function summarize(img: OciImage, layers: readonly LayerEntry[][] = img.layers): Summary {
  return {
    layerCount: layers.length,
    layers: layers.map((l) => l.map(entryLine).sort()),
    config: pickConfig(img),
  };
}

/** BUILDAH_LABEL is the label buildah adds to every image it commits. */
const BUILDAH_LABEL = "io.buildah.version";

/**
 * RUN_STUBS are the entries buildah's chroot isolation leaves in a RUN step's layer: empty
 * /etc/hosts and /etc/resolv.conf files it bind-mounts over, the /run directory it creates, and
 * /run/secrets, the mount point of secret mounts. BuildKit removes the mount points it creates.
 */
const RUN_STUBS: readonly { readonly path: string; readonly type: string; readonly size: number }[] = [
  { path: "etc/hosts", type: "file", size: 0 },
  { path: "etc/resolv.conf", type: "file", size: 0 },
  { path: "run", type: "directory", size: 0 },
  { path: "run/secrets", type: "directory", size: 0 },
];

/** isRunStep says whether a buildah history entry is a RUN step (metadata steps say `#(nop)`). */
function isRunStep(createdBy: string | undefined): boolean {
  return createdBy !== undefined && !createdBy.includes("#(nop)") && createdBy.startsWith("/bin/sh -c ");
}

/**
 * dropRunStubs removes RUN_STUBS from a buildah RUN layer, and the `etc` directory entry when
 * nothing else below etc/ is left in that layer.
 */
function dropRunStubs(layer: readonly LayerEntry[]): LayerEntry[] {
  const kept = layer.filter((e) => !RUN_STUBS.some((s) => s.path === e.path && s.type === e.type && s.size === e.size && e.uid === 0 && e.gid === 0));
  const underEtc = kept.some((e) => e.path.startsWith("etc/"));
  return kept.filter((e) => underEtc || e.path !== "etc" || e.type !== "directory");
}

/** layerHistory pairs each layer with the history entry that made it (entries without empty_layer). */
export function layerHistory(img: OciImage): (string | undefined)[] {
  return (img.config.history ?? []).filter((h) => h.empty_layer !== true).map((h) => h.created_by);
}

/** isWorkdirStep says whether a tsbuild history entry is a WORKDIR step (BuildKit's text). */
function isWorkdirStep(createdBy: string | undefined): boolean {
  return createdBy !== undefined && createdBy.startsWith("WORKDIR ");
}

/**
 * workdirEntries returns the entry lines of tsbuild's WORKDIR layers. buildah commits no layer for
 * WORKDIR: it creates the directory (mode 0755, owned by USER) only when a later RUN runs in it or
 * a COPY/ADD writes below it, inside that step's layer, and never when nothing uses it.
 */
export function workdirEntries(tsbuild: OciImage): Set<string> {
  const made = layerHistory(tsbuild);
  return new Set(tsbuild.layers.flatMap((l, i) => (isWorkdirStep(made[i]) ? l.filter((e) => e.type === "directory").map(entryLine) : [])));
}

/** dropWorkdirDirs drops directory entries identical to one a tsbuild WORKDIR layer holds. */
function dropWorkdirDirs(layers: readonly LayerEntry[][], workdirs: ReadonlySet<string>): LayerEntry[][] {
  return layers.map((l) => l.filter((e) => e.type !== "directory" || !workdirs.has(entryLine(e))));
}

/**
 * expandPortRanges lists each port of a `start-end/proto` key: buildah keeps an EXPOSEd range as
 * one key, BuildKit (nat.ParsePortSpecs) stores every port of it.
 */
function expandPortRanges(ports: Record<string, object>): Record<string, object> {
  const out: Record<string, object> = {};
  for (const key of Object.keys(ports)) {
    const m = /^(\d+)-(\d+)\/(\w+)$/.exec(key);
    if (!m) out[key] = {};
    else for (let p = Number(m[1]); p <= Number(m[2]); p++) out[`${p}/${m[3]}`] = {};
  }
  return out;
}

/** normalizeBuildah applies the recorded buildah-only differences to a buildah image. */
export function normalizeBuildah(img: OciImage, workdirs: ReadonlySet<string>): Summary {
  const made = layerHistory(img);
  const layers = img.layers.map((l, i) => (isRunStep(made[i]) ? dropRunStubs(l) : l));
  const s = summarize(img, [layers[0] ?? [], ...dropWorkdirDirs(layers.slice(1), workdirs)]);
  const labels = { ...(s.config.Labels as Record<string, string> | undefined) };
  delete labels[BUILDAH_LABEL];
  const config: Record<string, unknown> = { ...s.config };
  if (config.ExposedPorts) config.ExposedPorts = expandPortRanges(config.ExposedPorts as Record<string, object>);
  if (Object.keys(labels).length > 0) config.Labels = labels;
  else delete config.Labels;
  return { ...s, config };
}

/** normalizeTsbuild drops tsbuild's WORKDIR layers and their directories from later layers (see workdirEntries). */
export function normalizeTsbuild(img: OciImage, workdirs: ReadonlySet<string>): Summary {
  const made = layerHistory(img);
  const kept = img.layers.filter((_, i) => !isWorkdirStep(made[i]));
  return summarize(img, [kept[0] ?? [], ...dropWorkdirDirs(kept.slice(1), workdirs)]);
}

/**
 * pinContent replaces the size and hash of the regular file `path` in a summary with `label`,
 * after checking that the file holds exactly `text`: for a file whose content is known to differ
 * between the builders, each side is pinned to its own known content.
 */
export function pinContent(s: Summary, path: string, text: string, label: string): Summary {
  const hash = createHash("sha256").update(text).digest("hex");
  let found = 0;
  const layers = s.layers.map((l) =>
    l.map((line) => {
      const f = line.split(" ");
      if (f[0] !== path || f[1] !== "file") return line;
      found++;
      if (f[5] !== hash) throw new Error(`${path} does not hold ${JSON.stringify(text)} (line: ${line})`);
      return [...f.slice(0, 4), label].join(" ");
    }),
  );
  if (found === 0) throw new Error(`no regular file ${path} in any layer`);
  return { ...s, layers };
}
