// End-to-end build helpers: a throwaway store with a busybox base image, contexts written from
// tables, and a way to read a built image's files and config.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build, type BuildOptions, type BuildResult } from "../../src/api/index.js";
import { importRootfs } from "../../src/image/import.js";
import { readImage, resolveImage } from "../../src/image/images.js";
import { unpackImage } from "../../src/image/unpack-image.js";
import { openStore } from "../../src/store/store.js";
import { busyboxAvailable, makeBusyboxRootfs } from "../helpers/rootfs.js";
import { buildArgsOf, checkImage, copyContext, loadFixture, serveFixture, type Fixture } from "./fixtures.js";

/** e2eMissing names what end-to-end builds lack here (root, busybox, an OCI runtime), or undefined. */
export function e2eMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "builds need root (namespaces and overlay mounts)";
  if (!busyboxAvailable()) return "busybox-static is not installed (apt-get install busybox-static)";
  try {
    execFileSync("runc", ["--version"], { stdio: "ignore" });
  } catch {
    return "runc is not installed (apt-get install runc)";
  }
  return undefined;
}

export interface Env {
  readonly root: string;
  readonly dir: string;
  build(files: Record<string, string>, opts?: Partial<BuildOptions>): Promise<BuildResult>;
  context(files: Record<string, string>): string;
  cleanup(): void;
}

/** makeEnv creates a store holding `busybox:latest` made from Debian's busybox-static. */
export async function makeEnv(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), "tsbuild-e2e-"));
  const root = join(dir, "store");
  const fs = makeBusyboxRootfs();
  const tar = join(dir, "busybox.tar");
  execFileSync("tar", ["-C", fs.rootfs, "-cf", tar, "."]);
  fs.cleanup();
  const store = openStore(root);
  try {
    await importRootfs(store, tar, ["busybox:latest"], { sourceDateEpoch: 0 });
  } finally {
    store.close();
  }
  let n = 0;
  const context = (files: Record<string, string>): string => {
    const ctx = join(dir, `ctx-${n++}`);
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(ctx, name)), { recursive: true });
      writeFileSync(join(ctx, name), content);
    }
    mkdirSync(ctx, { recursive: true });
    return ctx;
  };
  return {
    root,
    dir,
    context,
    build: (files, opts = {}) => build({ context: context(files), root, runtime: "runc", ...opts }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Built is a built image, unpacked for inspection. */
export interface Built {
  readonly rootfs: string;
  readonly config: Record<string, unknown> & { config: Record<string, unknown>; history: { created_by?: string; empty_layer?: boolean }[]; rootfs: { diff_ids: string[] } };
  read(path: string): string;
}

/** unpack unpacks the image `ref` from the env's store into a fresh dir. */
export async function unpack(env: Env, ref: string): Promise<Built> {
  const store = openStore(env.root);
  try {
    const digest = resolveImage(store, ref);
    const img = await readImage(store, digest);
    const rootfs = mkdtempSync(join(env.dir, "unpacked-"));
    await unpackImage(store, digest, rootfs);
    return { rootfs, config: img.config as unknown as Built["config"], read: (p) => readFileSync(join(rootfs, p), "utf8") };
  } finally {
    store.close();
  }
}

let fixtureCopies = 0;

/** FixtureBuild is a fixture built into an env's store. */
export interface FixtureBuild {
  readonly fixture: Fixture;
  readonly result: BuildResult;
  /** The copy of the fixture's context the build used (tests may edit it and build again). */
  readonly context: string;
}

/**
 * buildFixture copies fixtures/e2e/<name> to a fresh context and builds it with the fixture's
 * build args and secrets (serving its HTTP routes on loopback while it builds); `opts` adds to
 * or overrides the fixture's options.
 */
export async function buildFixture(env: Env, name: string, opts: Partial<BuildOptions> = {}): Promise<FixtureBuild> {
  const fixture = loadFixture(name);
  const context = copyContext(fixture, join(env.dir, `fixture-${name}-${fixtureCopies++}`));
  const server = await serveFixture(fixture);
  try {
    const b = fixture.expect.build;
    const result = await build({
      context,
      root: env.root,
      runtime: "runc",
      target: b?.target,
      secrets: b?.secrets,
      ...opts,
      buildArgs: { ...buildArgsOf(fixture, server.vars), ...opts.buildArgs },
    });
    return { fixture, result, context };
  } finally {
    await server.close();
  }
}

/** checkFixture unpacks the image `ref` and checks it against the fixture's expect.json. */
export async function checkFixture(env: Env, fixture: Fixture, ref: string): Promise<Built> {
  const img = await unpack(env, ref);
  checkImage(fixture, img);
  return img;
}

/**
 * filesContaining lists the regular files below dir whose bytes, or whose gunzipped bytes when
 * they are gzip data (layer blobs), contain needle. Symlinks are not followed.
 */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const want = Buffer.from(needle);
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = join(e.parentPath, e.name);
    const bytes = readFileSync(file);
    const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
    if (plain.includes(want)) found.push(file);
  }
  return found;
}
