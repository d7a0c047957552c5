import { spawn } from "node:child_process";
import { TsbuildError } from "../core/index.js";

/** CaptureResult is what runCapture saw: the exit code (-1 when killed), all of stdout, and the start of stderr. */
export interface CaptureResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** CaptureOptions: `cwd` for the child, `input` written to its stdin, and caps on time and output. */
export interface CaptureOptions {
  readonly cwd?: string;
  readonly input?: Buffer;
  readonly timeoutMs?: number;
  readonly maxStdout?: number;
}

const MAX_STDERR = 16 * 1024;
/** DEFAULT_MAX_STDOUT bounds a getfattr dump (a few hundred bytes per file with xattrs). */
const DEFAULT_MAX_STDOUT = 512 * 1024 * 1024;

/**
 * runCapture runs a helper program (mount, getfattr, setfattr, mknod) with a clean C locale and
 * returns its exact stdout bytes. It rejects when the program cannot be started or its output
 * exceeds `maxStdout`; a non-zero exit is reported in `code` for the caller to judge.
 */
export function runCapture(argv: readonly string[], opts: CaptureOptions = {}): Promise<CaptureResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new TsbuildError("Snapshot", "runCapture needs a program"));
    const env = { ...process.env, LC_ALL: "C" };
    const child = spawn(cmd, args, { cwd: opts.cwd, env, stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = "";
    const max = opts.maxStdout ?? DEFAULT_MAX_STDOUT;
    let failure: Error | undefined;
    child.stdout?.on("data", (d: Buffer) => {
      size += d.length;
      if (size > max) {
        failure ??= new TsbuildError("Snapshot", `${cmd} printed more than ${max} bytes`);
        child.kill("SIGKILL");
      } else chunks.push(d);
    });
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(0, MAX_STDERR)));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new TsbuildError("Snapshot", `cannot run ${cmd}: ${err.message}`, { cause: err }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ code: code ?? -1, stdout: Buffer.concat(chunks), stderr });
    });
    if (opts.input && child.stdin) {
      // EPIPE from a helper that exited early surfaces through its exit code.
      child.stdin.on("error", () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

/** runChecked is runCapture that rejects with `what` and the helper's stderr when it exits non-zero. */
export async function runChecked(argv: readonly string[], what: string, opts: CaptureOptions = {}): Promise<Buffer> {
  const r = await runCapture(argv, opts);
  if (r.code !== 0) throw new TsbuildError("Snapshot", `${what}: ${argv[0]} exited with ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}
