// The README's main job: scripts/demo.sh imports a busybox base, builds examples/hello and runs it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { e2eMissing } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const REPO = resolve(import.meta.dirname, "../..");
const missing = e2eMissing() ?? (existsSync(join(REPO, "dist/cli/main.cjs")) ? undefined : "dist/ is missing (run npm run build)");
requirePrerequisites("the demo", missing);

describe.skipIf(missing !== undefined)("scripts/demo.sh", () => {
  it("builds and runs the example image, and prints its output", () => {
    const root = mkdtempSync(join(tmpdir(), "tsbuild-demo-"));
    try {
      const r = spawnSync("bash", [join(REPO, "scripts/demo.sh")], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: root, CI: "true" } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Hello from tsbuild, built on ${process.arch === "x64" ? "x86_64" : process.arch}`);
      expect(r.stdout).toContain("This image was built and run without a Docker daemon.");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
