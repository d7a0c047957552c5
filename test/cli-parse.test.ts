// `tsbuild parse` end to end through the built CLI (dist/; npm test builds it first).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it, type TestContext } from "vitest";

const cli = resolve(import.meta.dirname, "../dist/cli/main.cjs");

/** needCli skips (with the reason printed) when dist/ is not built; under CI it fails instead. */
function needCli(ctx: TestContext): void {
  if (existsSync(cli)) return;
  if (process.env["CI"] === "true") throw new Error(`${cli} missing: run npm run build first`);
  console.warn(`${cli} missing (run npm run build): skipping`);
  ctx.skip();
}

/** tsbuild runs the CLI with stdin and returns status and output. */
function tsbuild(args: string[], input = "", cwd?: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: "utf8", cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tsbuild parse", () => {
  it("prints the AST as JSON and exits 0 for a valid file", (ctx) => {
    needCli(ctx);
    const r = tsbuild(["parse", "-"], "FROM alpine AS base\nRUN <<EOF\necho hi\nEOF\n");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { ast: { instructions: { kind: string }[] }; diagnostics: unknown[] };
    expect(out.ast.instructions.map((i) => i.kind)).toEqual(["FROM", "RUN"]);
    expect(out.diagnostics).toEqual([]);
  });

  it("reads ./Dockerfile by default and exits 1 with code frames on errors", (ctx) => {
    needCli(ctx);
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-parse-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM alpine\nCOPY --bogus a b\nCMD [1]\n");
    const r = tsbuild(["parse"], "", dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Dockerfile:2:8: error: unknown flag: --bogus [UnknownFlag]");
    expect(r.stderr).toContain("3 | CMD [1]\n  |      ^");
    expect(JSON.parse(r.stdout)).toHaveProperty("ast");
  });

  it("dump: prints nothing on a syntax error; rejects unknown formats and missing files", (ctx) => {
    needCli(ctx);
    const bad = tsbuild(["parse", "--format", "dump", "-"], "FROM a\nENV X\n");
    expect([bad.status, bad.stdout]).toEqual([1, ""]);
    expect(bad.stderr).toContain("<stdin>:2:5: error: ENV must have two arguments");
    const fmt = tsbuild(["parse", "--format", "yaml", "-"], "FROM a\n");
    expect(fmt.status).toBe(1);
    expect(fmt.stderr).toContain('unknown --format "yaml"');
    const missing = tsbuild(["parse", "/nonexistent/Dockerfile"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("cannot read /nonexistent/Dockerfile");
  });
});
