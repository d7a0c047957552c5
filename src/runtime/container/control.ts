/**
 * Signal requests to a container's supervising process: a request is a file in the container's
 * signals dir naming the signal, followed by SIGUSR2 to the supervisor, which reads (and
 * deletes) every pending request. SIGKILL, which no process can catch, travels this way too.
 */
import { readFile, readdir, rename, unlink, writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { InputError } from "../../core/errors.js";
import { randomHex } from "../../core/random.js";

/** CONTROL_SIGNAL is the signal that tells a supervisor to read its signal requests. */
export const CONTROL_SIGNAL: NodeJS.Signals = "SIGUSR2";

/** normalizeSignal turns `TERM`, `SIGTERM` or `15` into a signal name, or throws an InputError. */
export function normalizeSignal(sig: string): NodeJS.Signals {
  const s = sig.trim().toUpperCase();
  const byName = (s.startsWith("SIG") ? s : `SIG${s}`) as NodeJS.Signals;
  if (byName in constants.signals) return byName;
  if (/^[0-9]+$/.test(s)) {
    const found = Object.entries(constants.signals).find(([, n]) => n === Number(s));
    if (found) return found[0] as NodeJS.Signals;
  }
  throw new InputError(`unknown signal ${JSON.stringify(sig)}: use a name such as TERM, KILL, HUP or a number`);
}

/** requestSignal asks supervisor `pid` (whose signals dir is `dir`) to deliver `signal` to the container. */
export async function requestSignal(dir: string, pid: number, signal: NodeJS.Signals): Promise<void> {
  const name = `${Date.now()}-${randomHex(4)}`;
  await writeFile(`${dir}/.${name}`, signal);
  await rename(`${dir}/.${name}`, `${dir}/${name}`);
  process.kill(pid, CONTROL_SIGNAL);
}

/** takeRequests reads and deletes the pending requests in `dir`, oldest first. */
export async function takeRequests(dir: string): Promise<NodeJS.Signals[]> {
  const out: NodeJS.Signals[] = [];
  for (const name of (await readdir(dir)).filter((n) => !n.startsWith(".")).sort()) {
    let text: string;
    try {
      text = await readFile(`${dir}/${name}`, "utf8");
      await unlink(`${dir}/${name}`);
    } catch (err) {
      // ENOENT: a concurrent reader (an earlier CONTROL_SIGNAL) took this request; it is delivered once.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    out.push(normalizeSignal(text));
  }
  return out;
}
