import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** StoreRootInputs are the facts resolveStoreRoot decides from; tests pass their own. */
export interface StoreRootInputs {
  readonly flag?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly home?: string;
}

/** SYSTEM_STORE_ROOT is where root keeps its store, like /var/lib/docker and /var/lib/containers. */
export const SYSTEM_STORE_ROOT = "/var/lib/tsbuild";

/**
 * resolveStoreRoot picks the store directory: `--root` wins, then `TSBUILD_ROOT`, then
 * `/var/lib/tsbuild` for uid 0, else `$XDG_DATA_HOME/tsbuild`, else `~/.local/share/tsbuild`.
 * Why: root shares one system store the way dockerd and podman do, while an unprivileged user
 * cannot write /var/lib and follows the XDG base directory spec (as rootless podman does).
 * The result is always absolute.
 */
export function resolveStoreRoot(inputs: StoreRootInputs = {}): string {
  const env = inputs.env ?? process.env;
  if (inputs.flag) return resolve(inputs.flag);
  if (env.TSBUILD_ROOT) return resolve(env.TSBUILD_ROOT);
  const uid = inputs.uid ?? (typeof process.getuid === "function" ? process.getuid() : -1);
  if (uid === 0) return SYSTEM_STORE_ROOT;
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, "tsbuild");
  return join(inputs.home ?? homedir(), ".local", "share", "tsbuild");
}
