// The OCI launcher's mount table (launcher.ts): on a host where the cgroup2 mount must be hidden
// from the runtime, one `mount -a` of a table makes the overlay and an empty tmpfs over that
// mount. The table's fields are escaped as libmount reads them back, which a real `mount -a`
// in a private mount namespace checks here with paths holding spaces, tabs, `#` and `\`.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launcherArgv, mountTableOf, type LauncherPlan } from "../../src/runtime/drivers/launcher.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const plain: Omit<LauncherPlan, "mountTable"> = { runtime: ["crun", "run"], privateMounts: true, join: ["/sys/fs/cgroup/pids/t/x", "/sys/fs/cgroup/unified/t/x"], detach: "/sys/fs/cgroup/unified", overlay: { data: "lowerdir=/l,upperdir=/u,workdir=/w", target: "/c/merged" } };

describe("mountTableOf", () => {
  it("is the overlay, then a read-only empty tmpfs over the mount to hide", () => {
    expect(mountTableOf(plain)).toBe("overlay /c/merged overlay lowerdir=/l,upperdir=/u,workdir=/w 0 0\ntsbuild-hidden /sys/fs/cgroup/unified tmpfs ro,nosuid,nodev,noexec,mode=0555,size=4k 0 0\n");
    const { overlay: _, ...withoutOverlay } = plain;
    expect(mountTableOf(withoutOverlay)).toBe("tsbuild-hidden /sys/fs/cgroup/unified tmpfs ro,nosuid,nodev,noexec,mode=0555,size=4k 0 0\n");
  });

  it("escapes whitespace, # and backslash as octal", () => {
    const table = mountTableOf({ ...plain, overlay: { data: "lowerdir=/a b", target: "/x\ty#z\\w\nv" } });
    expect(table?.split("\n")[0]).toBe("overlay /x\\011y\\043z\\134w\\012v overlay lowerdir=/a\\040b 0 0");
  });

  it("is none without a mount to hide, or with more cgroups under it than the launcher has fds for", () => {
    const { detach: _, ...noDetach } = plain;
    expect(mountTableOf(noDetach)).toBeUndefined();
    const many = Array.from({ length: 5 }, (_, i) => `/sys/fs/cgroup/unified/t/${i}`);
    expect(mountTableOf({ ...plain, join: many })).toBeUndefined();
  });

  it("gives a launcher that mounts with mount -a and only joins beside it", () => {
    const script = launcherArgv({ ...plain, mountTable: "/c/bundle/mounts.fstab" }).join(" ");
    expect(script).toContain("mount -n -i -a -T '/c/bundle/mounts.fstab'");
    expect(script).not.toContain("umount");
    // The cgroup2 join goes through a file opened before the tmpfs hides it.
    expect(script.indexOf("exec 6> '/sys/fs/cgroup/unified/t/x/cgroup.procs'")).toBeLessThan(script.indexOf("mount -n -i -a"));
    // Without a table the launcher mounts the overlay and detaches the cgroup2 mount itself.
    expect(launcherArgv(plain).join(" ")).toContain("umount -n -i -l '/sys/fs/cgroup/unified'");
  });
});

const notRoot = process.getuid?.() === 0 ? undefined : "mounting needs root";
requirePrerequisites("the mount table tests", notRoot);

describe.skipIf(notRoot !== undefined)("a mount table read back by mount -a", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-table-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("mounts the overlay and hides the other mount at paths with awkward names", () => {
    // The overlay's own dirs go in its options (escaped as overlayfs wants, not the table's concern); the mount points are odd.
    const layers = join(dir, "layers");
    const odd = join(dir, "a b\tc#d\\e");
    for (const d of [join(layers, "lower"), join(layers, "upper"), join(layers, "work"), join(odd, "merged"), join(odd, "hidden")]) mkdirSync(d, { recursive: true });
    writeFileSync(join(layers, "lower/file"), "from the lower\n");
    writeFileSync(join(odd, "hidden/was-here"), "");
    const table = mountTableOf({ ...plain, join: [], detach: join(odd, "hidden"), overlay: { data: `lowerdir=${join(layers, "lower")},upperdir=${join(layers, "upper")},workdir=${join(layers, "work")}`, target: join(odd, "merged") } });
    const file = join(dir, "mounts.fstab");
    writeFileSync(file, table ?? "");
    // In a mount namespace of its own, as the launcher: the mounts go with it.
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", 'mount -n -i -a -T "$1" && cat "$2/merged/file" && ls -A "$2/hidden" && echo listed', "sh", file, odd], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("from the lower\nlisted\n");
  });
});
