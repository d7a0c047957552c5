import { InputError } from "../core/index.js";
import type { ExecOptions } from "./driver.js";
import type { OciProcess } from "./oci-types.js";

/** envName is the NAME of a NAME=VALUE entry (the whole entry when it has no `=`). */
function envName(entry: string): string {
  const eq = entry.indexOf("=");
  return eq < 0 ? entry : entry.slice(0, eq);
}

/** mergeEnv replaces entries of `base` whose name `extra` sets and appends the new ones, in order (Docker's rule for exec -e). */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = [...base];
  for (const entry of extra) {
    const at = out.findIndex((e) => envName(e) === envName(entry));
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * execProcess is the OCI process of `argv` exec'd in a container whose main process is `base`:
 * its capabilities, rlimits and no_new_privs, and its environment, user and working directory
 * unless `options` replace them. With a terminal, TERM defaults to xterm (as Docker sets it).
 * Throws InputError for a relative working directory or an entry that is not NAME=VALUE.
 */
export function execProcess(base: OciProcess, argv: readonly string[], options: ExecOptions = {}): OciProcess {
  if (argv.length === 0) throw new InputError("exec needs a command");
  if (options.cwd !== undefined && !options.cwd.startsWith("/")) throw new InputError(`the working directory "${options.cwd}" is invalid: it must be an absolute path`);
  const bad = (options.env ?? []).find((e) => envName(e) === "" || !e.includes("="));
  if (bad !== undefined) throw new InputError(`environment entry "${bad}" is not NAME=VALUE`);
  const tty = options.tty === true;
  const env = mergeEnv(base.env, options.env ?? []);
  const u = options.user;
  return {
    ...base,
    terminal: tty,
    args: [...argv],
    env: tty && !env.some((e) => envName(e) === "TERM") ? [...env, "TERM=xterm"] : env,
    cwd: options.cwd ?? base.cwd,
    user: u ? { uid: u.uid, gid: u.gid, additionalGids: [...u.additionalGids] } : base.user,
  };
}
