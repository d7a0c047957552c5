// `tsbuild check --format json` output, validated with a zod schema against the built CLI.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const ROOT = resolve(import.meta.dirname, "..");
const CLI = join(ROOT, "dist/cli/main.cjs");

const position = z.object({ line: z.number().int().min(1), column: z.number().int().min(1), offset: z.number().int().min(0) }).strict();
const range = z.object({ start: position, end: position }).strict();
const diagnostic = z
  .object({
    code: z.string().regex(/^[A-Za-z]+$/),
    severity: z.enum(["error", "warning", "info"]),
    message: z.string().min(1),
    file: z.string().min(1),
    range,
    notes: z.array(z.object({ message: z.string(), range: range.optional() }).strict()),
  })
  .strict();
const output = z.object({ file: z.string(), diagnostics: z.array(diagnostic) }).strict();

function checkJson(fixture: string): { status: number | null; out: z.infer<typeof output> } {
  const r = spawnSync(process.execPath, [CLI, "check", "--format", "json", "Dockerfile"], { cwd: join(ROOT, "fixtures/lint", fixture), encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: output.parse(JSON.parse(r.stdout)) };
}

describe("tsbuild check --format json", () => {
  it("reports warnings with exit status 0", () => {
    const { status, out } = checkJson("warnings");
    expect(status).toBe(0);
    expect(out.file).toBe("Dockerfile");
    expect(out.diagnostics.length).toBe(9);
    expect(out.diagnostics.every((d) => d.severity === "warning")).toBe(true);
    expect(out.diagnostics[0]).toMatchObject({ code: "StageNameCasing", range: { start: { line: 1, column: 16, offset: 15 } } });
  });

  it("reports errors, including the ignore file's, with exit status 1", () => {
    const { status, out } = checkJson("dockerignore-bad-pattern");
    expect(status).toBe(1);
    expect(out.diagnostics.map((d) => [d.file, d.code, d.range.start.line])).toEqual([
      [".dockerignore", "DockerignoreSyntax", 2],
      [".dockerignore", "DockerignoreSyntax", 3],
    ]);
  });

  it("prints an empty list for a clean file", () => {
    const { status, out } = checkJson("clean");
    expect(status).toBe(0);
    expect(out.diagnostics).toEqual([]);
  });

  it("--list-rules prints the whole catalog", () => {
    const r = spawnSync(process.execPath, [CLI, "check", "--list-rules"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(0);
    const names = [...r.stdout.matchAll(/^([A-Za-z]+) \(/gm)].map((m) => m[1]);
    expect(names).toHaveLength(21);
    expect(r.stdout).toContain("InvalidDefinitionDescription (warning, experimental: off unless enabled)");
  });

  it("reads standard input for -", () => {
    const r = spawnSync(process.execPath, [CLI, "check", "--format", "json", "-"], { cwd: ROOT, encoding: "utf8", input: "FROM alpine\nMAINTAINER me\n" });
    expect(r.status).toBe(0);
    const out = output.parse(JSON.parse(r.stdout));
    expect(out.file).toBe("<stdin>");
    expect(out.diagnostics.map((d) => d.code)).toEqual(["MaintainerDeprecated"]);
  });

  it("picks <FILE>.dockerignore next to a Dockerfile in another directory, else that directory's .dockerignore", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsbuild-check-"));
    try {
      mkdirSync(join(dir, "svc"));
      writeFileSync(join(dir, "svc/app.Dockerfile"), "FROM alpine\nCOPY a /a\nCOPY b /b\n");
      writeFileSync(join(dir, "svc/.dockerignore"), "a\n");
      const run = (): string[] => {
        const r = spawnSync(process.execPath, [CLI, "check", "--format", "json", "svc/app.Dockerfile"], { cwd: dir, encoding: "utf8" });
        return output.parse(JSON.parse(r.stdout)).diagnostics.map((d) => d.message);
      };
      expect(run()).toEqual(['Attempting to Copy file "a" that is excluded by .dockerignore']);
      writeFileSync(join(dir, "svc/app.Dockerfile.dockerignore"), "b\n");
      expect(run()).toEqual(['Attempting to Copy file "b" that is excluded by .dockerignore']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown format", () => {
    const r = spawnSync(process.execPath, [CLI, "check", "--format", "xml"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown --format");
  });
});
