// Registry transfer benchmark: pull + unpack, and pack + push, of a generated 100 MB / 5,000-file
// image over loopback, next to skopeo (and umoci for the unpack) on the same image in the same run.
// Not a test. Needs docker-registry, skopeo, umoci and GNU time (/usr/bin/time); run as root:
//   npm run bench:registry [-- ROUNDS]
// What each side does, per round (tools take turns, the order alternating between rounds):
// (a) tsbuild: `pull()` into an empty store (blobs streamed into the store with fsync, digests
//     verified), then `unpack()` of the image into an empty dir, in one fresh node process using
//     the package's entry (dist/api/index.js); also `tsbuild pull` (the CLI) alone. skopeo:
//     `skopeo copy docker://... oci:DIR` into an empty layout (blobs streamed into the layout,
//     digests verified), then `umoci unpack` of it into an empty bundle (as root: owners kept,
//     like tsbuild's unpack).
// (b) tsbuild: `packPush()` of the four directories into a four-layer image (walk, layer tar, gzip
//     level 1, blobs committed to the store) pushed to an empty registry, each layer's upload
//     starting as soon as that layer is stored, in one fresh node process; also `pack()` then
//     `push()` one after the other (no overlap), in one fresh node process. skopeo: `skopeo copy oci:DIR docker://...` of the same four layers, kept as
//     uncompressed tars in an OCI layout, to an empty registry (skopeo gzips them while
//     uploading, as it does for every docker:// destination; it never walks a directory).
// The node processes get NODE_EXTRA_CA_CERTS as TSBUILD_EXTRA_CA_CERTS, as the CLI's shebang
// passes it. Peak RSS is GNU time's maximum resident set size of each process. With BASE_DIST=<another
// build's dist/> set, that build's `tsbuild pull` (CLI), packPush and pack, then push are timed in the
// same rounds too (right after this build's, so both see the same machine load).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { nativeDeflate } from "../src/image/native-deflate.js";
import { encodeJson, descriptorOf, MediaTypes, type ImageConfig } from "../src/image/oci.js";
import { hostPlatform } from "../src/image/platform.js";
import { writeLayerTar } from "../src/image/tar.js";
import { entriesFromDir } from "../src/image/tar-walk.js";
import { startRegistry, type TestRegistry } from "../test/helpers/registry.js";

const rounds = Number(process.argv[2] ?? 5);
const DIST = resolve(import.meta.dirname, "../dist");
const CLI = join(DIST, "cli/main.cjs");
/** BASE_DIST, when set, is another build's dist/ (say, of main) whose pull CLI, packPush and pack, then push are timed in the same rounds, for before/after figures. */
const BASE_DIST = process.env.BASE_DIST;
const LAYERS = 4;
const FILES = 5_000;
const TOTAL = 100 * 1000 * 1000;

/** rng is xorshift32: the same bytes on every machine and run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** fileSizes spreads TOTAL bytes over FILES files: most a few KiB, a few of several MiB. */
function fileSizes(next: () => number): number[] {
  const weights = Array.from({ length: FILES }, (_, i) => (i % 499 === 0 ? 400 : 1 + (next() % 8)));
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((w * TOTAL) / sum));
  sizes[0] = (sizes[0] as number) + TOTAL - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

/** VOCABULARY is 1,000 made-up words of 2-9 letters (fixed), the stuff of the text part of files. */
const VOCABULARY: readonly Buffer[] = (() => {
  const next = rng(7);
  return Array.from({ length: 1000 }, () => Buffer.from(Array.from({ length: 2 + (next() % 8) }, () => 97 + (next() % 26))));
})();

/**
 * content is like the files of real image layers: 25% incompressible (as compressed assets are)
 * and 75% text made of words (as code, scripts and data are), so `gzip -1` shrinks a layer to
 * about 57%. Files are made of 4 KiB runs of either kind.
 */
function content(next: () => number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let i = 0;
  while (i < size) {
    const end = Math.min(size, i + 4096);
    if (next() % 4 === 0) {
      for (; i + 4 <= end; i += 4) buf.writeUInt32LE(next(), i);
      for (; i < end; i++) buf[i] = next() & 0xff;
    } else {
      while (i < end) {
        const w = VOCABULARY[next() % VOCABULARY.length] as Buffer;
        i += w.copy(buf, i, 0, Math.min(w.length, end - i));
        if (i < end) buf[i++] = next() % 12 === 0 ? 10 : 32;
      }
    }
  }
  return buf;
}

/** generate writes the image's four layer directories under dir (deterministic). */
function generate(dir: string): string[] {
  const next = rng(20261128);
  const sizes = fileSizes(next);
  const roots = Array.from({ length: LAYERS }, (_, l) => join(dir, `layer${l}`));
  sizes.forEach((size, i) => {
    const d = join(roots[i % LAYERS] as string, `usr/share/d${(i >> 2) % 50}/s${(i >> 4) % 7}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}.dat`), content(next, size), { mode: i % 3 === 0 ? 0o755 : 0o644 });
  });
  return roots;
}

/** writeUncompressedLayout writes an OCI layout of the same layers as plain tars (skopeo's input for (b)). */
async function writeUncompressedLayout(roots: readonly string[], layout: string): Promise<void> {
  mkdirSync(join(layout, "blobs/sha256"), { recursive: true });
  const layers = [];
  for (const root of roots) {
    const tmp = join(layout, "layer.tmp");
    const hash = createHash("sha256");
    let size = 0;
    const count = new Transform({ transform: (c: Buffer, _e, done) => (hash.update(c), (size += c.length), done(null, c)) });
    await pipeline(writeLayerTar(await entriesFromDir(root), { sourceDateEpoch: 0 }), count, createWriteStream(tmp));
    const hex = hash.digest("hex");
    spawnSync("mv", [tmp, join(layout, "blobs/sha256", hex)]);
    layers.push({ mediaType: MediaTypes.ociLayer, digest: `sha256:${hex}`, size });
  }
  const config: ImageConfig = { ...hostPlatform(), config: {}, rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) as never } };
  const blob = (bytes: Buffer) => (writeFileSync(join(layout, "blobs/sha256", createHash("sha256").update(bytes).digest("hex")), bytes), bytes);
  const configDesc = descriptorOf(MediaTypes.ociConfig, blob(encodeJson(config)));
  const manifest = blob(encodeJson({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: configDesc, layers }));
  const index = { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [{ ...descriptorOf(MediaTypes.ociManifest, manifest), annotations: { "org.opencontainers.image.ref.name": "bench" } }] };
  writeFileSync(join(layout, "index.json"), JSON.stringify(index));
  writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
}

interface Run {
  readonly seconds: number;
  readonly rssMiB: number;
}

/** timed runs argv under GNU time and returns its wall time and peak RSS; a failure ends the benchmark. */
function timed(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync("/usr/bin/time", ["-f", "@@ %e %M", ...argv], { env, encoding: "utf8", stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
  const m = /@@ ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

/** api runs tsbuild API calls (`t` and `r`: the package's entry, dist/api/index.js, as `import "tsbuild"` loads it) in a fresh node process. */
function api(code: string, root: string, dist = DIST): Run {
  const script = `const t = await import(${JSON.stringify(`file://${join(dist, "api/index.js")}`)}); const r = t; ${code}`;
  // As the CLI's shebang does: Node would otherwise build its root store at start for NODE_EXTRA_CA_CERTS.
  const { NODE_EXTRA_CA_CERTS: ca, ...env } = process.env;
  return timed([process.execPath, "--input-type=module", "-e", script], { ...env, ...(ca ? { TSBUILD_EXTRA_CA_CERTS: ca } : {}), TSBUILD_ROOT: root });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const add = (a: Run, b: Run): Run => ({ seconds: a.seconds + b.seconds, rssMiB: Math.max(a.rssMiB, b.rssMiB) });

type Sample = Record<string, Run>;

/** pullRound measures (a) once for both tools, fresh destinations each time. */
function pullRound(work: string, ref: string, skopeoFirst: boolean): Sample {
  const fresh = (p: string) => (rmSync(p, { recursive: true, force: true }), p);
  const ours = (): Sample => {
    const cli = timed([CLI, "--root", fresh(join(work, "pull-store")), "pull", "-q", ref]);
    const base: Sample = BASE_DIST ? { "BASE_DIST pull (CLI)": timed([join(BASE_DIST, "cli/main.cjs"), "--root", fresh(join(work, "pull-store")), "pull", "-q", ref]) } : {};
    const root = fresh(join(work, "pull-store"));
    const both = api(`await r.pull(${JSON.stringify(ref)}, { root: ${JSON.stringify(root)} }); await t.unpack(${JSON.stringify(ref)}, ${JSON.stringify(fresh(join(work, "pull-rootfs")))}, { root: ${JSON.stringify(root)} });`, root);
    return { "tsbuild pull (CLI)": cli, ...base, "tsbuild pull + unpack (one process)": both };
  };
  const theirs = (): Sample => {
    const layout = fresh(join(work, "pull-layout"));
    const copy = timed(["skopeo", "copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:bench`]);
    const unpack = timed(["umoci", "unpack", "--image", `${layout}:bench`, fresh(join(work, "pull-bundle"))]);
    return { "skopeo copy": copy, "umoci unpack": unpack, "skopeo copy + umoci unpack": add(copy, unpack) };
  };
  return skopeoFirst ? { ...theirs(), ...ours() } : { ...ours(), ...theirs() };
}

/** pushRound measures (b) once for both tools, each pushing to a registry started empty for it. */
async function pushRound(work: string, roots: readonly string[], layout: string, skopeoFirst: boolean): Promise<Sample> {
  /** once runs one tsbuild process against a registry started empty for it, from an empty store. */
  const once = async (code: (ref: string, root: string) => string, dist?: string): Promise<Run> => {
    const sink = await startRegistry();
    try {
      const root = join(work, "push-store");
      rmSync(root, { recursive: true, force: true });
      return api(code(JSON.stringify(`${sink.host}/bench/tsbuild:1`), JSON.stringify(root)), root, dist);
    } finally {
      await sink.stop();
    }
  };
  const dirs = JSON.stringify(roots);
  const packPush = (ref: string, root: string) => `await r.packPush(${dirs}, ${ref}, { root: ${root} });`;
  const packThenPush = (ref: string, root: string) => `await t.pack(${dirs}, ${ref}, { root: ${root} }); await r.push(${ref}, { root: ${root} });`;
  const ours = async (): Promise<Sample> => ({
    "tsbuild packPush (one process)": await once(packPush),
    ...(BASE_DIST ? { "BASE_DIST packPush (one process)": await once(packPush, BASE_DIST) } : {}),
    "tsbuild pack, then push (one process)": await once(packThenPush),
    ...(BASE_DIST ? { "BASE_DIST pack, then push (one process)": await once(packThenPush, BASE_DIST) } : {}),
  });
  const theirs = async (): Promise<Sample> => {
    const sink = await startRegistry();
    try {
      return { "skopeo copy oci:(plain tars) docker://": timed(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:bench`, `docker://${sink.host}/bench/skopeo:1`]) };
    } finally {
      await sink.stop();
    }
  };
  return skopeoFirst ? { ...(await theirs()), ...(await ours()) } : { ...(await ours()), ...(await theirs()) };
}

/** report prints each tool's median and peak RSS, then the ratio of each pair: `target` pairs are the issue's targets (within 1.2x), the others are for reference. */
function report(samples: readonly Sample[], pairs: readonly [string, string, "target" | "reference"][]): void {
  const med = (k: string) => ({ seconds: median(samples.map((s) => (s[k] as Run).seconds)), rssMiB: Math.max(...samples.map((s) => (s[k] as Run).rssMiB)) });
  for (const k of Object.keys(samples[0] ?? {})) {
    const m = med(k);
    console.log(`  ${k.padEnd(40)} ${m.seconds.toFixed(2).padStart(6)} s   peak RSS ${m.rssMiB.toFixed(0).padStart(4)} MiB`);
  }
  for (const [a, b, kind] of pairs) console.log(`  ratio ${a} / ${b}: ${(med(a).seconds / med(b).seconds).toFixed(2)}x (${kind === "target" ? "target <= 1.2x" : "for reference"})`);
}

const work = mkdtempSync(join(tmpdir(), "tsbuild-bench-registry-"));
let source: TestRegistry | undefined;
try {
  console.log(`generating ${FILES} files, ${TOTAL / 1e6} MB in ${LAYERS} layer directories ...`);
  const roots = generate(join(work, "src"));
  const layout = join(work, "plain-layout");
  await writeUncompressedLayout(roots, layout);
  source = await startRegistry();
  const ref = `${source.host}/bench/image:1`;
  const seedRoot = join(work, "seed-store");
  api(`await t.pack(${JSON.stringify(roots)}, ${JSON.stringify(ref)}, { root: ${JSON.stringify(seedRoot)} }); await r.push(${JSON.stringify(ref)}, { root: ${JSON.stringify(seedRoot)} });`, seedRoot);
  const pulls: Sample[] = [];
  const pushes: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    pulls.push(pullRound(work, ref, i % 2 === 1));
    pushes.push(await pushRound(work, roots, layout, i % 2 === 1));
    process.stderr.write(`round ${i + 1}/${rounds} done\n`);
  }
  console.log(`registry benchmark, median of ${rounds} interleaved rounds, ${new Date().toISOString()} (peak RSS: maximum over the rounds)`);
  const engine = nativeDeflate();
  console.log(`gzip engine of tsbuild's pack: ${engine ? `libdeflate ${engine.libdeflateVersion} (native/build/tsbuild_deflate.node)` : "Node's zlib (native deflate not built, or TSBUILD_DEFLATE=zlib)"}`);
  console.log("(a) pull + unpack");
  // The pull target is on pull + unpack (skopeo copy stops at a layout; umoci unpack makes the tree).
  report(pulls, [["tsbuild pull (CLI)", "skopeo copy", "reference"], ...(BASE_DIST ? [["BASE_DIST pull (CLI)", "skopeo copy", "reference"] as [string, string, "reference"]] : []), ["tsbuild pull + unpack (one process)", "skopeo copy + umoci unpack", "target"]]);
  console.log("(b) pack + push");
  const skopeoPush = "skopeo copy oci:(plain tars) docker://";
  const basePush: [string, string, "reference"][] = BASE_DIST ? [["BASE_DIST packPush (one process)", skopeoPush, "reference"], ["BASE_DIST pack, then push (one process)", skopeoPush, "reference"]] : [];
  report(pushes, [["tsbuild packPush (one process)", skopeoPush, "target"], ["tsbuild pack, then push (one process)", skopeoPush, "target"], ...basePush]);
} finally {
  await source?.stop();
  rmSync(work, { recursive: true, force: true });
}
