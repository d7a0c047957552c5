// --env-file in Docker's format, and its order against -e.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { containerOptions, envFileLines } from "../../src/cli/commands/container-flags.js";

const dir = mkdtempSync(join(tmpdir(), "tsbuild-envfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** file writes `text` to a new file and returns its path. */
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const flags = { env: [] as string[], envFile: [] as string[], volume: [], tmpfs: [], network: "host", runtime: "auto" };

describe("--env-file", () => {
  it("reads K=V lines verbatim, skips blanks and # comments, and a bare K takes tsbuild's value or is left out", () => {
    const p = file("a.env", "# comment\nA=1\n\n  B=two words \nC=\"quoted\"\r\nD==x\nFROM_HOST\nUNSET_HERE\n   # indented comment\n");
    process.env.FROM_HOST = "host-value";
    delete process.env.UNSET_HERE;
    expect(envFileLines(p)).toEqual(["A=1", "B=two words ", 'C="quoted"', "D==x", "FROM_HOST", "UNSET_HERE"]);
    const opts = containerOptions("busybox", [], { ...flags, envFile: [p] });
    expect(opts.env).toEqual({ A: "1", B: "two words ", C: '"quoted"', D: "=x", FROM_HOST: "host-value" });
  });

  it("applies files in order and -e flags after them", () => {
    const a = file("1.env", "X=file1\nY=file1\n");
    const b = file("2.env", "Y=file2\nZ=file2\n");
    expect(containerOptions("busybox", [], { ...flags, envFile: [a, b], env: ["Z=flag"] }).env).toEqual({ X: "file1", Y: "file2", Z: "flag" });
  });

  it("names a missing file, a directory and a bad line", () => {
    expect(() => envFileLines(join(dir, "absent.env"))).toThrow(`--env-file ${join(dir, "absent.env")}: cannot read it (no such file)`);
    expect(() => envFileLines(dir)).toThrow("it is a directory");
    expect(() => envFileLines(file("bad.env", "OK=1\nA B=2\n"))).toThrow(/bad\.env:2: invalid variable name "A B"/);
    expect(() => envFileLines(file("empty-name.env", "=v\n"))).toThrow(/empty-name\.env:1: invalid variable name ""/);
  });
});
