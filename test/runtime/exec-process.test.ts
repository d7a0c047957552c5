// The process of an exec'd command: the main process's settings with -e, -u, -w and -t applied
// as docker exec applies them.
import { describe, expect, it } from "vitest";
import { execProcess, mergeEnv } from "../../src/runtime/exec-process.js";
import type { OciProcess } from "../../src/runtime/oci-types.js";

const base: OciProcess = {
  terminal: false,
  user: { uid: 0, gid: 0, additionalGids: [] },
  args: ["sleep", "60"],
  env: ["PATH=/usr/bin:/bin", "MODE=prod", "EMPTY="],
  cwd: "/srv",
  capabilities: { bounding: ["CAP_CHOWN"], effective: ["CAP_CHOWN"], permitted: ["CAP_CHOWN"], inheritable: [], ambient: [] },
  rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
  noNewPrivileges: true,
};

describe("mergeEnv", () => {
  it("replaces entries by name in place and appends new ones in order", () => {
    expect(mergeEnv(["A=1", "B=2"], ["B=3", "C=4", "A=", "D=x=y"])).toEqual(["A=", "B=3", "C=4", "D=x=y"]);
  });
});

describe("execProcess", () => {
  it("keeps the main process's environment, user, cwd, capabilities and limits without options", () => {
    const p = execProcess(base, ["ps", "-o", "pid"]);
    expect(p).toEqual({ ...base, args: ["ps", "-o", "pid"] });
  });

  it("applies -e, -u and -w", () => {
    const p = execProcess(base, ["env"], { env: ["MODE=debug", "EXTRA=1"], user: { uid: 1000, gid: 1000, additionalGids: [10, 50] }, cwd: "/tmp" });
    expect(p.env).toEqual(["PATH=/usr/bin:/bin", "MODE=debug", "EMPTY=", "EXTRA=1"]);
    expect(p.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 50] });
    expect(p.cwd).toBe("/tmp");
    expect(p.capabilities).toEqual(base.capabilities);
    expect(p.noNewPrivileges).toBe(true);
    expect(p.terminal).toBe(false);
  });

  it("gives a terminal TERM=xterm unless TERM is set", () => {
    expect(execProcess(base, ["sh"], { tty: true })).toMatchObject({ terminal: true, env: [...base.env, "TERM=xterm"] });
    expect(execProcess(base, ["sh"], { tty: true, env: ["TERM=vt100"] }).env).toEqual([...base.env, "TERM=vt100"]);
  });

  it("refuses a relative working directory, an entry without =, and an empty command", () => {
    expect(() => execProcess(base, ["pwd"], { cwd: "tmp" })).toThrow(/the working directory "tmp" is invalid: it must be an absolute path/);
    expect(() => execProcess(base, ["env"], { env: ["NOVALUE"] })).toThrow(/environment entry "NOVALUE" is not NAME=VALUE/);
    expect(() => execProcess(base, ["env"], { env: ["=x"] })).toThrow(/is not NAME=VALUE/);
    expect(() => execProcess(base, [])).toThrow(/exec needs a command/);
  });
});
