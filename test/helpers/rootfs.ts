import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** BUSYBOX is the statically linked busybox from Debian's busybox-static package. */
export const BUSYBOX = "/bin/busybox";

/** TestRootfs is a throwaway rootfs directory; `dir` holds it, `rootfs` is the tree itself. */
export interface TestRootfs {
  readonly dir: string;
  readonly rootfs: string;
  cleanup(): void;
}

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
const GROUP = "root:x:0:\nwheel:x:10:app\napp:x:1000:\nstaff:x:50:app,other\nnogroup:x:65534:\n";

/** busyboxAvailable says whether BUSYBOX exists and is statically linked (usable in any rootfs). */
export function busyboxAvailable(): boolean {
  if (!existsSync(BUSYBOX)) return false;
  const out = execFileSync(BUSYBOX, ["--help"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return out.includes("BusyBox");
}

function installBusybox(rootfs: string): void {
  copyFileSync(BUSYBOX, join(rootfs, "bin/busybox"));
  chmodSync(join(rootfs, "bin/busybox"), 0o755);
  const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => /^[\w.[-]+$/.test(a));
  for (const applet of applets) {
    if (applet !== "busybox") symlinkSync("busybox", join(rootfs, "bin", applet));
  }
}

/**
 * makeBusyboxRootfs builds a minimal rootfs under a new temp dir: /bin/busybox with one symlink
 * per applet, the usual top-level directories, and /etc/passwd and /etc/group with root, app
 * (1000) and nobody; `busybox: false` leaves out the binaries (for tests that only read /etc).
 * The caller must call cleanup().
 */
export function makeBusyboxRootfs(options: { readonly busybox?: boolean } = {}): TestRootfs {
  const dir = mkdtempSync(join(tmpdir(), "tsbuild-rootfs-"));
  const rootfs = join(dir, "rootfs");
  for (const d of ["bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/app", "work", "usr/bin", "sbin"]) {
    mkdirSync(join(rootfs, d), { recursive: true });
  }
  chmodSync(join(rootfs, "tmp"), 0o1777);
  if (options.busybox !== false) installBusybox(rootfs);
  writeFileSync(join(rootfs, "etc/passwd"), PASSWD);
  writeFileSync(join(rootfs, "etc/group"), GROUP);
  writeFileSync(join(rootfs, "etc/hostname"), "rootfs\n");
  return { dir, rootfs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
