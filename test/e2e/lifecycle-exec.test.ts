// `tsbuild exec` with docker exec's options, against runc and crun: -e (set, replace, take from
// tsbuild's environment, leave out when unset), -u (name, uid, :group, supplementary groups,
// HOME), -w, and -t / -it in a real terminal (util-linux `script` provides one).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEnv, type Env } from "./helpers.js";
import { lifecycleMissing, removeAll, tsbuild } from "./lifecycle-helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli/main.cjs");

/** programMissing names the first of runc, crun and script (util-linux's, package bsdutils) not on PATH. */
function programMissing(): string | undefined {
  const dirs = (process.env.PATH ?? "").split(":").filter(Boolean);
  const absent = ["runc", "crun", "script"].find((p) => !dirs.some((d) => existsSync(`${d}/${p}`)));
  return absent === undefined ? undefined : `${absent} is not installed (apt-get install ${absent === "script" ? "bsdutils" : absent})`;
}

const why = lifecycleMissing ?? programMissing();
requirePrerequisites("exec tests", why);

/** inTerminal runs the CLI inside a pseudo terminal with `input` typed after a pause; returns its exit code and output (CRs dropped). */
function inTerminal(env: Env, args: string[], input = ""): { code: number | null; out: string } {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const feed = `sleep 1; printf '%s' '${input.replace(/'/g, `'\\''`)}'`;
  const r = spawnSync("sh", ["-c", `(${feed}) | script -qec "$0" /dev/null`, quoted], { encoding: "utf8", env: { ...process.env, TSBUILD_ROOT: env.root }, timeout: 30_000 });
  return { code: r.status, out: r.stdout.replace(/\r/g, "") };
}

describe.skipIf(why !== undefined).each(["runc", "crun"])("tsbuild exec options (%s)", (runtime) => {
  let env: Env;
  const name = `svc-${runtime}`;
  beforeAll(async () => {
    env = await makeEnv();
    const d = tsbuild(env, ["run", "-d", "--runtime", runtime, "--name", name, "-e", "MODE=prod", "-w", "/srv", "busybox", "sleep", "600"]);
    expect(d.code, d.stderr).toBe(0);
  });
  afterAll(() => {
    if (!env) return;
    expect(removeAll(env)).toEqual([]);
    env.cleanup();
  });

  it("runs with the main process's environment, user and directory, and -e, -u, -w change them", () => {
    const plain = tsbuild(env, ["exec", name, "sh", "-c", 'echo "$MODE $(id -u) $(pwd) $HOME"']);
    expect(plain.stdout, plain.stderr).toBe("prod 0 /srv /root\n");
    const r = spawnSync(process.execPath, [CLI, "exec", "-e", "MODE=debug", "-e", "FROMHOST", "-e", "UNSET_HERE", "-u", "app", "-w", "/tmp", name, "sh", "-c", 'echo "$MODE $FROMHOST ${UNSET_HERE-unset} $HOME $(pwd)"; id'], {
      encoding: "utf8",
      env: { ...process.env, TSBUILD_ROOT: env.root, FROMHOST: "host-value", UNSET_HERE: undefined },
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("debug host-value unset /home/app /tmp\nuid=1000(app) gid=1000(app) groups=10(wheel),50(staff)\n");
    expect(tsbuild(env, ["exec", "-u", "65534:wheel", name, "id"]).stdout).toBe("uid=65534(nobody) gid=10(wheel)\n");
  });

  it("names what is wrong with -u and -w", () => {
    const user = tsbuild(env, ["exec", "-u", "nosuch", name, "id"]);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('no user "nosuch"');
    const dir = tsbuild(env, ["exec", "-w", "tmp", name, "pwd"]);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain('the working directory "tmp" is invalid: it must be an absolute path');
  });

  it("-t gives the command a terminal relayed to tsbuild's; -it passes input; without a terminal -t is refused", () => {
    const t = inTerminal(env, ["exec", "-t", name, "sh", "-c", 'tty; echo "TERM=$TERM"; exit 4']);
    // crun writes a NUL into the new terminal; depending on timing the terminal's echo shows it
    // back as "^@" (echoctl) or it arrives raw, before the output or (drained after the exit) after it.
    expect(t.out.replace(/^(\0|\^@)|(\0|\^@)\n?$/g, "")).toMatch(/^\/dev\/pts\/\d+\nTERM=xterm\n$/);
    expect(t.code).toBe(4);
    const it2 = inTerminal(env, ["exec", "-it", name, "sh"], "echo in-$((6*7)); exit 5\n");
    expect(it2.out).toContain("in-42\n");
    expect(it2.code).toBe(5);
    const none = tsbuild(env, ["exec", "-t", name, "true"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("the input device is not a TTY");
  });
});
