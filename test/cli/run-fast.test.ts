// The fast path of a foreground `tsbuild run` parses the shared container options itself and
// leaves everything else to the full (commander) program.
import { describe, expect, it } from "vitest";
import { parseFastRun } from "../../src/cli/run-fast.js";

const argv = (...words: string[]) => ["node", "tsbuild", ...words];

describe("parseFastRun", () => {
  it("reads options, IMAGE and the command with its own options, with commander's defaults", () => {
    const r = parseFastRun(argv("--root", "/s", "run", "--rm", "-e", "A=1", "--env=B=2", "--env-file", "/e.env", "-v", "/h:/c:ro", "--pids-limit", "64", "--read-only", "--name=x", "busybox", "ls", "-l", "--rm"));
    expect(r).toEqual({
      image: "busybox",
      command: ["ls", "-l", "--rm"],
      root: "/s",
      flags: { rm: true, env: ["A=1", "B=2"], envFile: ["/e.env"], volume: ["/h:/c:ro"], tmpfs: [], network: "host", runtime: "auto", pidsLimit: "64", readOnly: true, name: "x" },
    });
    expect(parseFastRun(argv("run", "-t", "-i", "busybox"))?.flags).toMatchObject({ tty: true, interactive: true });
    expect(parseFastRun(argv("run", "busybox"))).toEqual({ image: "busybox", command: [], flags: { env: [], envFile: [], volume: [], tmpfs: [], network: "host", runtime: "auto" } });
  });

  it("leaves other commands, -d, help, unknown or combined options, attached short values, `--` and a missing IMAGE to the full program", () => {
    for (const words of [["run", "-td", "busybox"], ["images"], ["build", "run"], ["run", "-d", "busybox"], ["run", "--help"], ["run", "--nope", "busybox"], ["run", "-it", "busybox"], ["run", "-eA=1", "busybox"], ["run", "busybox", "--", "ls"], ["run", "--rm"], ["run", "-e"], ["run", "--rm=yes", "busybox"]]) {
      expect(parseFastRun(argv(...words)), words.join(" ")).toBeUndefined();
    }
  });
});
