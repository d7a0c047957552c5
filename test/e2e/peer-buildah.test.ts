// Same image as a peer: every fixture in fixtures/e2e/ is built once with tsbuild and once with
// buildah (`bud --isolation chroot --layers`, private vfs store, base images from an OCI archive
// of the same busybox image), and the two images must agree on layer count, per-layer entries
// (type, mode, owner, size, content hash, link target; mtimes aside) and the config fields a
// Dockerfile sets. The only differences allowed are the normalizations in peer-compare.ts, each
// recorded in grammar/DEVIATIONS.md, and the fixtures buildah 1.28 cannot build (listed below
// with the error buildah gives, so a buildah that learns them makes this test fail and ask for
// a real comparison).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { save } from "../../src/api/index.js";
import { createBuildah, buildahMissing, type Buildah } from "../helpers/buildah.js";
import { readOciLayout } from "../helpers/oci-layers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { buildArgsOf, copyContext, listFixtures, loadFixture, serveFixture, type Fixture } from "./fixtures.js";
import { buildFixture, e2eMissing, makeEnv, type Env } from "./helpers.js";
import { normalizeBuildah, normalizeTsbuild, pinContent, workdirEntries } from "./peer-compare.js";

const missing = e2eMissing() ?? buildahMissing();
requirePrerequisites("the buildah comparison", missing);

/**
 * BUILDAH_CANNOT lists the fixtures buildah 1.28 (Debian 12) fails to build, with the error it
 * gives: no heredocs (it reads the body lines as instructions) and no symbolic --chmod.
 */
const BUILDAH_CANNOT: Readonly<Record<string, RegExp>> = {
  heredoc: /Unknown instruction: "ECHO"/,
  "copy-chmod-glob": /Error parsing chmod u=rwX,go=rX/,
};

/**
 * CONTENT_DIFFERENCES are files whose content differs because buildah follows other rules (see
 * grammar/DEVIATIONS.md): tsbuild's content is the fixture's expect.json one, buildah's is below.
 */
const CONTENT_DIFFERENCES: Readonly<Record<string, Readonly<Record<string, { readonly buildah: string; readonly reason: string }>>>> = {
  "arg-env-scoping": {
    // buildah does not pass a stage's ARGs on to stages built FROM it (ENV values it does).
    "out/inherited": { buildah: "late:[] override:[] greeting:[hello]\n", reason: "ARG inheritance" },
  },
};

/**
 * forBuildah rewrites a fixture's Dockerfile for buildah 1.28 where it lacks a flag that only
 * checks the result: `ADD --checksum` (it verifies the download; the file is the same).
 */
function forBuildah(dockerfile: string): string {
  return dockerfile.replace(/^(ADD\s+)--checksum=\S+\s+/gm, "$1");
}

describe.skipIf(missing !== undefined)("same image as buildah (fixtures/e2e)", () => {
  let env: Env;
  let bah: Buildah;
  let secretDir: string;
  beforeAll(async () => {
    env = await makeEnv();
    const archive = join(env.dir, "busybox-oci.tar");
    await save(["busybox:latest"], archive, "oci", { root: env.root });
    bah = createBuildah(join(env.dir, "buildah"));
    bah.importArchive(archive);
    secretDir = join(env.dir, "secrets");
    mkdirSync(secretDir);
  });
  afterAll(() => {
    bah?.cleanup();
    env?.cleanup();
  });

  /** tsbuildImage builds the fixture with tsbuild and reads the result as an OCI layout. */
  async function tsbuildImage(f: Fixture) {
    const tag = `peer/${f.name}:tsbuild`;
    await buildFixture(env, f.name, { tags: [tag] });
    const out = join(env.dir, `oci-tsbuild-${f.name}`);
    await save([tag], out, "oci-dir", { root: env.root });
    return readOciLayout(out);
  }

  /** buildahBuild builds the fixture with buildah from its own copy of the context. */
  async function buildahBuild(f: Fixture) {
    const ctx = copyContext(f, join(env.dir, `buildah-ctx-${f.name}`));
    writeFileSync(join(ctx, "Dockerfile"), forBuildah(readFileSync(join(ctx, "Dockerfile"), "utf8")));
    const secretFiles: Record<string, string> = {};
    for (const [id, value] of Object.entries(f.expect.build?.secrets ?? {})) {
      secretFiles[id] = join(secretDir, `${f.name}-${id}`);
      writeFileSync(secretFiles[id], value);
    }
    const server = await serveFixture(f);
    try {
      const tag = `localhost/peer/${f.name}:buildah`;
      const r = await bah.bud(ctx, { tag, buildArgs: buildArgsOf(f, server.vars), secretFiles, target: f.expect.build?.target });
      return { ...r, tag };
    } finally {
      await server.close();
    }
  }

  for (const name of listFixtures()) {
    it(`${name}: buildah and tsbuild build the same image`, async () => {
      const f = loadFixture(name);
      const b = await buildahBuild(f);
      const cannot = BUILDAH_CANNOT[name];
      if (cannot) {
        expect(b.status, `buildah now builds fixture ${name}: compare it (remove it from BUILDAH_CANNOT)`).not.toBe(0);
        expect(b.output).toMatch(cannot);
        return;
      }
      expect(b.status, b.output).toBe(0);
      const out = join(env.dir, `oci-buildah-${name}`);
      bah.pushOci(b.tag, out);
      const tsbuild = await tsbuildImage(f);
      const workdirs = workdirEntries(tsbuild);
      let ours = normalizeTsbuild(tsbuild, workdirs);
      const pushed = await readOciLayout(out);
      // The OCI config has no Healthcheck field; buildah keeps HEALTHCHECK in its Docker-format config.
      const health = bah.dockerConfig(b.tag).Healthcheck;
      const config = { ...pushed.config.config, ...(health ? { Healthcheck: health } : {}) };
      let theirs = normalizeBuildah({ ...pushed, config: { ...pushed.config, config } }, workdirs);
      for (const [path, d] of Object.entries(CONTENT_DIFFERENCES[name] ?? {})) {
        const label = `<differs: ${d.reason}>`;
        ours = pinContent(ours, path, f.expect.files?.[path]?.content ?? "", label);
        theirs = pinContent(theirs, path, d.buildah, label);
      }
      expect(ours.config).toEqual(theirs.config);
      expect(ours.layers).toEqual(theirs.layers);
      expect(ours.layerCount).toBe(theirs.layerCount);
    });
  }
});
