// A real terminal: `tsbuild build` of examples/hello (plus a slow step) runs inside tmux with the
// default --progress auto, which must pick the live view. The pane is captured while the slow
// step runs (the step line, its output tail, the header) and after the build (FINISHED, the
// summary). UPDATE_GOLDEN=1 saves the final screen as fixtures/progress/tmux-screen.txt for review.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2eMissing, makeEnv, type Env } from "./helpers.js";
import { requirePrerequisites } from "../helpers/prerequisites.js";

const REPO = resolve(import.meta.dirname, "../..");
const CLI = join(REPO, "dist/cli/main.cjs");

function tmuxMissing(): string | undefined {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "tmux is not installed (apt-get install tmux)";
  }
}

const missing = e2eMissing() ?? tmuxMissing() ?? (existsSync(CLI) ? undefined : `${CLI} is missing (run npm run build)`);
requirePrerequisites("the terminal test", missing);

const SOCKET = `tsbuild-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync("tmux", ["-L", SOCKET, "-f", "/dev/null", ...args], { encoding: "utf8" });
const pane = () => tmux("capture-pane", "-p", "-t", "build").stdout;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing !== undefined)("tty progress in a real terminal (tmux)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await makeEnv();
  });
  afterAll(() => {
    tmux("kill-server");
    env?.cleanup();
  });

  it("draws step lines with output tails while building and the summary at the end", async () => {
    const ctx = join(env.dir, "hello");
    cpSync(join(REPO, "examples/hello"), ctx, { recursive: true });
    const df = join(ctx, "Dockerfile");
    writeFileSync(df, readFileSync(df, "utf8") + "RUN for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 0.3; done\n");
    const done = join(env.dir, "tty-exit");
    const cmd = `env -u CI -u CONTINUOUS_INTEGRATION TERM=xterm-256color TSBUILD_ROOT=${env.root} ${process.execPath} ${CLI} build --runtime runc -t hello:tty ${ctx}; echo $? > ${done}; sleep 60`;
    expect(tmux("new-session", "-d", "-s", "build", "-x", "100", "-y", "30", cmd).status).toBe(0);
    let during = "";
    const deadline = Date.now() + 45_000;
    while (!existsSync(done) && Date.now() < deadline) {
      const screen = pane();
      if (/=> => # tick \d/.test(screen) && !screen.includes("FINISHED")) during = screen;
      await sleep(150);
    }
    expect(readFileSync(done, "utf8").trim()).toBe("0");
    await sleep(200);
    const after = pane();
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(join(REPO, "fixtures/progress/tmux-screen.txt"), after);
    expect(during, "no frame showed the running step's output").toMatch(/\[\+\] Building \d+\.\ds \(\d+\/\d+\)/);
    expect(during).toMatch(/ => \[\d\/\d\] RUN for i in 1 2 3/);
    expect(after).toMatch(/\[\+\] Building \d+\.\ds \((\d+)\/\1\) FINISHED/);
    expect(after).toMatch(/#\* built sha256:[0-9a-f]{12}/);
    expect(after).toContain("#* tagged hello:tty");
    expect(after).toMatch(/ => \[\d\/\d\] COPY message\.txt \. +\d+\.\ds/);
  }, 60_000);
});
