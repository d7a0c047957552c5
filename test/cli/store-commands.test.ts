import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.js";

/** tsbuild runs the CLI in-process and captures what it prints. */
const tsbuild = (...args: string[]) => runCli(args);

afterEach(() => vi.restoreAllMocks());

describe("store commands", () => {
  it("import, images, tag, inspect, rmi, fsck, df and prune work together through --root", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-cli-"));
    mkdirSync(join(dir, "r/etc"), { recursive: true });
    writeFileSync(join(dir, "r/etc/os-release"), "ID=test\n");
    execFileSync("tar", ["-C", join(dir, "r"), "-czf", join(dir, "rootfs.tgz"), "."]);
    const root = ["--root", join(dir, "store")];
    const imp = await tsbuild(...root, "import", join(dir, "rootfs.tgz"), "demo:1", "--format", "docker");
    expect(imp.code).toBe(0);
    const id = imp.out.trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect((await tsbuild(...root, "tag", "demo:1", "demo:2")).code).toBe(0);
    expect((await tsbuild(...root, "images", "-q")).out).toBe(`${id.slice(7, 19)}\n`);
    const table = (await tsbuild("images", ...root)).out.split("\n");
    expect(table[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(table.slice(1, 3).map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual([`demo 1 ${id.slice(7, 19)}`, `demo 2 ${id.slice(7, 19)}`]);
    const info = JSON.parse((await tsbuild(...root, "inspect", "demo:2")).out);
    expect(info.Id).toBe(id);
    expect(info.MediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(info.Layers[0].mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
    // save + load prints names as docker load does (no docker.io/library/ prefix).
    expect((await tsbuild(...root, "save", "demo:1", "-o", join(dir, "demo.tar"))).code).toBe(0);
    const loaded = await tsbuild("--root", join(dir, "store2"), "load", "-i", join(dir, "demo.tar"));
    expect(loaded.out).toBe("Loaded image: demo:1\n");
    const refused = await tsbuild(...root, "rmi", id.slice(7, 19));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/tagged as demo:1, demo:2.*-f/);
    expect((await tsbuild(...root, "rmi", "-f", id)).out).toBe(`Untagged: demo:1\nUntagged: demo:2\nDeleted: ${info.Digest}\n`);
    expect((await tsbuild(...root, "fsck")).out).toMatch(/checked 0 blobs, 0 refs and 0 unpacked snapshots: ok/);
    expect((await tsbuild(...root, "df")).out).toMatch(/Total\s+0B/);
    expect((await tsbuild(...root, "prune", "-a", "--filter", "until=24h", "--keep-storage", "1GB")).code).toBe(0);
  });

  it("reports bad input with a clear message and exit code 1", async () => {
    const root = ["--root", mkdtempSync(join(tmpdir(), "tsbuild-cli-"))];
    const missing = await tsbuild(...root, "inspect", "nope:1");
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.err).toMatch(/no such image: nope:1/);
    const notTar = join(root[1] as string, "x.tar");
    writeFileSync(notTar, "this is not a tar archive, not at all, no....".repeat(20));
    expect((await tsbuild(...root, "import", notTar, "x:1")).err).toMatch(/x\.tar is not a usable tar archive: .*checksum/);
    expect((await tsbuild(...root, "save", "x", "-o", "f", "--format", "zip")).err).toMatch(/unknown --format "zip"/);
    expect((await tsbuild(...root, "tag", "x", "Bad Name")).code).toBe(1);
    expect((await tsbuild(...root, "prune", "--filter", "label=x")).err).toMatch(/unsupported --filter/);
  });
});
