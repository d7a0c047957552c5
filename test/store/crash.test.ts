// Crash safety: a writer killed with SIGKILL mid-blob leaves only a temp file, which fsck reports
// and removes; nothing appears under a digest, and a retried write succeeds.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { fsck } from "../../src/store/fsck.js";
import { openStore } from "../../src/store/store.js";

const SRC = resolve(import.meta.dirname, "../../src");

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for the writer to start");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("store crash safety", () => {
  it("survives SIGKILL during a blob write", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-crash-"));
    const root = join(dir, "store");
    const script = join(dir, "writer.mts");
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(join(SRC, "store/store.ts"))};
const store = openStore(${JSON.stringify(root)});
async function* slow() { for (;;) { yield Buffer.alloc(64 * 1024, 1); await new Promise((r) => setTimeout(r, 5)); } }
await store.blobs.write(slow());
`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: resolve(SRC, ".."), stdio: "ignore" });
    const tmp = join(root, "tmp");
    await waitFor(() => existsSync(tmp) && readdirSync(tmp).length > 0, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const store = openStore(root);
    expect(await store.blobs.list()).toEqual([]);
    const report = await fsck(store);
    expect(report.ok).toBe(true);
    expect(report.problems.map((p) => p.kind)).toEqual(["stray-temp"]);
    expect(readdirSync(tmp)).toEqual([]);
    const retried = await store.blobs.write(Buffer.alloc(1024, 1));
    expect(await store.blobs.list()).toEqual([retried.digest]);
    store.close();
  });

  it("lets several processes import into one store at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-concurrent-"));
    const root = join(dir, "store");
    const rootfs = join(dir, "rootfs.tar");
    const { execFileSync } = await import("node:child_process");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "r/etc"), { recursive: true });
    writeFileSync(join(dir, "r/etc/hostname"), "x\n");
    execFileSync("tar", ["-C", join(dir, "r"), "-cf", rootfs, "."]);
    const script = join(dir, "importer.mts");
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(join(SRC, "store/store.ts"))};
import { importRootfs } from ${JSON.stringify(join(SRC, "image/import.ts"))};
const store = openStore(${JSON.stringify(root)});
await importRootfs(store, ${JSON.stringify(rootfs)}, ["app:" + process.argv[2]], { sourceDateEpoch: 0 });
store.close();
`,
    );
    const codes = await Promise.all(
      ["a", "b", "c"].map(
        (tag) =>
          new Promise<number | null>((res) => {
            const child = spawn(process.execPath, ["--import", "tsx", script, tag], { cwd: resolve(SRC, ".."), stdio: "inherit" });
            child.once("exit", res);
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0]);
    const store = openStore(root);
    expect(store.meta.listImages()).toHaveLength(1);
    expect(store.meta.listRefs().map((r) => r.name)).toEqual(["docker.io/library/app:a", "docker.io/library/app:b", "docker.io/library/app:c"]);
    expect((await fsck(store)).ok).toBe(true);
    store.close();
  });
});
