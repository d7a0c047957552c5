import { TsbuildError } from "../../core/index.js";
import { findOnPath, runCommand } from "../process.js";

/** BuiltinTools are the absolute paths of the host programs the builtin driver runs. */
export interface BuiltinTools {
  readonly sh: string;
  readonly unshare: string;
  readonly setpriv: string;
  readonly env: string;
  readonly umount: string;
  readonly mount: string;
  readonly mknod: string;
  readonly pivotRoot: string;
  readonly cp: string;
  readonly ip: string | undefined;
}

const REQUIRED = { sh: "bash", unshare: "unshare", setpriv: "setpriv", env: "env", umount: "umount", mount: "mount", mknod: "mknod", pivotRoot: "pivot_root", cp: "cp" } as const;

/** HOST_PATH is the PATH the builtin driver's setup script runs with. */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * findBuiltinTools locates util-linux (unshare, setpriv, mount, umount, pivot_root), coreutils
 * (env, mknod, cp) and bash on `pathEnv` (bash, unlike dash, can close any fd number); `ip` (iproute2) is optional and only brings loopback up for
 * `--network none`. Throws naming the missing programs.
 */
export async function findBuiltinTools(pathEnv = HOST_PATH): Promise<BuiltinTools> {
  const found: Record<string, string | undefined> = {};
  for (const [key, name] of Object.entries(REQUIRED)) found[key] = await findOnPath(name, pathEnv);
  const missing = Object.entries(REQUIRED).filter(([key]) => !found[key]).map(([, name]) => name);
  if (missing.length > 0) {
    throw new TsbuildError("Runtime", `the builtin driver needs ${missing.join(", ")} on PATH; install util-linux and coreutils`);
  }
  return { ...(found as Record<keyof typeof REQUIRED, string>), ip: await findOnPath("ip", pathEnv) };
}

/**
 * sharedLibraries returns the files the dynamic loader maps for `programs` (ldd's resolved
 * paths plus the loader itself), so the programs can run from a staging root that holds only
 * them. Throws when ldd fails.
 */
export async function sharedLibraries(programs: readonly string[]): Promise<string[]> {
  const result = await runCommand(["ldd", ...programs]);
  if (result.code !== 0) throw new TsbuildError("Runtime", `ldd ${programs.join(" ")} failed: ${result.stderr.trim()}`);
  const files = new Set<string>();
  for (const line of result.stdout.split("\n")) {
    const m = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s+(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) files.add(m[1]);
  }
  return [...files];
}
