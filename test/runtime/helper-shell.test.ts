// runHelper: programs started through the long-lived helper shell give what runCapture gives
// (exact stdout, exit code, stderr), arguments reach them verbatim, calls run one at a time, a
// timeout kills the call and the next one gets a fresh shell, and an idle shell never keeps the
// process alive.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCapture } from "../../src/runtime/exec-capture.js";
import { runHelper } from "../../src/runtime/helper-shell.js";

describe("runHelper", () => {
  it("passes arguments verbatim and returns exact stdout, exit code and stderr", async () => {
    const args = ["a b", "it's", "$(touch /nonexistent)", "`x`", "\\n", "*", "é", "", "--"];
    const r = await runHelper(["printf", "%s|", ...args]);
    expect(r).toEqual({ code: 0, stdout: Buffer.from(`${args.join("|")}|`), stderr: "" });
    const bin = await runHelper(["printf", "\\000\\377\\n"]);
    expect([...bin.stdout]).toEqual([0, 255, 10]);
    const bad = await runHelper(["sh", "-c", "echo oops >&2; exit 3"]);
    expect([bad.code, bad.stderr.trim()]).toEqual([3, "oops"]);
    expect((await runHelper(["sh", "-c", "cat"])).stdout.length).toBe(0);
    const missing = await runHelper(["/nonexistent/tool"]);
    expect(missing.code).toBe(127);
  });

  it("gives the same answers as runCapture, also for many calls at once", async () => {
    const calls = Array.from({ length: 20 }, (_, i) => ["sh", "-c", `printf ${i}; exit $((${i} % 3))`]);
    const got = await Promise.all(calls.map((c) => runHelper(c)));
    const want = await Promise.all(calls.map((c) => runCapture(c)));
    expect(got).toEqual(want);
  });

  it("refuses output over maxStdout and kills a call that times out; the next call works", async () => {
    await expect(runHelper(["head", "-c", "5000", "/dev/zero"], { maxStdout: 100 })).rejects.toThrow(/more than 100 bytes/);
    const slow = await runHelper(["sleep", "30"], { timeoutMs: 200 });
    expect(slow.code).toBe(-1);
    expect((await runHelper(["echo", "again"])).stdout.toString()).toBe("again\n");
  });

  it("does not keep an otherwise finished process alive", () => {
    const script = `import { runHelper } from ${JSON.stringify(join(import.meta.dirname, "../../src/runtime/helper-shell.ts"))};
      const r = await runHelper(["echo", "hi"]); process.stdout.write(r.stdout);`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(out).toBe("hi\n");
  });
});
