// `tsbuild run`'s per-container files and flags, against runc, crun and the builtin driver:
// /etc/hostname, /etc/hosts and /etc/resolv.conf as Docker writes them, and --env-file.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { resolvConf } from "../../src/core/etc-files.js";
import type { Env } from "./helpers.js";
import { describeLifecycle, tsbuild } from "./lifecycle-helpers.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");
/** inTerminal runs the CLI inside a pseudo terminal (util-linux `script`) with `input` typed after a pause; returns its exit code and output (CRs dropped). */
function inTerminal(env: Env, args: string[], input = ""): { code: number | null; out: string } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const feed = `sleep 1; printf '%s' '${input.replace(/'/g, `'\\''`)}'`;
  const r = spawnSync("sh", ["-c", `(${feed}) | script -qec "$0" /dev/null`, quoted], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root }, timeout: 30_000 });
  return { code: r.status, out: r.stdout.replace(/\r/g, "") };
}

const RUNTIMES = ["runc", "crun", "builtin"] as const;

describeLifecycle("tsbuild run: /etc files and --env-file", (env) => {
  it.each(RUNTIMES)("%s: /etc/hostname, /etc/hosts and /etc/resolv.conf name the container's hostname and the host's resolvers", (runtime) => {
    const hostResolv = resolvConf(readFileSync("/etc/resolv.conf", "utf8"), "host");
    const named = tsbuild(env, ["run", "--rm", "--runtime", runtime, "--hostname", "box1", "busybox", "sh", "-c", "hostname; cat /etc/hostname /etc/hosts /etc/resolv.conf"]);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toBe(`box1\nbox1\n127.0.0.1\tlocalhost box1\n::1\tlocalhost ip6-localhost ip6-loopback\n${hostResolv}`);
    const d = tsbuild(env, ["create", "--runtime", runtime, "--network", "none", "busybox", "sh", "-c", "hostname; cat /etc/hostname /etc/hosts /etc/resolv.conf"]);
    expect(d.code, d.stderr).toBe(0);
    const short = d.stdout.trim().slice(0, 12);
    const started = tsbuild(env, ["start", "-a", short]);
    expect(started.code, started.stderr).toBe(0);
    const noneResolv = resolvConf(readFileSync("/etc/resolv.conf", "utf8"), "none");
    expect(started.stdout).toBe(`${short}\n${short}\n127.0.0.1\tlocalhost ${short}\n::1\tlocalhost ip6-localhost ip6-loopback\n${noneResolv}`);
    expect(tsbuild(env, ["rm", short]).code).toBe(0);
  });

  it("--tmpfs DIR:OPTIONS mounts a tmpfs noexec, nosuid and nodev unless the options say otherwise", () => {
    const show = "grep -o ' /t[12] tmpfs [^ ]*' /proc/mounts";
    const r = tsbuild(env, ["run", "--rm", "--tmpfs", "/t1", "--tmpfs", "/t2:exec,size=64k,mode=700", "busybox", "sh", "-c", `${show}; stat -c %a /t1 /t2`]);
    expect(r.code, r.stderr).toBe(0);
    const [t1, t2, mode1, mode2] = r.stdout.trim().split("\n").map((l) => l.trim());
    expect(t1!.split(",")).toEqual(expect.arrayContaining(["/t1 tmpfs rw", "nosuid", "nodev", "noexec"]));
    expect(t2!.split(",")).toEqual(expect.arrayContaining(["/t2 tmpfs rw", "nosuid", "nodev", "size=64k", "mode=700"]));
    expect(t2).not.toContain("noexec");
    expect([mode1, mode2]).toEqual(["1777", "700"]);
    const bad = tsbuild(env, ["run", "--rm", "--tmpfs", "/t:huge", "busybox", "true"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--tmpfs \/t:huge: unsupported option "huge"/);
  });

  it("writes to the /etc files stay out of the image", () => {
    const w = tsbuild(env, ["run", "--rm", "--hostname", "scratchy", "busybox", "sh", "-c", "echo junk >> /etc/hosts; grep -c junk /etc/hosts"]);
    expect(w.stdout, w.stderr).toBe("1\n");
    const again = tsbuild(env, ["run", "--rm", "busybox", "sh", "-c", "grep -c junk /etc/hosts || true"]);
    expect(again.stdout).toBe("0\n");
    // busybox ships none of the three: their mount points leave the writable layer when the container stops.
    const c = tsbuild(env, ["create", "busybox", "sh", "-c", "echo kept > /etc/kept"]);
    const id = c.stdout.trim();
    expect(tsbuild(env, ["start", "-a", id]).code).toBe(0);
    const upper = `${env.root}/containers/${id}/upper/etc`;
    expect(readdirSync(upper).sort()).toEqual(["kept"]);
    expect(tsbuild(env, ["rm", id]).code).toBe(0);
  });
  it("--env-file on run (fast path) and create sets variables before -e; a missing file is named", () => {
    const file = `${env.dir}/app.env`;
    writeFileSync(file, "# settings\nMODE=file\nLEVEL=3\n\n");
    const r = tsbuild(env, ["run", "--rm", "--env-file", file, "-e", "LEVEL=9", "busybox", "sh", "-c", 'echo "$MODE $LEVEL"']);
    expect(r.stdout, r.stderr).toBe("file 9\n");
    const c = tsbuild(env, ["create", "--env-file", file, "busybox", "sh", "-c", 'echo "$MODE $LEVEL"']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    expect(tsbuild(env, ["start", "-a", id]).stdout).toBe("file 3\n");
    expect(tsbuild(env, ["rm", id]).code).toBe(0);
    // Started through its #! line, as users start it (`node CLI --env-file` is read by Node 20 itself).
    const missing = spawnSync(CLI, ["run", "--rm", "--env-file", `${env.dir}/nope.env`, "busybox", "true"], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root } });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`--env-file ${env.dir}/nope.env: cannot read it (no such file)`);
  });
  it.each(["runc", "crun"])("%s: run -t gives the container a terminal relayed to tsbuild's; -it passes input; without a terminal, and with -d, -t is refused", (runtime) => {
    const t = inTerminal(env, ["run", "--rm", "-t", "--runtime", runtime, "busybox", "sh", "-c", 'tty; echo "TERM=$TERM"; exit 4']);
    // crun writes a NUL into the new terminal; the terminal may echo it as "^@", before the output or (drained after the exit) after it.
    expect(t.out.replace(/^(\0|\^@)|(\0|\^@)\n?$/g, "")).toMatch(/^\/dev\/pts\/\d+\nTERM=xterm\n$/);
    expect(t.code).toBe(4);
    const it2 = inTerminal(env, ["run", "--rm", "-it", "--runtime", runtime, "busybox", "sh"], "echo in-$((6*7)); exit 5\n");
    expect(it2.out).toContain("in-42\n");
    expect(it2.code).toBe(5);
    for (const args of [["run", "--rm", "-t", "busybox", "true"], ["run", "--rm", "-it", "busybox", "true"]]) {
      const none = tsbuild(env, args);
      expect(none.code, args.join(" ")).toBe(1);
      expect(none.stderr).toContain("the input device is not a TTY");
    }
    const detached = tsbuild(env, ["run", "-d", "-t", "busybox", "true"]);
    expect(detached.code).toBe(1);
    expect(detached.stderr).toContain("tsbuild run -d cannot give the container a terminal");
  });
});
