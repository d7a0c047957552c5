// `tsbuild fsck` checks unpacked snapshots: a base image unpacked flattened and a build step's kept
// layer dir are recorded with the digest of their layer tar; a changed byte, a missing dir, a dir
// without a record and an unpack left by a dead process are found, removed and re-made on demand.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStore } from "../../src/api/images.js";
import { createServices } from "../../src/api/services.js";
import { hexOf, type Digest } from "../../src/core/digest.js";
import { commitLayer } from "../../src/executor/ops/layer.js";
import { baseImage } from "../../src/executor/ops/runner.js";
import { keepLayerDir } from "../../src/executor/ops/step.js";
import type { OpServices } from "../../src/executor/ops/types.js";
import { importRootfs } from "../../src/image/import.js";
import { getSnapshot, listSnapshots } from "../../src/store/snapshots.js";
import { openStore, type Store } from "../../src/store/store.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";
import { makeBusyboxRootfs } from "../helpers/rootfs.js";

const missing = existsSync("/usr/bin/getfattr") ? undefined : "getfattr is not installed (apt-get install attr)";
requirePrerequisites("snapshot fsck tests", missing);

describe.skipIf(missing !== undefined)("fsck of unpacked snapshots", () => {
  let dir: string;
  let store: Store;
  let services: OpServices;
  let image: Digest;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-snapfsck-"));
    store = openStore(join(dir, "store"));
    const fs = makeBusyboxRootfs({ busybox: false });
    execFileSync("tar", ["-C", fs.rootfs, "-cf", join(dir, "rootfs.tar"), "."]);
    fs.cleanup();
    image = (await importRootfs(store, join(dir, "rootfs.tar"), ["snap:1"], { sourceDateEpoch: 0 })).digest;
    services = await createServices(store, undefined, { runtime: "builtin", sourceDateEpoch: 1_700_000_000 });
  });

  afterAll(() => {
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("records snapshots, verifies them, and removes changed, missing and stray ones", async () => {
    const base = (await baseImage(services, image)).layers[0]?.dir as string;
    expect(base).toBe(`${services.layerRoot}/base-${hexOf(image)}`);
    const upper = join(services.workRoot, "upper-test");
    mkdirSync(join(upper, "app"), { recursive: true });
    writeFileSync(join(upper, "app/data"), "step output\n");
    const blob = await commitLayer(services, upper);
    const layer = await keepLayerDir(services, upper, blob);
    expect(getSnapshot(store.meta, hexOf(blob.diffId))).toMatchObject({ kind: "layer", digest: blob.diffId, epoch: 1_700_000_000, ready: true });

    const clean = await checkStore({ root: store.root });
    expect(clean.problems).toEqual([]);
    expect(clean.snapshotsChecked).toBe(2);

    // One flipped byte, same size and mtime: only re-hashing the content finds it.
    const passwd = join(base, "etc/passwd");
    const st = statSync(passwd);
    const bytes = readFileSync(passwd);
    bytes[0] = (bytes[0] as number) ^ 1;
    writeFileSync(passwd, bytes);
    utimesSync(passwd, st.atime, st.mtime);
    rmSync(layer, { recursive: true });
    mkdirSync(join(services.layerRoot, "f".repeat(64)));
    const dead = spawnSync("true").pid as number;
    mkdirSync(join(services.layerRoot, `tmp-base-${dead}-abcdef`));
    mkdirSync(join(services.layerRoot, `tmp-base-${process.pid}-abcdef`));

    const report = await checkStore({ root: store.root });
    const kinds = report.problems.map((p) => `${p.kind} ${p.subject.split("/").pop()}`).sort();
    expect(kinds).toEqual([`corrupt-snapshot base-${hexOf(image)}`, `missing-snapshot ${hexOf(blob.diffId)}`, `stray-snapshot ${"f".repeat(64)}`, `stray-snapshot tmp-base-${dead}-abcdef`]);
    expect(report.problems.find((p) => p.kind === "corrupt-snapshot")?.message).toMatch(/was changed: its content hashes to sha256:[0-9a-f]{64}, not sha256:/);
    expect(report.ok).toBe(true);
    expect(existsSync(base)).toBe(false);
    expect(existsSync(join(services.layerRoot, `tmp-base-${process.pid}-abcdef`))).toBe(true);
    expect(listSnapshots(store.meta)).toEqual([]);
    rmSync(join(services.layerRoot, `tmp-base-${process.pid}-abcdef`), { recursive: true });

    await baseImage(services, image);
    expect(readFileSync(passwd)).not.toEqual(bytes);
    const again = await checkStore({ root: store.root });
    expect(again.problems).toEqual([]);
    expect(again.snapshotsChecked).toBe(1);
  });
});
