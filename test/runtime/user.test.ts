import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/core/index.js";
import { resolveInRoot } from "../../src/runtime/confined.js";
import { MAX_DB_BYTES, resolveUser } from "../../src/runtime/user.js";
import { makeBusyboxRootfs, type TestRootfs } from "../helpers/rootfs.js";

let fs: TestRootfs;
let hostDir: string;

beforeAll(() => {
  hostDir = mkdtempSync(join(tmpdir(), "tsbuild-host-"));
  writeFileSync(join(hostDir, "passwd"), "hostonly:x:4242:4242::/host:/bin/sh\n");
});
afterAll(() => rmSync(hostDir, { recursive: true, force: true }));
beforeEach(() => {
  fs = makeBusyboxRootfs({ busybox: false });
});
afterEach(() => fs.cleanup());

describe("resolveUser", () => {
  it.each([
    ["", { uid: 0, gid: 0, additionalGids: [] }],
    ["root", { uid: 0, gid: 0, additionalGids: [] }],
    ["app", { uid: 1000, gid: 1000, additionalGids: [10, 50] }],
    ["app:staff", { uid: 1000, gid: 50, additionalGids: [] }],
    ["app:7", { uid: 1000, gid: 7, additionalGids: [] }],
    ["1000", { uid: 1000, gid: 1000, additionalGids: [10, 50] }],
    ["1", { uid: 1, gid: 0, additionalGids: [] }],
    ["4321:99", { uid: 4321, gid: 99, additionalGids: [] }],
    ["2147483647", { uid: 2147483647, gid: 0, additionalGids: [] }],
    ["nobody", { uid: 65534, gid: 65534, additionalGids: [] }],
  ])("maps USER %j", async (spec, expected) => {
    expect(await resolveUser(fs.rootfs, spec)).toMatchObject(expected);
  });

  it.each([
    ["ghost", /no user "ghost"/],
    ["app:ghosts", /no group "ghosts"/],
    ["2147483648", /out of range/],
    ["4294967296", /out of range/],
    ["1:4294967296", /out of range/],
    ["-1", /no user "-1"/],
    ["0x10", /no user "0x10"/],
    [":50", /names no user/],
    ["a:b:c", /more than one/],
  ])("rejects USER %j instead of guessing", async (spec, message) => {
    await expect(resolveUser(fs.rootfs, spec)).rejects.toThrow(message);
  });

  it("returns the home directory from /etc/passwd", async () => {
    expect((await resolveUser(fs.rootfs, "app")).home).toBe("/home/app");
  });
});

describe("resolveUser with a hostile rootfs", () => {
  const passwd = () => join(fs.rootfs, "etc/passwd");

  it("never follows an absolute /etc/passwd symlink to the host", async () => {
    unlinkSync(passwd());
    symlinkSync(join(hostDir, "passwd"), passwd());
    await expect(resolveUser(fs.rootfs, "hostonly")).rejects.toThrow(/no user "hostonly"/);
  });

  it("clamps relative ../ symlinks at the rootfs", async () => {
    unlinkSync(passwd());
    symlinkSync(`../../../../../../..${hostDir}/passwd`, passwd());
    await expect(resolveUser(fs.rootfs, "hostonly")).rejects.toThrow(/no user "hostonly"/);
  });

  it("confines a symlinked /etc directory", async () => {
    rmSync(join(fs.rootfs, "etc"), { recursive: true });
    symlinkSync(hostDir, join(fs.rootfs, "etc"));
    await expect(resolveUser(fs.rootfs, "hostonly")).rejects.toThrow(/no user "hostonly"/);
  });

  it("follows symlinks that stay inside the rootfs", async () => {
    mkdirSync(join(fs.rootfs, "usr/lib"), { recursive: true });
    writeFileSync(join(fs.rootfs, "usr/lib/passwd"), "inside:x:77:78::/in:/bin/sh\n");
    unlinkSync(passwd());
    symlinkSync("../usr/lib/passwd", passwd());
    expect(await resolveUser(fs.rootfs, "inside")).toMatchObject({ uid: 77, gid: 78 });
  });

  it("refuses a file larger than the cap without reading it all", async () => {
    writeFileSync(passwd(), "");
    truncateSync(passwd(), 200 * 1024 * 1024);
    await expect(resolveUser(fs.rootfs, "app")).rejects.toThrow(new RegExp(`more than the limit of ${MAX_DB_BYTES}`));
  });

  it("refuses device nodes and FIFOs without blocking", async () => {
    unlinkSync(passwd());
    execFileSync("mknod", [passwd(), "c", "1", "5"]);
    await expect(resolveUser(fs.rootfs, "app")).rejects.toThrow(/not a regular file/);
    unlinkSync(passwd());
    execFileSync("mkfifo", [passwd()]);
    await expect(resolveUser(fs.rootfs, "app")).rejects.toThrow(/not a regular file/);
  });

  it("reports a symlink loop", async () => {
    unlinkSync(passwd());
    symlinkSync("/etc/passwd", passwd());
    await expect(resolveUser(fs.rootfs, "app")).rejects.toThrow(InputError);
    await expect(resolveUser(fs.rootfs, "app")).rejects.toThrow(/too many symlinks/);
  });

  it("resolveInRoot keeps every result under the root", async () => {
    symlinkSync("/", join(fs.rootfs, "up"));
    symlinkSync("../etc/passwd", join(fs.rootfs, "bin/pw"));
    expect(await resolveInRoot(fs.rootfs, "/up/../../bin/pw")).toBe(join(fs.rootfs, "etc/passwd"));
    expect(await resolveInRoot(fs.rootfs, "/no/such")).toBeUndefined();
  });
});
