// The native launcher (native/launcher.c, run by the OCI drivers when built): it mounts the
// overlay in a mount namespace of its own, hides a mount under an empty tmpfs, joins cgroups,
// says `m` on fd 3, waits for `go`, says `x` and execs the runtime with fds 0-2 only; it starts
// nothing on end of file, and reports a failed mount or a bad option on fd 3 before `m`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Duplex } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nativeLauncher, nativeLauncherArgv, type LauncherPlan } from "../../src/runtime/drivers/launcher.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const repo = resolve(import.meta.dirname, "../..");
const binary = nativeLauncher(join(repo, "src/runtime/drivers"));
const PIDS = "/sys/fs/cgroup/pids";
const missing = process.getuid?.() !== 0 ? "mounting needs root" : binary === undefined ? "native/build/tsbuild-launcher is not built (npm run build:native)" : !existsSync(`${PIDS}/cgroup.procs`) ? `no cgroup v1 pids hierarchy at ${PIDS}` : undefined;
requirePrerequisites("the native launcher tests", missing);

interface Launch {
  readonly code: number | null;
  readonly control: string;
  readonly stdout: string;
}

/** launch runs the launcher with `args`, answers its `m` with `answer` (null: end of file), and collects fd 3 and stdout. */
function launch(args: string[], answer: string | null = "go\n"): Promise<Launch> {
  return new Promise((done) => {
    const child = spawn(binary!, args, { stdio: ["ignore", "pipe", "inherit", "pipe"] });
    const control = child.stdio[3] as Duplex;
    let said = "";
    let stdout = "";
    control.on("error", () => undefined);
    control.on("data", (d: Buffer) => {
      said += d.toString();
      if (said.includes("m\n") && control.writable) {
        if (answer === null) control.end();
        else control.end(answer);
      }
    });
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("close", (code) => done({ code, control: said, stdout }));
  });
}

describe("nativeLauncherArgv", () => {
  it("passes the plan as options, the runtime after --", () => {
    const plan: LauncherPlan = { runtime: ["crun", "run", "-b", "/b", "x"], privateMounts: true, join: ["/sys/fs/cgroup/pids/t", "/sys/fs/cgroup/unified/t"], detach: "/sys/fs/cgroup/unified", overlay: { cwd: "/links", data: "lowerdir=l0,upperdir=/u,workdir=/w", target: "/c/merged" } };
    expect(nativeLauncherArgv(plan, "/n/tsbuild-launcher")).toEqual(["/n/tsbuild-launcher", "-p", "-C", "/links", "-o", "lowerdir=l0,upperdir=/u,workdir=/w", "-t", "/c/merged", "-j", "/sys/fs/cgroup/pids/t", "-j", "/sys/fs/cgroup/unified/t", "-d", "/sys/fs/cgroup/unified", "--", "crun", "run", "-b", "/b", "x"]);
    expect(nativeLauncherArgv({ runtime: ["runc", "run"], privateMounts: false, join: [] }, "/n/l")).toEqual(["/n/l", "--", "runc", "run"]);
  });
});

describe.skipIf(missing !== undefined)("the native launcher", () => {
  let dir: string;
  let cgroup: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-native-launcher-"));
    for (const d of ["lower/etc", "upper", "work", "merged", "hidden", "links"]) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, "lower/etc/file"), "from the lower\n");
    writeFileSync(join(dir, "hidden/was-here"), "");
    cgroup = join(PIDS, `tsbuild-native-launcher-test-${process.pid}`);
    mkdirSync(cgroup);
  });
  afterAll(() => {
    rmdirSync(cgroup);
    rmSync(dir, { recursive: true, force: true });
  });

  const overlay = () => ["-p", "-C", dir, "-o", "lowerdir=lower,upperdir=upper,workdir=work", "-t", join(dir, "merged")];

  it("mounts, hides, joins, then runs the runtime with fds 0-2 after go; the mounts stay in its namespace", async () => {
    const listFds = "ls /proc/self/fd | tr '\\n' ' '";
    const script = `cat ${dir}/merged/etc/file; ls -A ${dir}/hidden | wc -l; grep -c ':pids:/tsbuild-native-launcher-test-' /proc/self/cgroup; ${listFds}`;
    const r = await launch([...overlay(), "-j", cgroup, "-d", join(dir, "hidden"), "--", "sh", "-c", script]);
    expect(r.control).toBe("m\nx\n");
    expect(r.code).toBe(0);
    // The fds of a shell started here with stdin, stdout and stderr alone (ls's own dir fd, and
    // whatever this test process leaves inheritable): the launcher adds none, fd 3 included.
    const plain = spawnSync("sh", ["-c", listFds], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" }).stdout;
    expect(plain.split(" ")).toEqual(expect.arrayContaining(["0", "1", "2", "3"]));
    expect(r.stdout).toBe(`from the lower\n0\n1\n${plain}`);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(join(dir, "merged"));
    expect(readFileSync(join(cgroup, "cgroup.procs"), "utf8")).toBe("");
  });

  it("starts nothing when fd 3 ends without go, or says something else", async () => {
    for (const answer of [null, "stop\n", "gone\n"]) {
      const r = await launch([...overlay(), "--", "sh", "-c", `echo ran > ${dir}/ran`], answer);
      expect(r.control).toBe("m\n");
      expect(r.code).toBe(1);
      expect(existsSync(join(dir, "ran"))).toBe(false);
    }
  });

  it("reports a failed mount or join, and bad options, on fd 3 and exits before m", async () => {
    const bad = await launch(["-p", "-o", "lowerdir=/nonexistent-lower,upperdir=/u,workdir=/w", "-t", join(dir, "merged"), "--", "true"]);
    expect(bad.code).toBe(1);
    expect(bad.control).toMatch(/^tsbuild-launcher: mount of the overlay at .*merged failed: No such file or directory\n$/);
    const join_ = await launch(["-p", "-j", "/nonexistent-cgroup", "--", "true"]);
    expect(join_.control).toBe("tsbuild-launcher: cannot open /nonexistent-cgroup/cgroup.procs: No such file or directory\n");
    expect(join_.code).toBe(1);
    for (const [args, message] of [
      [["-x", "1", "--", "true"], "unknown option -x"],
      [["-p", "-o"], "option -o needs a value"],
      [["-p"], "no runtime to run after --"],
      [["-o", "lowerdir=/l", "-t", "/t", "--", "true"], "mounts need -p"],
    ] as const) {
      const r = await launch([...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.control).toContain(`tsbuild-launcher: ${message}`);
    }
  });

  it("reports a runtime it cannot run on stderr, with status 127", () => {
    const r = spawnSync("sh", ["-c", `exec 3<>/dev/null; printf 'go\\n' > ${dir}/go; "${binary}" -- /nonexistent-runtime 3<${dir}/go`], { encoding: "utf8" });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain("tsbuild-launcher: cannot run /nonexistent-runtime: No such file or directory");
  });
});
