/**
 * Process identity: a pid plus its start time, so that a record left by a process that died is
 * never mistaken for a live one when the pid is reused.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** startTimeOf reads the start time (clock ticks since boot) out of /proc/<pid>/stat text; undefined for a zombie. */
function startTimeOf(stat: string): string | undefined {
  // Fields after the command name (which may hold spaces and parentheses): state is the first, starttime the 20th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19];
}

/** gone says whether a failed /proc read means the process does not exist. */
function gone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ESRCH";
}

/** processStart returns the start time of process `pid`, or undefined when it is gone or a zombie. */
export async function processStart(pid: number): Promise<string | undefined> {
  try {
    return startTimeOf(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
}

/** processStartSync is processStart for callers that cannot wait (inside a SQLite transaction). */
export function processStartSync(pid: number): string | undefined {
  try {
    return startTimeOf(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
}
