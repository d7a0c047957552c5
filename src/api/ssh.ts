/**
 * SSH agents for `RUN --mount=type=ssh` (`--ssh ID=SOCKET`): each id names a running agent's Unix
 * socket on this machine. They are checked before the build starts so a typo fails at once.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { InputError } from "../core/errors.js";

const ID = /^[A-Za-z0-9_.-]+$/;

/**
 * checkSshAgents returns the agent sockets by id, as absolute paths. An id that is not a plain
 * word, or a path that is missing or not a socket, is an InputError naming the id and the path.
 */
export async function checkSshAgents(agents: Readonly<Record<string, string>> | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [id, path] of Object.entries(agents ?? {})) {
    if (!ID.test(id)) throw new InputError(`--ssh ${JSON.stringify(id)}: an id is letters, digits, '_', '.' or '-' (e.g. default, github)`);
    const abs = resolve(path);
    const st = await stat(abs).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`--ssh ${id}=${path}: ${err.code === "ENOENT" ? "no such socket" : err.message}; give the socket of a running ssh-agent (SSH_AUTH_SOCK)`);
    });
    // Deviation: BuildKit also loads private key files into an agent of its own; tsbuild only relays running agents (grammar/DEVIATIONS.md).
    if (!st.isSocket()) throw new InputError(`--ssh ${id}=${path}: not a Unix socket; tsbuild forwards running SSH agents only (start ssh-agent, ssh-add the key, and pass its SSH_AUTH_SOCK)`);
    out.set(id, abs);
  }
  return out;
}
