/**
 * SSH agent forwarding for `RUN --mount=type=ssh` (Dockerfile reference "RUN --mount=type=ssh"):
 * each ssh mount gets a fresh Unix socket, owned and moderated as the mount says, that relays
 * every connection to the host agent's socket. The step sees only the relay socket at its target;
 * no key, agent reply or host socket path reaches a layer, a cache key or the history.
 */
import { mkdtemp, chmod, chown, rm } from "node:fs/promises";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** MAX_SOCKET_PATH is the longest Unix socket path that fits sockaddr_un (108 bytes with the NUL) on Linux. */
const MAX_SOCKET_PATH = 107;

/** SshRelay is one listening relay socket; close() stops it and cuts every open connection. */
export interface SshRelay {
  readonly path: string;
  close(): Promise<void>;
}

/** RelayOwner is the socket's mode and owner inside the step (BuildKit's defaults: 0600, 0:0). */
export interface RelayOwner {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** relayPath returns `dir/name`, or, when that is too long for a socket address, a path in a fresh private dir under the system temp dir. */
async function relayPath(dir: string, name: string): Promise<{ path: string; cleanup: string | undefined }> {
  const path = join(dir, name);
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return { path, cleanup: undefined };
  const short = await mkdtemp(join(tmpdir(), "tsbuild-ssh-"));
  return { path: join(short, name), cleanup: short };
}

/** pipeBoth relays one step connection to a fresh connection to the agent, closing both when either ends. */
function pipeBoth(client: Socket, agent: string, open: Set<Socket>): void {
  const upstream = connect(agent);
  open.add(client).add(upstream);
  const drop = (): void => {
    client.destroy();
    upstream.destroy();
    open.delete(client);
    open.delete(upstream);
  };
  // A broken connection on either side (the agent went away, the step's client quit) ends this
  // relay only; the step's SSH client sees the closed connection and reports it.
  client.on("error", drop).on("close", drop);
  upstream.on("error", drop).on("close", drop);
  client.pipe(upstream);
  upstream.pipe(client);
}

/**
 * startSshRelay listens on a new socket named `name` in `dir` (a private scratch dir) that
 * relays to the agent socket `agent`, with `owner`'s mode, uid and gid.
 */
export async function startSshRelay(dir: string, name: string, agent: string, owner: RelayOwner): Promise<SshRelay> {
  const { path, cleanup } = await relayPath(dir, name);
  const open = new Set<Socket>();
  const server = createServer((client) => pipeBoth(client, agent, open));
  const close = async (): Promise<void> => {
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (cleanup) await rm(cleanup, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    await chmod(path, owner.mode);
    await chown(path, owner.uid, owner.gid);
  } catch (err) {
    if (server.listening) await close();
    else if (cleanup) await rm(cleanup, { recursive: true, force: true });
    throw err;
  }
  return { path, close };
}
