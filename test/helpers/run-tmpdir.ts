/**
 * Vitest global setup: the run's temporary files go under one directory (TMPDIR, which
 * os.tmpdir() and every process the tests start read), removed when the run ends, so that a test
 * that leaves its temporary directories behind leaves nothing in /tmp. It is made like /tmp
 * (sticky, writable by all) for tests that drop to other users. A mount still under it when the
 * run ends is reported and the directory kept: a recursive removal must never cross a mount.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMountinfo } from "../../src/runtime/mountinfo.js";

export default function setup(): () => void {
  const base = mkdtempSync(join(tmpdir(), "tsbuild-tests-"));
  chmodSync(base, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = base;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const mounted = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"))
      .map((m) => m.mountPoint)
      .filter((point) => point === base || point.startsWith(`${base}/`));
    if (mounted.length > 0) {
      console.warn(`leaving ${base} in place: still mounted under it: ${mounted.join(", ")}`);
      return;
    }
    rmSync(base, { recursive: true, force: true });
  };
}
