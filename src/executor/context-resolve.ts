/**
 * Path resolution inside the context snapshot, with the semantics BuildKit gets from
 * continuity's fs.RootPath: the context root acts as `/`. A source is first cleaned lexically as
 * if it were absolute (so `../x` and `/x` both mean `x`: clamped, not refused, as the Dockerfile
 * reference says), then looked up one component at a time in the walked tree; a symlink met on
 * the way is followed inside the root (an absolute target restarts at the context root, `..`
 * stops at it). Nothing here touches the file system, so nothing outside the context is reached.
 */
import { goClean } from "../core/dockerignore.js";
import { joinPath, type BuildContext, type ContextEntry } from "./context-types.js";

/** MAX_LINK_HOPS is Linux's limit on symlinks followed in one lookup (ELOOP past it). */
export const MAX_LINK_HOPS = 40;

/** Resolved is a path found in the snapshot. */
export interface Resolved {
  readonly path: string;
  readonly entry: ContextEntry;
  /** Symlinks followed on the way, in order (their targets decide what was found). */
  readonly links: readonly ContextEntry[];
}

/** Unresolved says why a lookup failed. */
export interface Unresolved {
  readonly missing: string;
  readonly reason: "missing" | "not a directory" | "symlink loop";
  readonly links: readonly ContextEntry[];
  /** A followed symlink whose target pointed outside the context (and was clamped). */
  readonly escaped: ContextEntry | undefined;
}

/** cleanSource turns a COPY source or mount path into a context-relative path ("." for the root). */
export function cleanSource(source: string): string {
  const p = goClean("/" + source).slice(1);
  return p === "" ? "." : p;
}

/** escapes reports whether following the symlink `link` leaves the root (absolute or too many `..`). */
function escapes(link: ContextEntry): boolean {
  const target = link.target ?? "";
  if (target.startsWith("/")) return true;
  const depth = link.path.split("/").length - 1;
  let level = depth;
  for (const part of target.split("/")) {
    if (part === "..") level--;
    else if (part !== "" && part !== ".") level++;
    if (level < 0) return true;
  }
  return false;
}

/**
 * resolvePath looks `path` (already cleaned, context-relative) up in the snapshot. Symlinks in
 * intermediate components are always followed inside the root; the last one only when
 * `followLast` is true.
 */
export function resolvePath(ctx: BuildContext, path: string, followLast: boolean): Resolved | Unresolved {
  const stack: string[] = [];
  const todo = path === "." ? [] : path.split("/");
  const links: ContextEntry[] = [];
  let escaped: ContextEntry | undefined;
  const fail = (reason: Unresolved["reason"], at: string): Unresolved => ({ missing: at, reason, links, escaped });
  while (todo.length > 0) {
    const name = todo.shift() as string;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      stack.pop();
      continue;
    }
    const cur = joinPath(stack.length === 0 ? "." : stack.join("/"), name);
    const entry = ctx.entries.get(cur);
    if (!entry) return fail("missing", cur);
    if (entry.type === "symlink" && (todo.length > 0 || followLast)) {
      if (links.length >= MAX_LINK_HOPS) return fail("symlink loop", cur);
      links.push(entry);
      if (escapes(entry)) escaped ??= entry;
      const target = entry.target ?? "";
      if (target.startsWith("/")) stack.length = 0;
      todo.unshift(...target.split("/"));
      continue;
    }
    if (todo.length > 0 && entry.type !== "dir") return fail("not a directory", cur);
    stack.push(name);
  }
  const final = stack.length === 0 ? "." : stack.join("/");
  return { path: final, entry: ctx.entries.get(final) as ContextEntry, links };
}

/** isResolved narrows a resolvePath result. */
export function isResolved(r: Resolved | Unresolved): r is Resolved {
  return "entry" in r;
}
