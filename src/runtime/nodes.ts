import { runChecked } from "./exec-capture.js";

/** SpecialNode is a device node or FIFO to create (Node has no mknod). */
export interface SpecialNode {
  readonly path: string;
  readonly type: "char" | "block" | "fifo";
  readonly major?: number;
  readonly minor?: number;
}

/** ARGS_PER_CALL keeps each helper call far below the kernel's argument size limit. */
const ARGS_PER_CALL = 2000;

const SCRIPT = 'while [ "$#" -gt 0 ]; do case "$1" in p) mknod -m 600 -- "$2" p;; *) mknod -m 600 -- "$2" "$1" "$3" "$4";; esac || exit 1; shift 4; done';

/**
 * makeNodes creates device nodes and FIFOs (mode 0600; the caller sets owner and mode after)
 * with a few batched `mknod` calls. Paths must be absolute and their parents must exist.
 */
export async function makeNodes(nodes: readonly SpecialNode[]): Promise<void> {
  for (let i = 0; i < nodes.length; i += ARGS_PER_CALL / 4) {
    const args = nodes.slice(i, i + ARGS_PER_CALL / 4).flatMap((n) => [n.type === "fifo" ? "p" : n.type === "char" ? "c" : "b", n.path, String(n.major ?? 0), String(n.minor ?? 0)]);
    await runChecked(["sh", "-c", SCRIPT, "sh", ...args], "creating device nodes");
  }
}

/** makeWhiteouts creates overlayfs whiteouts (character devices 0/0) at the given absolute paths. */
export function makeWhiteouts(paths: readonly string[]): Promise<void> {
  return makeNodes(paths.map((path) => ({ path, type: "char", major: 0, minor: 0 })));
}
