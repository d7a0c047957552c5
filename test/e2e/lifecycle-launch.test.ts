// The container launcher (runc and crun): the rootfs overlay is mounted in the runtime's own mount
// namespace, so it never shows in tsbuild's and is gone when the runtime exits; only fds 0-2 reach
// the container; a failure before the runtime starts leaves no cgroup, mount or container behind;
// a kept container's writable layer holds its changes but no /etc stubs.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { makeBusyboxRootfs } from "../helpers/rootfs.js";
import { background, cgroupsNamed, CLI, cliEnv, describeLifecycle, liveWithArg, mountsUnder, parentOf, tsbuild, until } from "./lifecycle-helpers.js";

describeLifecycle("container launcher", (env) => {
  it("a foreground run makes tsbuild's stdout only when the container writes to it; a reader that stops early breaks the container's pipe, and the run ends and cleans up as usual", () => {
    // Node makes process.stdout on first use; over a file it loads its sync write stream then.
    const hook = join(env.dir, "module-list.cjs");
    writeFileSync(hook, `process.on("exit", () => require("fs").writeSync(2, "\\nLOADED " + JSON.stringify(process.moduleLoadList) + "\\n"));\n`);
    const runTo = (file: string, command: string[]) => {
      const fd = openSync(file, "w");
      try {
        const r = spawnSync(process.execPath, ["-r", hook, CLI, "run", "--rm", "busybox", ...command], { env: cliEnv(env), stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(/LOADED (.*)/.exec(r.stderr)![1]!) as string[];
      } finally {
        closeSync(fd);
      }
    };
    const quiet = join(env.dir, "quiet.out");
    // The image's first run unpacks it (a stream's pipe() looks at process.stdout); the next ones do not.
    expect(tsbuild(env, ["run", "--rm", "busybox", "true"]).code).toBe(0);
    expect(runTo(quiet, ["true"])).not.toContain("NativeModule internal/fs/sync_write_stream");
    expect(readFileSync(quiet, "utf8")).toBe("");
    const said = join(env.dir, "said.out");
    expect(runTo(said, ["sh", "-c", "seq 1 50000; echo done"])).toContain("NativeModule internal/fs/sync_write_stream");
    const lines = readFileSync(said, "utf8").split("\n");
    expect(lines.slice(0, 2)).toEqual(["1", "2"]);
    expect(lines.slice(-3)).toEqual(["50000", "done", ""]);
    // The reader goes: the container meets the broken pipe itself (here seq, not pid 1, dies of
    // SIGPIPE; sh goes on), and the run ends as usual, its container removed.
    const head = spawnSync("sh", ["-c", `"${process.execPath}" "${CLI}" run --rm busybox sh -c 'seq 1 500000; echo "seq: $?" >&2; exit 5' | head -n 2`], { env: cliEnv(env), encoding: "utf8" });
    expect(head.stdout).toBe("1\n2\n");
    expect(head.stderr).toBe("seq: 141\n");
    const errHead = spawnSync("sh", ["-c", `"${process.execPath}" "${CLI}" run --rm busybox sh -c 'seq 1 500000 >&2; echo "seq: $?"; exit 6' 2>&1 >/dev/null | head -n 2; echo "$?"`], { env: cliEnv(env), encoding: "utf8" });
    expect(errHead.stdout).toBe("1\n2\n0\n");
    expect(readdirSync(`${env.root}/containers`).filter((n) => n !== "names")).toEqual([]);
    // A container that ignores SIGPIPE gets EPIPE, goes on, and its exit code is tsbuild's.
    const ignoring = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${CLI}" run --rm busybox sh -c 'trap "" PIPE; seq 1 500000; echo "seq: $?" >&2; exit 7' | head -n 1`], { env: cliEnv(env), encoding: "utf8" });
    expect(ignoring.stdout).toBe("1\n");
    expect(ignoring.stderr).toMatch(/^seq: (?!141\n)[1-9]\d*\n$/); // a write error, not the signal
    expect(ignoring.status).toBe(7);
    expect(readdirSync(`${env.root}/containers`).filter((n) => n !== "names")).toEqual([]);
  });

  it("the shell launcher (TSBUILD_LAUNCHER=sh; where the native one is not built) starts runc and crun alike", () => {
    for (const runtime of ["runc", "crun"]) {
      const r = spawnSync(process.execPath, [CLI, "run", "--rm", "--runtime", runtime, "-w", "/made/here", "busybox", "sh", "-c", "ls /proc/self/fd; pwd; wc -c < /etc/hostname"], { env: { ...cliEnv(env), TSBUILD_LAUNCHER: "sh" }, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split(/\s+/).filter(Boolean)).toEqual(["0", "1", "2", "3", "/made/here", "13"]);
    }
    const bad = spawnSync(process.execPath, [CLI, "run", "--rm", "busybox", "true"], { env: { ...cliEnv(env), TSBUILD_LAUNCHER: "bash" }, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("TSBUILD_LAUNCHER=bash is not a launcher: use native (the default when built) or sh");
    expect(mountsUnder(env.root)).toEqual([]);
    expect(readdirSync(`${env.root}/containers`).filter((n) => n !== "names")).toEqual([]);
  });

  for (const runtime of ["runc", "crun"]) {
    it(`${runtime}: the overlay lives in the runtime's mount namespace and goes with it; the container gets fds 0-2 only`, async () => {
      const word = runtime === "runc" ? "4141" : "4142";
      const fg = background(env, ["run", "--rm", "--runtime", runtime, "busybox", "sh", "-c", `ls /proc/self/fd; echo started; exec sleep ${word}`]);
      await until("the container to start", () => fg.out().includes("started"));
      // ls lists 0-2 and the directory it reads (3): nothing else was inherited.
      expect(fg.out()).toBe("0\n1\n2\n3\nstarted\n");
      expect(mountsUnder(env.root)).toEqual([]);
      const [pid] = liveWithArg(word);
      expect(mountsUnder(env.root, parentOf(pid!)).filter((m) => m.endsWith("/merged"))).toHaveLength(1);
      expect(tsbuild(env, ["stop", "-t", "1", readdirSync(`${env.root}/containers`).find((n) => n !== "names")!]).code).toBe(0);
      expect((await fg.done).code).not.toBe(0);
      expect(mountsUnder(env.root)).toEqual([]);
      expect(readdirSync(`${env.root}/containers`).filter((n) => n !== "names")).toEqual([]);
    });

    it(`${runtime}: a kept container's upper dir holds its changes and no /etc stubs, and is removable`, () => {
      const name = `kept-${runtime}`;
      const r = tsbuild(env, ["run", "--runtime", runtime, "--name", name, "busybox", "sh", "-c", "echo hi > /made; rm -rf /etc/hosts-none; cat /etc/hostname >/dev/null"]);
      expect(r.code, r.stderr).toBe(0);
      const id = readFileSync(`${env.root}/containers/names/${name}`, "utf8").trim();
      const upper = `${env.root}/containers/${id}/upper`;
      expect(readFileSync(`${upper}/made`, "utf8")).toBe("hi\n");
      // busybox ships no /etc/hostname: the runtime's mount point for it is taken out again.
      expect(existsSync(`${upper}/etc/hostname`)).toBe(false);
      expect(mountsUnder(env.root)).toEqual([]);
      expect(tsbuild(env, ["start", "-a", name]).code).toBe(0);
      expect(tsbuild(env, ["rm", name]).code).toBe(0);
      expect(existsSync(`${env.root}/containers/${id}`)).toBe(false);
    });

    it(`${runtime}: root's spec is made while the rootfs mounts, a named user's after: both get their user, working directory and /etc files`, () => {
      const root = tsbuild(env, ["run", "--rm", "--runtime", runtime, "-w", "/made/here", "busybox", "sh", "-c", "id -u; pwd; wc -c < /etc/hostname; grep -q localhost /etc/hosts && echo hosts"]);
      expect(root.code, root.stderr).toBe(0);
      expect(root.stdout.split(/\s+/).filter(Boolean)).toEqual(["0", "/made/here", "13", "hosts"]);
      const named = tsbuild(env, ["run", "--rm", "--runtime", runtime, "-u", "app", "-w", "/tmp/w", "busybox", "sh", "-c", "id -un; pwd; grep -q localhost /etc/hosts && echo hosts"]);
      expect(named.code, named.stderr).toBe(0);
      expect(named.stdout).toBe("app\n/tmp/w\nhosts\n");
      expect(mountsUnder(env.root)).toEqual([]);
    });

    it(`${runtime}: a spec made before the mount still has the rootfs checked after it: an image whose /proc is a symlink is refused, nothing left`, () => {
      const fs = makeBusyboxRootfs();
      try {
        rmSync(join(fs.rootfs, "proc"), { recursive: true });
        symlinkSync("/etc", join(fs.rootfs, "proc"));
        const tar = join(env.dir, `hostile-proc-${runtime}.tar`);
        expect(spawnSync("tar", ["-C", fs.rootfs, "-cf", tar, "."]).status).toBe(0);
        expect(tsbuild(env, ["import", tar, `hostile-proc:${runtime}`]).code).toBe(0);
      } finally {
        fs.cleanup();
      }
      const factsCount = (): number => readdirSync(`${env.root}/run-cache`).filter((n) => n.endsWith(".facts.json")).length;
      const before = factsCount();
      const r = tsbuild(env, ["run", "--rm", "--runtime", runtime, `hostile-proc:${runtime}`, "true"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("/proc must be an ordinary directory");
      // Refused, so nothing is recorded for it: every start checks it again.
      expect(factsCount()).toBe(before);
      expect(tsbuild(env, ["run", "--rm", "--runtime", runtime, `hostile-proc:${runtime}`, "true"]).stderr).toContain("/proc must be an ordinary directory");
      expect(mountsUnder(env.root)).toEqual([]);
      expect(readdirSync(`${env.root}/containers`).filter((n) => n !== "names")).toEqual([]);
      expect(tsbuild(env, ["rmi", `hostile-proc:${runtime}`]).code).toBe(0);
    });

    it(`${runtime}: an image's first start records its rootfs facts, and later starts of the same kind use them instead of reading the rootfs`, () => {
      const factsFiles = (): string[] => readdirSync(`${env.root}/run-cache`).filter((n) => n.endsWith(".facts.json"));
      for (const f of factsFiles()) rmSync(`${env.root}/run-cache/${f}`);
      const first = tsbuild(env, ["run", "--rm", "--runtime", runtime, "busybox", "sh", "-c", "grep -q localhost /etc/hosts && echo hosts"]);
      expect(first.stdout, first.stderr).toBe("hosts\n");
      const [file] = factsFiles();
      expect(file).toBeDefined();
      const path = `${env.root}/run-cache/${file}`;
      const facts = JSON.parse(readFileSync(path, "utf8")) as Record<string, string[]>;
      const [key] = Object.keys(facts);
      // busybox has /etc/hostname but no /etc/hosts or /etc/resolv.conf: the runtime makes those.
      expect(Object.values(facts)).toEqual([["etc/resolv.conf", "etc/hosts"]]);
      const second = tsbuild(env, ["run", "--rm", "--runtime", runtime, "busybox", "sh", "-c", "grep -q localhost /etc/hosts && echo hosts; cat /etc/resolv.conf | wc -l"]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout.split("\n")[0]).toBe("hosts");
      // The record is what a start uses: one that lists no stubs leaves the runtime's in a kept layer.
      writeFileSync(path, JSON.stringify({ [key!]: [] }));
      const name = `facts-${runtime}`;
      expect(tsbuild(env, ["run", "--runtime", runtime, "--name", name, "busybox", "true"]).code).toBe(0);
      const id = readFileSync(`${env.root}/containers/names/${name}`, "utf8").trim();
      expect(existsSync(`${env.root}/containers/${id}/upper/etc/hosts`)).toBe(true);
      expect(tsbuild(env, ["rm", name]).code).toBe(0);
      rmSync(path);
      expect(mountsUnder(env.root)).toEqual([]);
    });

    it(`${runtime}: a failure before the runtime starts leaves no cgroup, mount or container`, () => {
      const name = `fail-${runtime}`;
      const r = tsbuild(env, ["run", "--runtime", runtime, "--name", name, "--user", "nosuch", "busybox", "true"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('no user "nosuch"');
      const id = readFileSync(`${env.root}/containers/names/${name}`, "utf8").trim();
      expect(cgroupsNamed(`tsbuild-${id.slice(0, 12)}`)).toEqual([]);
      expect(mountsUnder(env.root)).toEqual([]);
      expect(tsbuild(env, ["rm", name]).code).toBe(0);
      const rm = tsbuild(env, ["run", "--rm", "--runtime", runtime, "--user", "nosuch", "busybox", "true"]);
      expect(rm.stderr).toContain('no user "nosuch"');
      expect(readdirSync(`${env.root}/containers`).filter((n) => n !== "names")).toEqual([]);
    });
  }
});
