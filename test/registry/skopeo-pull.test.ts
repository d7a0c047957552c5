// An image made without tsbuild (umoci, three layers: a busybox rootfs with odd modes and owners,
// a repack with whiteouts, and a raw layer with an opaque directory) and pushed by skopeo to a real
// registry is pulled by `tsbuild pull` and unpacked by tsbuild into the tree `umoci unpack` gives.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unpack } from "../../src/api/index.js";
import { run } from "../../src/cli/program.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { registryMissing, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { BUSYBOX, busyboxAvailable } from "../helpers/rootfs.js";
import { tree } from "../helpers/tree.js";

const tools = ["/usr/bin/skopeo", "/usr/bin/umoci"].filter((t) => !existsSync(t));
const missing =
  registryMissing() ??
  (busyboxAvailable() ? undefined : "busybox-static is not installed") ??
  (tools.length > 0 ? `${tools.join(", ")} not installed (apt-get install skopeo umoci)` : undefined) ??
  (process.getuid?.() === 0 ? undefined : "umoci's owner-preserving unpack needs root");
requirePrerequisites("skopeo push / tsbuild pull test", missing);

/** baseRootfs writes layer 1's tree: busybox with applet links, a hardlink, odd modes and owners. */
function baseRootfs(dir: string): void {
  for (const d of ["bin", "etc", "tmp", "srv/data/deep", "srv/gone/inner", "opt/keep", `long/${"x".repeat(120)}`]) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  for (const applet of ["sh", "ls", "cat", "echo", "true"]) symlinkSync("busybox", join(dir, "bin", applet));
  writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  linkSync(join(dir, "etc/passwd"), join(dir, "etc/passwd.hard"));
  symlinkSync("/etc/passwd", join(dir, "etc/passwd.abs"));
  symlinkSync("../nowhere/at/all", join(dir, "etc/dangling"));
  writeFileSync(join(dir, "srv/data/secret"), "s3cret\n", { mode: 0o640 });
  chownSync(join(dir, "srv/data/secret"), 1234, 5678);
  writeFileSync(join(dir, "srv/data/deep/su-like"), "#!/bin/sh\n", { mode: 0o4755 });
  chmodSync(join(dir, "srv/data/deep/su-like"), 0o4755);
  writeFileSync(join(dir, "srv/gone/inner/file"), "removed by layer 2\n");
  writeFileSync(join(dir, "srv/replace-me"), "a file, later a symlink\n");
  writeFileSync(join(dir, "opt/keep/lower"), "hidden by layer 3's opaque marker\n");
  writeFileSync(join(dir, `long/${"x".repeat(120)}/ünïcode`), "long and non-ASCII path\n");
  chmodSync(join(dir, "srv/data"), 0o750);
  chownSync(join(dir, "srv/data"), 42, 43);
  chmodSync(join(dir, "tmp"), 0o1777);
  execFileSync("chown", ["-h", "7:8", join(dir, "bin/ls")]);
}

/** changeRootfs is layer 2: deletions (whiteouts), a mode and owner change, a file replaced by a symlink, a new hardlink. */
function changeRootfs(dir: string): void {
  unlinkSync(join(dir, "etc/passwd.hard"));
  rmSync(join(dir, "srv/gone"), { recursive: true });
  chmodSync(join(dir, "etc/passwd"), 0o600);
  chownSync(join(dir, "etc/passwd"), 99, 100);
  unlinkSync(join(dir, "srv/replace-me"));
  symlinkSync("data/secret", join(dir, "srv/replace-me"));
  mkdirSync(join(dir, "srv/new"), { mode: 0o711 });
  chmodSync(join(dir, "srv/new"), 0o711);
  linkSync(join(dir, "bin/busybox"), join(dir, "srv/new/busybox.hard"));
}

describe.skipIf(missing !== undefined)("an image pushed by skopeo is pulled and unpacked like umoci unpacks it", () => {
  let reg: TestRegistry;
  let work: string;

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), "tsbuild-skopeo-"));
  }, 60_000);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("pulls with tsbuild pull and unpacks into umoci's tree", async () => {
    const layout = join(work, "layout");
    const umoci = (...args: string[]) => execFileSync("umoci", args, { stdio: "pipe" });
    umoci("init", "--layout", layout);
    umoci("new", "--image", `${layout}:img`);
    const rootfs = join(work, "rootfs");
    baseRootfs(rootfs);
    umoci("insert", "--image", `${layout}:img`, rootfs, "/");
    umoci("unpack", "--image", `${layout}:img`, join(work, "edit"));
    changeRootfs(join(work, "edit", "rootfs"));
    umoci("repack", "--image", `${layout}:img`, join(work, "edit"));
    const raw = join(work, "raw");
    mkdirSync(join(raw, "opt/keep"), { recursive: true });
    writeFileSync(join(raw, "opt/keep/.wh..wh..opq"), "");
    writeFileSync(join(raw, "opt/keep/upper"), "from layer 3\n");
    execFileSync("tar", ["--format=pax", "--numeric-owner", "-C", raw, "-cf", join(work, "layer3.tar"), "opt"]);
    umoci("raw", "add-layer", "--image", `${layout}:img`, join(work, "layer3.tar"));

    const ref = `${reg.host}/skopeo/made:v1`;
    execFileSync("skopeo", ["copy", `oci:${layout}:img`, `docker://${ref}`, "--dest-tls-verify=false"], { stdio: "pipe" });
    const storeRoot = join(work, "store");
    expect(await run(["node", "tsbuild", "--root", storeRoot, "pull", ref])).toBe(0);
    const ours = join(work, "ours");
    const layers = await unpack(ref, ours, { root: storeRoot, keepSetuid: true });
    expect(layers).toHaveLength(3);

    umoci("unpack", "--image", `${layout}:img`, join(work, "bundle"));
    const theirs = tree(join(work, "bundle", "rootfs"), true);
    expect(theirs["srv/gone"]).toBeUndefined();
    expect(theirs["opt/keep/lower"]).toBeUndefined();
    expect(theirs["srv/data/deep/su-like"]).toMatch(/^file 4755 /);
    expect(theirs["srv/replace-me"]).toBe("symlink -> data/secret 0:0");
    expect(theirs["opt/keep/upper"]).toMatch(/^file 644 0:0 /);
    expect(tree(ours, true)).toEqual(theirs);
    expect(statSync(join(ours, "srv/new/busybox.hard")).ino).toBe(statSync(join(ours, "bin/busybox")).ino);
  }, 60_000);
});
