// A real RUN step: busybox sh under runc on an overlay snapshot, then the layer diff.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOciDriver } from "../../src/runtime/drivers/oci.js";
import { createSnapshotter } from "../../src/runtime/snapshotter.js";
import { buildSpec } from "../../src/runtime/spec.js";
import { busyboxAvailable, makeBusyboxRootfs, type TestRootfs } from "../helpers/rootfs.js";
import { mountsUnder, normalizeDiff, shouldSkip } from "../helpers/snapshot.js";

/** runcMissing names what the test lacks besides root; under CI=true nothing may be missing, so it is not asked. */
function runcMissing(): string | undefined {
  try {
    execFileSync("runc", ["--version"], { stdio: "ignore" });
  } catch {
    // Not installed (or not runnable): that is the answer.
    return "runc is not installed (apt-get install runc)";
  }
  return busyboxAvailable() ? undefined : "busybox-static is not installed (apt-get install busybox-static)";
}

function skipLocally(): boolean {
  if (shouldSkip("the runc snapshot test")) return true;
  const missing = process.env.CI === "true" ? undefined : runcMissing();
  if (missing) console.warn(`skipping the runc snapshot test: ${missing}`);
  return missing !== undefined;
}

describe.skipIf(skipLocally())("RUN under runc on an overlay snapshot", () => {
  let tmp = "";
  let rootfs: TestRootfs | undefined;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "tsbuild-snap-oci-"));
    rootfs = makeBusyboxRootfs();
    writeFileSync(join(rootfs.rootfs, "etc/old"), "old\n");
    mkdirSync(join(rootfs.rootfs, "d"));
    writeFileSync(join(rootfs.rootfs, "d/y"), "y\n");
  });
  afterAll(() => {
    const left = mountsUnder(tmp);
    rootfs?.cleanup();
    rmSync(tmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });

  it.each(["overlay", "copy"] as const)("creates, deletes and replaces a directory: the diff has exactly those entries (%s)", async (mode) => {
    const driver = await createOciDriver({ runtime: "runc", stateRoot: join(tmp, "state"), cgroupParent: "tsbuild-test-snapshot" });
    const snapshotter = createSnapshotter(join(tmp, "mounts"), mode);
    const dirs = await snapshotter.prepare();
    const snap = await snapshotter.mount({ lowers: [rootfs?.rootfs as string], upper: dirs.upper, work: dirs.work, target: dirs.target });
    const stderr = new PassThrough();
    let errText = "";
    stderr.on("data", (d: Buffer) => (errText += d.toString()));
    try {
      const spec = buildSpec({
        rootfs: dirs.target,
        argv: ["sh", "-c", "echo hi > /new; rm /etc/old; rm -rf /d; mkdir /d; touch /d/x"],
        env: ["PATH=/bin"],
        cwd: "/",
        user: { uid: 0, gid: 0, additionalGids: [] },
        hostname: "step",
        mounts: [],
        network: "none",
        limits: {},
        tty: false,
        readonlyRootfs: false,
      });
      const bundle = join(tmp, `bundle-${mode}`);
      mkdirSync(bundle, { recursive: true });
      const result = await driver.run(spec, { dir: bundle, id: `snap-${dirs.id}` }, { stdout: new PassThrough(), stderr });
      expect(result.exitCode, errText).toBe(0);
    } finally {
      await snap.release();
    }
    const entries = (await normalizeDiff(await snapshotter.diff(dirs.upper))).map((e) => {
      const { path, kind, content } = e as { path: string; kind: string; content?: string };
      return content === undefined ? `${kind} ${path}` : `${kind} ${path} ${JSON.stringify(content)}`;
    });
    expect(entries).toEqual(["dir d", 'file d/x ""', "whiteout d/y", "dir etc", "whiteout etc/old", 'file new "hi\\n"']);
    await snapshotter.remove(dirs);
    expect(await snapshotter.cleanup()).toEqual({ unmounted: [], removed: [] });
  });
});
