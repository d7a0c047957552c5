// Issue 5 acceptance 1, the Debian case: a debootstrap'ed bookworm base imported with `tsbuild
// import`, then `RUN apt-get update && apt-get install` over the host network, as in Docker: apt
// drops to its _apt sandbox user under seccomp and no_new_privs, and resolves the mirror's name
// through the resolv.conf the builder provides (the base, like Docker's images, has none).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readImage, resolveImage } from "../../src/image/images.js";
import { readTar } from "../../src/image/tar-reader.js";
import { openStore } from "../../src/store/store.js";
import { debianMissing, debianRootfsTar } from "../helpers/debian.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { e2eMissing } from "./helpers.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
const missing = e2eMissing() ?? debianMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);
requirePrerequisites("Debian apt-get end-to-end test", missing);

describe.skipIf(missing !== undefined)("FROM a debootstrap'ed Debian: apt-get install over the host network", () => {
  let dir: string;
  let root: string;
  const tsbuild = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: root }, maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-debian-"));
    root = join(dir, "store");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("installs a package whose files land in the image, and runs it", async () => {
    const tar = debianRootfsTar();
    const imported = tsbuild("import", tar, "debian-base");
    expect(imported.code, imported.stderr).toBe(0);
    writeFileSync(join(dir, "Dockerfile"), "FROM debian-base\nRUN apt-get update && apt-get install -y --no-install-recommends hello\n");
    const built = tsbuild("build", "--progress", "plain", "--runtime", "runc", "-t", "debian-hello:1", dir);
    expect(built.code, built.stderr.slice(-3000)).toBe(0);
    expect(built.stderr).toMatch(/Setting up hello /);
    // apt warns when it cannot drop to _apt for downloads; in Docker it never has to.
    expect(built.stderr).not.toMatch(/unsandboxed/);

    const { config, layer } = await topLayer(root, "debian-hello:1");
    expect(layer.has("usr/bin/hello")).toBe(true);
    expect(layer.has("usr/share/doc/hello/copyright")).toBe(true);
    expect(layer.get("var/lib/dpkg/status")).toMatch(/^Package: hello\nStatus: install ok installed$/m);
    expect(config.rootfs.diff_ids).toHaveLength(2);
    expect(config.history?.at(-1)?.created_by).toBe("RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends hello # buildkit");
    // The name-resolution files were mounts: neither they nor /etc's copy-up stay in the layer.
    expect([...layer.keys()].filter((p) => p === "etc/" || p.startsWith("etc/resolv.conf") || p.startsWith("etc/hosts"))).toEqual([]);

    const run = tsbuild("run", "--rm", "--runtime", "runc", "debian-hello:1", "hello");
    expect(run.stdout, run.stderr).toBe("Hello, world!\n");
    expect(run.code).toBe(0);
    const version = tsbuild("run", "--rm", "--runtime", "runc", "debian-hello:1", "cat", "/etc/debian_version");
    expect(version.stdout).toMatch(/^12\.\d+\n$/);
  }, 300_000);
});

/** topLayer reads the image's config and its top layer: each entry name, with the text of /var/lib/dpkg/status. */
async function topLayer(root: string, ref: string) {
  const store = openStore(root);
  try {
    const img = await readImage(store, resolveImage(store, ref));
    const last = img.manifest.layers.at(-1)!;
    const layer = new Map<string, string>();
    for await (const e of readTar(Readable.from(await store.blobs.open(last.digest, last.size)).pipe(createGunzip()))) {
      const chunks: Buffer[] = [];
      for await (const c of e.body) if (e.header.name === "var/lib/dpkg/status") chunks.push(c);
      layer.set(e.header.name, Buffer.concat(chunks).toString("utf8"));
    }
    return { config: img.config, layer };
  } finally {
    store.close();
  }
}
