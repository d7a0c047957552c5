// Golden tests for `tsbuild check`: each fixtures/lint/<case>/ holds a Dockerfile (and maybe a
// .dockerignore, a Dockerfile.dockerignore and an `args` file with extra CLI arguments, one per
// line). The real CLI (dist/, built by `npm run build`) runs in that directory; its stdout and
// exit status must equal check.golden. UPDATE_GOLDEN=1 rewrites the golden files.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "dist/cli/main.cjs");
const FIXTURES = join(ROOT, "fixtures/lint");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** runCheck runs `tsbuild check Dockerfile [args]` in the case directory. */
function runCheck(dir: string): string {
  const argsFile = join(dir, "args");
  const extra = existsSync(argsFile) ? readFileSync(argsFile, "utf8").split("\n").filter((l) => l !== "") : [];
  const r = spawnSync(process.execPath, [CLI, "check", "Dockerfile", ...extra], { cwd: dir, encoding: "utf8" });
  if (r.error) throw r.error;
  return `${r.stdout}[exit status ${r.status}]\n`;
}

describe("tsbuild check golden files (fixtures/lint)", () => {
  it("has a built CLI to run", () => {
    expect(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
  });

  const cases = readdirSync(FIXTURES).sort();
  it("has cases", () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  it.each(cases)("%s", (name) => {
    const dir = join(FIXTURES, name);
    const golden = join(dir, "check.golden");
    const actual = runCheck(dir);
    if (UPDATE) writeFileSync(golden, actual);
    expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
    expect(actual).toBe(readFileSync(golden, "utf8"));
  });
});
