/**
 * containerLogs copies a container's captured output (stdout and stderr, interleaved as written)
 * to a stream: all of it or the last `tail` lines, and with `follow` whatever it writes until it
 * exits.
 */
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Writable } from "node:stream";
import { InputError } from "../core/errors.js";
import { containerPaths } from "../runtime/container/state.js";
import { isActive, lookup, reclaimContainer, whereOf, type ContainerScope } from "./container-shared.js";

/** LogsOptions: `tail` keeps the last N lines of what is there already; `signal` ends a follow. */
export interface LogsOptions extends ContainerScope {
  readonly container: string;
  readonly out: Writable;
  readonly follow?: boolean;
  readonly tail?: number;
  readonly signal?: AbortSignal;
}

/** lastLines returns the last `n` lines of `buf`. */
export function lastLines(buf: Buffer, n: number): Buffer {
  if (n <= 0) return Buffer.alloc(0);
  let end = buf.length;
  if (end > 0 && buf[end - 1] === 0x0a) end--;
  let i = end;
  for (let seen = 0; i > 0; i--) if (buf[i - 1] === 0x0a && ++seen === n) break;
  return buf.subarray(i);
}

function write(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve())));
}

/** containerLogs writes the log to `opts.out`; with `follow` it resolves once the container exited. */
export async function containerLogs(opts: LogsOptions): Promise<void> {
  const where = whereOf(opts);
  const s = await lookup(where, opts.container);
  const fh = await open(containerPaths(where.root, s.id).log, "a+");
  try {
    const first = await fh.readFile();
    await write(opts.out, opts.tail === undefined ? first : lastLines(first, opts.tail));
    let pos = first.length;
    const more = async (): Promise<void> => {
      const { size } = await fh.stat();
      if (size <= pos) return;
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      await write(opts.out, buf.subarray(0, bytesRead));
    };
    while (opts.follow === true && !opts.signal?.aborted) {
      const cur = await reclaimContainer(where, s.id).catch((err: unknown) => {
        // An auto-remove container that exited is gone: the follow ends.
        if (err instanceof InputError) return undefined;
        throw err;
      });
      await more();
      if (!cur || !isActive(cur)) break;
      await sleep(100);
    }
  } finally {
    await fh.close();
  }
}
