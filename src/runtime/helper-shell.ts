/**
 * runHelper runs a helper program (getfattr) through one long-lived /bin/sh per process. Forking
 * Node for each call copies the page tables of its whole heap, milliseconds of main-thread time per
 * call; the small shell forks in a fraction of that. Calls run one at a time, stdin from /dev/null,
 * stdout and stderr into two files of the shell's private temp dir; the shell removes that dir and
 * exits when its stdin closes, which happens when this process exits or dies. The shell is started
 * on first use and does not keep this process alive while idle.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { TsbuildError } from "../core/index.js";
import { runCapture, type CaptureOptions, type CaptureResult } from "./exec-capture.js";
import { shellQuote } from "./process.js";

/** SCRIPT is the shell's loop: one quoted command per line, its exit status printed back. */
const SCRIPT = `dir=$1
trap 'rm -rf "$dir"' EXIT
while IFS= read -r line; do
  eval "$line" </dev/null >"$dir/out" 2>"$dir/err"
  echo "$?"
done`;

const MAX_STDERR = 16 * 1024;
const DEFAULT_MAX_STDOUT = 512 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;


/** readCapped reads a whole file, or fails when it is larger than `max` bytes. */
function readCapped(path: string, max: number, what: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > max) throw new TsbuildError("Snapshot", `${what} printed more than ${max} bytes`);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Shell is one running helper shell with its reply reader. */
interface Shell {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly lines: Interface;
  /** reply settles the call in flight with the status line, or with the shell's end. */
  reply?: (line: string | Error) => void;
}

let shell: Shell | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** start spawns the helper shell (its own process group, so a timeout can kill what it runs). */
function start(): Shell {
  const dir = mkdtempSync(join(tmpdir(), "tsbuild-helper-"));
  const child = spawn("/bin/sh", ["-c", SCRIPT, "sh", dir], { stdio: ["pipe", "pipe", "ignore"], env: { ...process.env, LC_ALL: "C" }, detached: true });
  const s: Shell = { child, dir, lines: createInterface({ input: child.stdout as NodeJS.ReadableStream }) };
  const end = (why: Error): void => {
    if (shell === s) shell = undefined;
    rmSync(dir, { recursive: true, force: true }); // a killed shell could not remove it itself
    s.reply?.(why);
  };
  s.lines.on("line", (line) => s.reply?.(line));
  child.on("error", (err) => end(new TsbuildError("Snapshot", `the helper shell failed: ${err.message}`, { cause: err })));
  child.on("exit", (code, signal) => end(new TsbuildError("Snapshot", `the helper shell exited (${signal ?? code})`)));
  // EPIPE after the shell died surfaces through its exit.
  child.stdin?.on("error", () => undefined);
  idle(s);
  return s;
}

/** idle lets this process exit while the shell waits; busy keeps it alive while a call runs. */
function idle(s: Shell): void {
  s.child.unref();
  (s.child.stdout as unknown as { unref(): void }).unref();
  (s.child.stdin as unknown as { unref(): void }).unref();
}
function busy(s: Shell): void {
  s.child.ref();
  (s.child.stdout as unknown as { ref(): void }).ref();
  (s.child.stdin as unknown as { ref(): void }).ref();
}

/** kill ends the shell and everything it runs. */
function kill(s: Shell): void {
  if (shell === s) shell = undefined;
  try {
    if (s.child.pid !== undefined) process.kill(-s.child.pid, "SIGKILL");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // already gone
  }
}

/** call runs one command line on the shell and resolves with its status line. */
function call(s: Shell, line: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => kill(s), timeoutMs);
    s.reply = (got) => {
      clearTimeout(timer);
      s.reply = undefined;
      idle(s);
      if (got instanceof Error) reject(got);
      else resolve(got);
    };
    busy(s);
    s.child.stdin?.write(`${line}\n`);
  });
}

/** runOnShell runs argv on the helper shell (starting it when needed) and returns what runCapture would. */
async function runOnShell(argv: readonly string[], opts: CaptureOptions): Promise<CaptureResult> {
  const s = (shell ??= start());
  const line = argv.map(shellQuote).join(" ");
  let status: string;
  try {
    status = await call(s, line, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (err) {
    // A killed or dead shell: the call reports -1, as runCapture does for a killed program.
    if (shell === undefined || shell !== s) return { code: -1, stdout: Buffer.alloc(0), stderr: err instanceof Error ? err.message : String(err) };
    throw err;
  }
  const stdout = readCapped(join(s.dir, "out"), opts.maxStdout ?? DEFAULT_MAX_STDOUT, argv[0] ?? "helper");
  const stderr = readCapped(join(s.dir, "err"), Number.MAX_SAFE_INTEGER, argv[0] ?? "helper").subarray(0, MAX_STDERR).toString();
  return { code: Number(status), stdout, stderr };
}

/**
 * runHelper runs a helper program like runCapture (exit code, exact stdout, start of stderr,
 * `timeoutMs` and `maxStdout` honoured) but through the process's helper shell. Arguments holding
 * a newline or NUL, and calls with `input` or `cwd`, go through runCapture instead.
 */
export function runHelper(argv: readonly string[], opts: CaptureOptions = {}): Promise<CaptureResult> {
  if (opts.input !== undefined || opts.cwd !== undefined || argv.length === 0 || argv.some((a) => a.includes("\n") || a.includes("\0"))) return runCapture(argv, opts);
  const next = queue.then(() => runOnShell(argv, opts));
  queue = next.catch(() => undefined); // the next call waits for this one's end, not its success
  return next;
}
