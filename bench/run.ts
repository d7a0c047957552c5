// Start-to-exit latency of `tsbuild run --rm IMAGE true` next to bare `runc run` and `crun run`
// of a prepared bundle (same busybox rootfs, `true`), measured in the same run, with Node's own
// start-up for reference (also without NODE_EXTRA_CA_CERTS when that is set). tsbuild is started
// as users start it: the CLI file executed through its shebang. Not a test.
// Run as root: node --import tsx bench/run.ts [rounds]
// (TSBUILD_BENCH_BASELINE=OTHER/dist/cli/main.cjs adds that build's figures for comparison).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeBusyboxRootfs } from "../test/helpers/rootfs.js";

const rounds = Number(process.argv[2] ?? 15);
const CLI = resolve(import.meta.dirname, "../dist/cli/main.cjs");
const dir = mkdtempSync(join(tmpdir(), "tsbuild-bench-run-"));
const root = join(dir, "store");
const fs = makeBusyboxRootfs();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Series is one command to time: a label, its argv and environment. */
interface Series {
  readonly label: string;
  readonly argv: string[];
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * timeAll times every series `rounds` times (after two warm-up runs each), one run of each in
 * turn, so that a change in the machine's load falls on all of them alike; returns the medians.
 */
function timeAll(series: readonly Series[]): number[] {
  const times: number[][] = series.map(() => []);
  for (let i = 0; i < rounds + 2; i++) {
    series.forEach((s, j) => {
      const t = process.hrtime.bigint();
      const r = spawnSync(s.argv[0]!, s.argv.slice(1), { env: s.env ?? process.env, stdio: ["ignore", "ignore", "pipe"] });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`${s.label} failed: ${r.stderr?.toString()}`);
      if (i >= 2) times[j]!.push(ms); // two warm-up runs
    });
  }
  return times.map(median);
}

function timeIt(label: string, argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  return timeAll([{ label, argv, env }])[0]!;
}

function bundleFor(runtime: string): string {
  const b = join(dir, `bundle-${runtime}`);
  mkdirSync(b);
  execFileSync(runtime, ["spec"], { cwd: b });
  const spec = JSON.parse(execFileSync("cat", [join(b, "config.json")], { encoding: "utf8" }));
  spec.root = { path: fs.rootfs, readonly: true };
  spec.process.args = ["true"];
  spec.process.terminal = false;
  writeFileSync(join(b, "config.json"), JSON.stringify(spec));
  return b;
}

try {
  const tar = join(dir, "busybox.tar");
  execFileSync("tar", ["-C", fs.rootfs, "-cf", tar, "."]);
  const env: NodeJS.ProcessEnv = { ...process.env, TSBUILD_ROOT: root };
  execFileSync(process.execPath, [CLI, "import", tar, "bench:latest"], { env });
  const results: [string, number][] = [];
  const tsbuildRun = (runtime: string): string[] => [CLI, "run", "--rm", "--runtime", runtime, "bench:latest", "true"];
  // TSBUILD_BENCH_BASELINE names another build's dist/cli/main.cjs (an older commit, say) to time in
  // the same run, alternating with this build (with a store of its own: its schema may differ), so
  // that a comparison holds whatever else loads the machine.
  const baseline = process.env.TSBUILD_BENCH_BASELINE;
  const series: Series[] = [];
  for (const runtime of ["runc", "crun"]) {
    series.push({ label: `tsbuild run --rm (${runtime})`, argv: tsbuildRun(runtime), env });
    if (baseline === undefined) continue;
    const baseEnv = { ...env, TSBUILD_ROOT: join(dir, "store-baseline") };
    if (runtime === "runc") execFileSync(process.execPath, [resolve(baseline), "import", tar, "bench:latest"], { env: baseEnv });
    const argv = tsbuildRun(runtime);
    argv[0] = resolve(baseline);
    series.push({ label: `baseline run --rm (${runtime})`, argv, env: baseEnv });
  }
  timeAll(series).forEach((ms, i) => results.push([series[i]!.label, ms]));
  results.push(["node -e 0 (Node start-up)", timeIt("node", [process.execPath, "-e", "0"], env)]);
  // Node reads NODE_EXTRA_CA_CERTS at every start, before any code runs; tsbuild's shebang moves
  // it aside (src/registry/trust.ts), so both tsbuild lines should agree.
  if (env.NODE_EXTRA_CA_CERTS !== undefined) {
    const plain = { ...env, NODE_EXTRA_CA_CERTS: undefined };
    results.push(["  same, no NODE_EXTRA_CA_CERTS", timeIt("tsbuild", tsbuildRun("crun"), plain)]);
    results.push(["  node -e 0, no NODE_EXTRA_CA_..", timeIt("node", [process.execPath, "-e", "0"], plain)]);
  }
  results.push(["runc run (prepared bundle)", timeIt("runc", ["runc", "--root", join(dir, "runc-state"), "run", "-b", bundleFor("runc"), "bench-runc"])]);
  // crun refuses cgroup hybrid mode unless the cgroup2 mount is hidden (machine-notes.md).
  const crunBundle = bundleFor("crun");
  results.push(["crun run (prepared bundle)", timeIt("crun", ["unshare", "-m", "--propagation", "private", "sh", "-c", `umount /sys/fs/cgroup/unified 2>/dev/null; crun --root ${join(dir, "crun-state")} run -b ${crunBundle} bench-crun`])]);
  const bare = results.find(([l]) => l.startsWith("crun run"))![1];
  console.log(`median start-to-exit latency over ${rounds} runs (date ${new Date().toISOString()}):`);
  for (const [label, ms] of results) console.log(`  ${label.padEnd(30)} ${ms.toFixed(1).padStart(8)} ms   ${(ms - bare >= 0 ? "+" : "") + (ms - bare).toFixed(1)} ms vs bare crun`);
  console.log(`target: tsbuild run at most 60 ms over bare crun`);
} finally {
  fs.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
