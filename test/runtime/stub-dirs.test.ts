// Directories copied up only because a mount point was created in them leave the layer; changed ones stay.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pruneStubParents } from "../../src/runtime/stub-dirs.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const missing = process.getuid?.() === 0 ? undefined : "trusted.* attributes need root";
requirePrerequisites("stub directory pruning", missing);

describe.skipIf(missing !== undefined)("pruneStubParents", () => {
  let upper: string;
  beforeEach(() => {
    upper = mkdtempSync(join(tmpdir(), "tsbuild-stubs-"));
  });
  afterEach(() => rmSync(upper, { recursive: true, force: true }));
  const dir = (rel: string, mode = 0o755): string => {
    const p = join(upper, rel);
    mkdirSync(p, { recursive: true });
    chmodSync(p, mode);
    return p;
  };
  const same = (rel: string, mode = 0o755) => ({ rel, mode, uid: 0, gid: 0 });

  it("removes empty unchanged directories, deepest first, and keeps everything else", async () => {
    dir("etc");
    dir("run/secrets");
    dir("var/lib");
    writeFileSync(join(upper, "var/lib/kept"), "x");
    dir("opt", 0o700);
    dir("srv");
    execFileSync("setfattr", ["-n", "trusted.overlay.opaque", "-v", "y", join(upper, "srv")]);
    dir("real");
    symlinkSync("real", join(upper, "link"));
    const removed = await pruneStubParents(upper, [same("etc"), same("run"), same("run/secrets"), same("var/lib"), same("var"), same("opt"), same("srv"), same("link")]);
    expect(removed).toBe(3);
    expect(existsSync(join(upper, "etc"))).toBe(false);
    expect(existsSync(join(upper, "run"))).toBe(false);
    expect(existsSync(join(upper, "var/lib/kept"))).toBe(true);
    expect(existsSync(join(upper, "opt")), "mode changed by the step").toBe(true);
    expect(existsSync(join(upper, "srv")), "opaque: the step replaced the directory").toBe(true);
    expect(existsSync(join(upper, "real"))).toBe(true);
  });
});
