// Independent validators agree with tsbuild: skopeo and umoci (Debian packages) read the OCI layout
// tsbuild writes, umoci's unpack gives the same tree as tsbuild's unpacker, and an image umoci
// writes is loaded and unpacked by tsbuild into the tree umoci gives.
import { execFileSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { load, save, unpack } from "../../src/api/index.js";
import { run } from "../../src/cli/program.js";
import { tree } from "../helpers/tree.js";

const TOOLS = ["/bin/busybox", "/usr/bin/skopeo", "/usr/bin/umoci"];
const missing = TOOLS.filter((t) => !existsSync(t));
if (missing.length > 0 && process.env.CI) throw new Error(`validator tests need ${missing.join(", ")} (apt-get install busybox-static skopeo umoci)`);
if (missing.length > 0) console.warn(`skipping validator tests: ${missing.join(", ")} not installed (apt-get install busybox-static skopeo umoci)`);

let work: string;
let rootfs: string;

function makeRootfs(): void {
  rootfs = join(work, "rootfs");
  for (const d of ["bin", "etc", "tmp", "root", `deep/${"n".repeat(110)}`]) mkdirSync(join(rootfs, d), { recursive: true });
  execFileSync("cp", ["/bin/busybox", join(rootfs, "bin/busybox")]);
  for (const applet of execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox")) {
    symlinkSync("busybox", join(rootfs, "bin", applet));
  }
  writeFileSync(join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(rootfs, "etc/shadow"), "root:*:1::::::\n", { mode: 0o600 });
  linkSync(join(rootfs, "etc/passwd"), join(rootfs, "etc/passwd-hardlink"));
  writeFileSync(join(rootfs, `deep/${"n".repeat(110)}/ünïcode-file`), "long and non-ASCII name\n");
  execFileSync("chmod", ["1777", join(rootfs, "tmp")]);
  execFileSync("chmod", ["0700", join(rootfs, "root")]);
  execFileSync("chown", ["-h", "1000:1000", join(rootfs, "root"), join(rootfs, "bin/sh")]);
}

describe.skipIf(missing.length > 0)("skopeo and umoci accept tsbuild's images", () => {
  let storeRoot: string;
  let layout: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "tsbuild-validate-"));
    storeRoot = join(work, "store");
    layout = join(work, "layout");
    makeRootfs();
    const tarFile = join(work, "rootfs.tar");
    execFileSync("tar", ["--format=pax", "-C", rootfs, "-cf", tarFile, "."]);
    expect(await run(["node", "tsbuild", "--root", storeRoot, "import", tarFile, "busybox:base"])).toBe(0);
    expect(await run(["node", "tsbuild", "--root", storeRoot, "save", "busybox:base", "-o", layout, "--format", "oci-dir"])).toBe(0);
  });

  it("skopeo inspect accepts the OCI layout and reports our digest and layer", () => {
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    const out = JSON.parse(execFileSync("skopeo", ["inspect", `oci:${layout}:base`], { encoding: "utf8" }));
    expect(out.Digest).toBe(index.manifests[0].digest);
    expect(out.Os).toBe("linux");
    expect(out.Layers).toHaveLength(1);
    const copy = join(work, "copied");
    execFileSync("skopeo", ["copy", `oci:${layout}:base`, `oci:${copy}:copied`], { stdio: "pipe" });
    expect(existsSync(join(copy, "index.json"))).toBe(true);
  });

  it("umoci unpack (--rootless, and as root with owners) gives the same tree as tsbuild's unpacker", async () => {
    execFileSync("umoci", ["unpack", "--rootless", "--image", `${layout}:base`, join(work, "bundle")], { stdio: "pipe" });
    const ours = join(work, "ours");
    await unpack("busybox:base", ours, { root: storeRoot });
    const theirs = tree(join(work, "bundle", "rootfs"), false);
    expect(Object.keys(theirs).length).toBeGreaterThan(250);
    expect(tree(ours, false)).toEqual(theirs);
    expect(tree(ours, true)).toEqual(tree(rootfs, true));
    if (process.getuid?.() !== 0) return console.warn("not root: umoci's owner-preserving unpack is not compared");
    execFileSync("umoci", ["unpack", "--image", `${layout}:base`, join(work, "bundle-root")], { stdio: "pipe" });
    expect(tree(ours, true)).toEqual(tree(join(work, "bundle-root", "rootfs"), true));
  });

  it("tsbuild loads and unpacks an image umoci wrote into the tree umoci unpacks", async () => {
    const ulayout = join(work, "umoci-layout");
    execFileSync("umoci", ["init", "--layout", ulayout]);
    execFileSync("umoci", ["new", "--image", `${ulayout}:base`]);
    execFileSync("umoci", ["insert", "--image", `${ulayout}:base`, rootfs, "/"], { stdio: "pipe" });
    const tarFile = join(work, "umoci-layout.tar");
    execFileSync("tar", ["-C", ulayout, "-cf", tarFile, "."]);
    const loaded = await load(tarFile, { root: storeRoot });
    expect(loaded.images).toHaveLength(1);
    const ours = join(work, "ours-from-umoci");
    await unpack(loaded.images[0]?.digest as string, ours, { root: storeRoot });
    execFileSync("umoci", ["unpack", "--rootless", "--image", `${ulayout}:base`, join(work, "bundle2")], { stdio: "pipe" });
    expect(tree(ours, false)).toEqual(tree(join(work, "bundle2", "rootfs"), false));
  });

  it("writes a docker-load tar that skopeo reads as a docker-archive", async () => {
    const file = join(work, "docker.tar");
    await save(["busybox:base"], file, "docker", { root: storeRoot });
    const out = JSON.parse(execFileSync("skopeo", ["inspect", `docker-archive:${file}:busybox:base`], { encoding: "utf8" }));
    expect(out.Layers).toHaveLength(1);
    expect(out.Os).toBe("linux");
  });
});
