/**
 * Source selection: which context entries a COPY/ADD or a context bind mount reads, with
 * BuildKit's copy semantics (fsutil copy.Copy as driven by the Dockerfile frontend):
 * - a source is cleaned as an absolute path (`../x`, `/x` -> `x`) and resolved inside the root,
 *   following symlinks there (FollowSymlinks); inside a copied directory symlinks stay symlinks;
 * - wildcards use Go filepath.Match per path (`*` never crosses `/`; outside `--parents`, `**`
 *   is just `*`, as in filepath.Match); a matched directory is taken whole, a wildcard that
 *   matches nothing selects nothing (AllowEmptyWildcard);
 * - a directory source selects itself and its whole subtree (its contents are copied);
 * - `--exclude` patterns match paths relative to each selected root, never the root itself;
 * - `--parents`: the part before `/./` (or the context root) is the pivot, the rest an include
 *   pattern with .dockerignore matching (`**` works); kept entries bring their parent dirs.
 */
import { createPatternMatcher, goClean, type IgnoreMatcher } from "../core/dockerignore.js";
import { compilePattern } from "../core/pattern-matcher.js";
import { cleanSource, isResolved, resolvePath, type Resolved, type Unresolved } from "./context-resolve.js";
import { ContextError, sortByBytes, joinPath, type BuildContext, type ContextEntry } from "./context-types.js";

/** SelectOptions are the COPY/ADD flags that change what is read. */
export interface SelectOptions {
  readonly excludes?: readonly string[];
  readonly parents?: boolean;
  /** Follow a source that is itself a symlink (default true, as COPY in BuildKit). */
  readonly followLinks?: boolean;
}

/** SelectedRoot is one resolved source root and what is read below it. */
export interface SelectedRoot {
  /** The source as written. */
  readonly source: string;
  /** The resolved context path copied from (a file, or a directory whose contents are copied). */
  readonly path: string;
  /**
   * The context path the source named, before a symlink that is the source itself was followed:
   * a copied file takes this path's last component as its name (BuildKit names it after the
   * source, not the link's target). Equal to `path` when no such symlink was followed.
   */
  readonly named: string;
  /** The root entry first, then the kept entries below it; context-relative paths, sorted bytewise. */
  readonly entries: readonly ContextEntry[];
}

/** Selection is everything one instruction reads from the context. */
export interface Selection {
  readonly roots: readonly SelectedRoot[];
  /** Symlinks followed while resolving sources (their targets decide what was selected). */
  readonly links: readonly ContextEntry[];
  /** Union of the roots' entries and links, one per path, sorted bytewise by path. */
  readonly entries: readonly ContextEntry[];
}

/** containsWildcards reports an unescaped `*`, `?` or `[` (fsutil's rule). */
export function containsWildcards(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[") return true;
  }
  return false;
}

/** splitWildcards splits a clean path into the part before the first wildcard component and the rest. */
function splitWildcards(path: string): { dir: string; pattern: string } {
  const parts = path.split("/");
  const i = parts.findIndex(containsWildcards);
  if (i < 0) return { dir: path, pattern: "" };
  return { dir: parts.slice(0, i).join("/") || ".", pattern: parts.slice(i).join("/") };
}

/** collapseStars turns each unescaped run of `*` into one, which is what filepath.Match means by it. */
function collapseStars(p: string): string {
  let out = "";
  let star = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string;
    if (c === "\\" && i + 1 < p.length) out += c + p[++i];
    else if (c !== "*" || !star) out += c;
    star = c === "*";
  }
  return out;
}

/** patternError is the error for a malformed wildcard or pattern. */
function patternError(source: string, message: string): ContextError {
  return new ContextError("ContextPattern", `invalid pattern in source "${source}": ${message}; escape [ ] * ? with a backslash to use them literally`);
}

/** globUnder lists context paths below `base` whose base-relative path matches `pattern` (a match is not descended). */
function globUnder(ctx: BuildContext, source: string, base: string, pattern: string): string[] {
  const compiled = compilePattern(collapseStars(pattern), false);
  // Deviation: filepath.Match's ErrBadPattern is ignored by fsutil (nothing matches, nothing is
  // copied); tsbuild reports the malformed pattern.
  if ("message" in compiled) throw patternError(source, compiled.message);
  const depth = pattern.split("/").length;
  const out: string[] = [];
  const visit = (dir: string, rel: string, level: number): void => {
    for (const name of ctx.children.get(dir) ?? []) {
      const full = joinPath(dir, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      if (compiled.matchPath(r)) out.push(full);
      else if (level < depth && ctx.entries.get(full)?.type === "dir") visit(full, r, level + 1);
    }
  };
  visit(base, "", 1);
  return out;
}

/** notFound builds the error for a source that does not resolve, with the likely reason. */
function notFound(ctx: BuildContext, source: string, r: Unresolved): ContextError {
  const clean = cleanSource(source);
  const notes: string[] = [];
  if (r.reason !== "missing") notes.push(`"${r.missing}" is ${r.reason === "symlink loop" ? "part of a symlink loop" : "not a directory"}`);
  if (ctx.ignore?.matcher.matches(clean)) notes.push(`it is excluded by ${ctx.ignoreFile}`);
  if (r.escaped) notes.push(`symlink "${r.escaped.path}" points to "${r.escaped.target}", outside the build context; sources are resolved inside the context root`);
  if (goClean(source).startsWith("..")) notes.push(`sources cannot leave the context: "${source}" is read as "${clean}"`);
  const why = notes.length > 0 ? `: ${notes.join("; ")}` : "";
  return new ContextError("ContextSourceNotFound", `source "${source}" not found in the build context ${ctx.root}${why}`);
}

/** matcherOrThrow compiles --exclude or --parents patterns. */
function matcherOrThrow(patterns: readonly string[], source: string): IgnoreMatcher {
  const m = createPatternMatcher(patterns);
  if ("error" in m) throw patternError(source, m.error);
  return m;
}

/**
 * collect returns the entries below `root` that are kept: an entry is kept when `include` (if
 * any) matches its root-relative path or a parent's, and `exclude` does not; a directory is also
 * kept when something below it is.
 */
function collect(ctx: BuildContext, root: string, include: IgnoreMatcher | undefined, exclude: IgnoreMatcher | undefined): ContextEntry[] {
  const out: ContextEntry[] = [];
  const visit = (dir: string, rel: string): boolean => {
    let any = false;
    for (const name of ctx.children.get(dir) ?? []) {
      const full = joinPath(dir, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      const entry = ctx.entries.get(full) as ContextEntry;
      const excluded = exclude?.matches(r) ?? false;
      const keep = !excluded && (include?.matches(r) ?? true);
      const descend = entry.type === "dir" && (!excluded || (exclude?.hasExclusions ?? false));
      if ((descend && visit(full, r)) || keep) {
        out.push(entry);
        any = true;
      }
    }
    return any;
  };
  visit(root, "");
  return out;
}

/** rootOf builds one SelectedRoot from a resolved path. */
function rootOf(ctx: BuildContext, source: string, named: string, r: Resolved, include: IgnoreMatcher | undefined, exclude: IgnoreMatcher | undefined): SelectedRoot {
  const below = r.entry.type === "dir" ? collect(ctx, r.path, include, exclude) : [];
  sortByBytes(below, (e) => e.path);
  return { source, path: r.path, named, entries: [r.entry, ...below] };
}

/** RootSpec is how one source's roots are found and filled. */
interface RootSpec {
  readonly source: string;
  readonly wildcards: boolean;
  /** Follow a symlink that is the source itself (COPY: yes, as BuildKit's FollowSymlinks). */
  readonly follow: boolean;
  readonly include: IgnoreMatcher | undefined;
  readonly exclude: IgnoreMatcher | undefined;
}

/** resolveOrThrow resolves a clean path, or throws the not-found error. */
function resolveOrThrow(ctx: BuildContext, source: string, path: string, follow: boolean): Resolved {
  const r = resolvePath(ctx, path, follow);
  if (!isResolved(r)) throw notFound(ctx, source, r);
  return r;
}

/**
 * rootsFor resolves one clean source path into roots: itself (must exist) without wildcards,
 * else every match below the wildcard-free leading directory (possibly none).
 */
function rootsFor(ctx: BuildContext, spec: RootSpec, clean: string, links: ContextEntry[]): SelectedRoot[] {
  const { dir, pattern } = spec.wildcards ? splitWildcards(clean) : { dir: clean, pattern: "" };
  const paths = pattern === "" ? [clean] : (() => {
    const base = resolvePath(ctx, dir, true);
    if (!isResolved(base) || base.entry.type !== "dir") return [];
    links.push(...base.links);
    return globUnder(ctx, spec.source, base.path, pattern);
  })();
  return paths.map((p) => {
    const r = resolveOrThrow(ctx, spec.source, p, spec.follow);
    links.push(...r.links);
    return rootOf(ctx, spec.source, p, r, spec.include, spec.exclude);
  });
}

/**
 * selectParents handles one `--parents` source: the pivot (which may hold wildcards) gives the
 * roots, the rest is an include pattern below each; without wildcards the full path must exist.
 */
function selectParents(ctx: BuildContext, spec: RootSpec, links: ContextEntry[]): SelectedRoot[] {
  const { source } = spec;
  const cut = source.indexOf("/./");
  const pivot = cut < 0 ? "." : cleanSource(source.slice(0, cut));
  const pattern = cleanSource(cut < 0 ? source : source.slice(cut + 3));
  const include = matcherOrThrow([pattern === "." ? "" : pattern], source);
  if (!containsWildcards(pivot) && !containsWildcards(pattern)) {
    links.push(...resolveOrThrow(ctx, source, cleanSource(`${pivot}/${pattern}`), spec.follow).links);
  }
  return rootsFor(ctx, { ...spec, include }, pivot, links);
}

/** unionOf merges roots and links into one sorted list, one entry per path. */
function unionOf(roots: readonly SelectedRoot[], links: readonly ContextEntry[]): ContextEntry[] {
  // One root and no links: its paths are unique already.
  if (roots.length === 1 && links.length === 0) return sortByBytes([...(roots[0] as SelectedRoot).entries], (e) => e.path);
  const byPath = new Map<string, ContextEntry>();
  for (const e of links) byPath.set(e.path, e);
  for (const root of roots) for (const e of root.entries) byPath.set(e.path, e);
  return sortByBytes([...byPath.values()], (e) => e.path);
}

/**
 * select returns what a COPY/ADD with these sources and flags reads from the context. A source
 * without wildcards that does not exist is a ContextError naming it (the caller adds the
 * Dockerfile line); a malformed pattern is a ContextError too.
 */
export function select(ctx: BuildContext, sources: readonly string[], opts: SelectOptions = {}): Selection {
  const roots: SelectedRoot[] = [];
  const links: ContextEntry[] = [];
  for (const source of sources) {
    const exclude = opts.excludes && opts.excludes.length > 0 ? matcherOrThrow(opts.excludes, source) : undefined;
    const spec: RootSpec = { source, wildcards: true, follow: opts.followLinks ?? true, include: undefined, exclude };
    roots.push(...(opts.parents ? selectParents(ctx, spec, links) : rootsFor(ctx, spec, cleanSource(source), links)));
  }
  return { roots, links: unionOf([], links), entries: unionOf(roots, links) };
}

/**
 * selectMount returns what `RUN --mount=type=bind` of context path `source` reads: no
 * wildcards, a missing path is an error; a symlink source is followed unless `follow` is false.
 */
export function selectMount(ctx: BuildContext, source: string, follow = true): Selection {
  const links: ContextEntry[] = [];
  const spec: RootSpec = { source, wildcards: false, follow, include: undefined, exclude: undefined };
  const roots = rootsFor(ctx, spec, cleanSource(source), links);
  return { roots, links: unionOf([], links), entries: unionOf(roots, links) };
}
