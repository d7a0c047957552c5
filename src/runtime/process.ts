import { spawn } from "node:child_process";
import { accessSync, constants as fsc, readFileSync, statSync } from "node:fs";
import { constants as osc } from "node:os";
import { posix } from "node:path";
import { TsbuildError } from "../core/index.js";
import type { OciRlimit } from "./oci-types.js";

/**
 * findOnPath returns the absolute path of the executable `name` found first on `pathEnv`
 * (default: this process's PATH), or undefined.
 */
export async function findOnPath(name: string, pathEnv = process.env.PATH ?? ""): Promise<string | undefined> {
  for (const dir of pathEnv.split(":")) {
    if (!dir.startsWith("/")) continue;
    const candidate = posix.join(dir, name);
    try {
      // Synchronous: a stat and an access per PATH entry cost less than thread-pool round trips.
      const stat = statSync(candidate);
      if (!stat.isFile()) continue;
      accessSync(candidate, fsc.X_OK);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" && (err as NodeJS.ErrnoException).code !== "EACCES") throw err;
    }
  }
  return undefined;
}

/** CommandResult is the outcome of runCommand: exit code (or -1 when killed) and captured output. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** MAX_CAPTURE bounds how much output runCommand keeps of a helper command. */
const MAX_CAPTURE = 64 * 1024;

/**
 * runCommand runs a short helper command (runc kill, crun delete ...) with stdin from /dev/null,
 * capturing up to 64 KiB of each output stream; after `timeoutMs` it is killed with SIGKILL and
 * reported with code -1. Rejects only when the program cannot be started.
 */
export function runCommand(argv: readonly string[], timeoutMs = 10_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new TsbuildError("Runtime", "runCommand needs a program"));
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (d: Buffer) => (out.stdout = (out.stdout + d.toString()).slice(0, MAX_CAPTURE)));
    child.stderr.on("data", (d: Buffer) => (out.stderr = (out.stderr + d.toString()).slice(0, MAX_CAPTURE)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, ...out });
    });
  });
}

const RLIMIT_NAMES: Readonly<Record<string, string>> = {
  "Max open files": "RLIMIT_NOFILE",
  "Max processes": "RLIMIT_NPROC",
  "Max core file size": "RLIMIT_CORE",
  "Max stack size": "RLIMIT_STACK",
};

/** shellQuote quotes one word for sh: single quotes, each quote inside closed, escaped and reopened. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** ownHardLimits reads this process's hard limits of the rlimits tsbuild sets (unlimited ones are left out). */
export function ownHardLimits(): ReadonlyMap<string, number> {
  const text = readFileSync("/proc/self/limits", "utf8");
  const own = new Map<string, number>();
  for (const line of text.split("\n")) {
    for (const [label, type] of Object.entries(RLIMIT_NAMES)) {
      if (!line.startsWith(label)) continue;
      const hard = line.slice(label.length).trim().split(/\s+/)[1];
      if (hard && hard !== "unlimited") own.set(type, Number(hard));
    }
  }
  return own;
}

/**
 * clampRlimits lowers each hard (and soft) limit to this process's own hard limit (`own`, read
 * now when not given): runtimes set rlimits after dropping CAP_SYS_RESOURCE, so a container can
 * never get more than tsbuild has (as a Docker container never gets more than dockerd has).
 */
export async function clampRlimits(rlimits: readonly OciRlimit[], own: ReadonlyMap<string, number> = ownHardLimits()): Promise<OciRlimit[]> {
  return rlimits.map((r) => {
    const max = own.get(r.type);
    if (max === undefined) return { ...r };
    return { type: r.type, hard: Math.min(r.hard, max), soft: Math.min(r.soft, r.hard, max) };
  });
}

/** signalFromStatus maps a shell-style exit status above 128 to the signal name it encodes. */
export function signalFromStatus(status: number): NodeJS.Signals | undefined {
  if (status <= 128 || status > 128 + 64) return undefined;
  const entry = Object.entries(osc.signals).find(([, n]) => n === status - 128);
  return entry ? (entry[0] as NodeJS.Signals) : undefined;
}

/** statusFromExit turns a child's (code, signal) pair into a shell-style status (128 + n for signals). */
export function statusFromExit(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (osc.signals[signal] ?? 0) : 0);
}
