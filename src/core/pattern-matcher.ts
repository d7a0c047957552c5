/**
 * Path pattern matching with the semantics of moby/patternmatcher (what BuildKit uses for
 * .dockerignore and COPY/ADD --exclude): Go filepath.Match syntax (`*`, `?`, `[...]`, `[^...]`,
 * `\` escapes) plus `**` for any number of directories, last matching pattern wins, and a path
 * also counts as matched when one of its parent directories matches.
 *
 * Patterns are compiled to a small NFA that is simulated state-set by state-set, so matching
 * costs O(path length x pattern length) and never backtracks (no RegExp is built).
 */

/** PatternError describes a pattern that cannot be compiled. */
export interface PatternError {
  readonly message: string;
  /** 0-based offset in the pattern where the problem was found. */
  readonly offset: number;
}

type Node =
  | { readonly k: "lit"; readonly cp: number }
  | { readonly k: "one" }
  | { readonly k: "class"; readonly negated: boolean; readonly ranges: readonly (readonly [number, number])[] }
  | { readonly k: "star" }
  | { readonly k: "all" }
  | { readonly k: "group" }
  | { readonly k: "groupBody" };

/** How a compiled pattern is evaluated; mirrors patternmatcher's exact/prefix/suffix/regexp split. */
type Mode = "exact" | "prefix" | "suffix" | "nfa";

/** CompiledPattern is one cleaned pattern ready to match slash-separated relative paths. */
export interface CompiledPattern {
  /** The cleaned pattern without its `!`. */
  readonly pattern: string;
  /** True for a `!` exception (re-includes what earlier patterns excluded). */
  readonly exclusion: boolean;
  /** matchPath tests one path (no parent logic). */
  matchPath(path: string): boolean;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/** UNCLEAN finds what path.Clean would change: `.`/`..` elements, `//`, a trailing `/`. */
const UNCLEAN = /(?:^|\/)\.{1,2}(?:\/|$)|\/\/|.\/$/;

/**
 * goClean is Go's path.Clean: collapses `//`, removes `.` elements, resolves `..` lexically,
 * drops a trailing slash; the empty path becomes `.`.
 */
export function goClean(p: string): string {
  if (p === "") return ".";
  if (!UNCLEAN.test(p)) return p;
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** goDir is Go's path.Dir: everything before the last slash, cleaned. */
export function goDir(p: string): string {
  const i = p.lastIndexOf("/");
  return goClean(i < 0 ? "" : p.slice(0, i + 1));
}

/**
 * validateGlob checks a pattern against Go's filepath.Match grammar and returns the first
 * problem, or undefined. A class is `[`, optional `^`, one or more `c` or `c-c` items, `]`;
 * a class item cannot be a bare `-` or `]`; a trailing `\` is an error.
 */
export function validateGlob(p: readonly number[]): PatternError | undefined {
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === BACKSLASH) {
      if (i + 1 >= p.length) return { message: "a trailing backslash escapes nothing", offset: i };
      i += 2;
    } else if (c === 0x5b) {
      const end = classEnd(p, i);
      if (typeof end !== "number") return end;
      i = end;
    } else {
      i++;
    }
  }
  return undefined;
}

/**
 * classEnd returns the index just past the class that starts at `start`, or the error. A range
 * whose end is below its start (`[z-a]`) is an error too: patternmatcher's regexp rejects it.
 */
function classEnd(p: readonly number[], start: number): number | PatternError {
  const unclosed = { message: "unclosed or malformed character class `[`", offset: start };
  let i = start + 1;
  if (p[i] === 0x5e) i++;
  let items = 0;
  for (;;) {
    if (p[i] === 0x5d && items > 0) return i + 1;
    const lo = classChar(p, i);
    if (lo === undefined) return unclosed;
    i = lo.next;
    if (p[i] === 0x2d) {
      const hi = classChar(p, i + 1);
      if (hi === undefined) return unclosed;
      if (hi.cp < lo.cp) return { message: "character class range is out of order", offset: start };
      i = hi.next;
    }
    items++;
  }
}

/** classChar validates one (possibly escaped) class character at i; returns it and the next index. */
function classChar(p: readonly number[], i: number): { cp: number; next: number } | undefined {
  const c = p[i];
  if (c === undefined || c === 0x2d || c === 0x5d) return undefined;
  const j = c === BACKSLASH ? i + 1 : i;
  const cp = p[j];
  if (cp === undefined || j + 1 >= p.length) return undefined;
  return { cp, next: j + 1 };
}

/**
 * readClass parses a validated class starting at `start` into a node; returns it and the next
 * index. Deviation: `*` and `?` inside a class are literal (see grammar/DEVIATIONS.md).
 */
function readClass(p: readonly number[], start: number): { node: Node; next: number } {
  let i = start + 1;
  const negated = p[i] === 0x5e;
  if (negated) i++;
  const ranges: [number, number][] = [];
  const take = (): number => {
    if (p[i] === BACKSLASH) i++;
    return p[i++] ?? 0;
  };
  while (!(p[i] === 0x5d && ranges.length > 0)) {
    const lo = take();
    let hi = lo;
    if (p[i] === 0x2d) {
      i++;
      hi = take();
    }
    ranges.push([lo, hi]);
  }
  return { node: { k: "class", negated, ranges }, next: i + 1 };
}

/**
 * compileNodes turns a validated pattern into NFA nodes and the evaluation mode, following
 * patternmatcher's translation: `**` then `/` is "any directories or none", a final `**` is
 * "anything", a leading `**` picks suffix mode while nothing else needs the NFA.
 */
function compileNodes(p: readonly number[]): { nodes: Node[]; mode: Mode } {
  const nodes: Node[] = [];
  let mode: Mode = "exact";
  let i = 0;
  for (let tok = 0; i < p.length; tok++) {
    const c = p[i] as number;
    if (c === 0x2a && p[i + 1] === 0x2a) {
      const d = doubleStar(p, i + 2, mode);
      nodes.push(...d.nodes);
      mode = tok === 0 ? "suffix" : d.mode;
      i = d.next;
      continue;
    }
    const one = singleToken(p, i);
    nodes.push(one.node);
    if (one.special) mode = "nfa";
    i = one.next;
  }
  return { nodes, mode };
}

/** doubleStar compiles the `**` ending just before `i`: `**` + `/` + more, or a final `**`. */
function doubleStar(p: readonly number[], i: number, mode: Mode): { nodes: Node[]; mode: Mode; next: number } {
  const next = p[i] === SLASH ? i + 1 : i;
  if (next >= p.length) return { nodes: [{ k: "all" }], mode: mode === "exact" ? "prefix" : "nfa", next };
  return { nodes: [{ k: "group" }, { k: "groupBody" }], mode: "nfa", next };
}

/** singleToken compiles one `*`, `?`, escape, class or literal at `i`; `special` if not a plain literal. */
function singleToken(p: readonly number[], i: number): { node: Node; next: number; special: boolean } {
  const c = p[i] as number;
  if (c === 0x2a) return { node: { k: "star" }, next: i + 1, special: true };
  if (c === 0x3f) return { node: { k: "one" }, next: i + 1, special: true };
  if (c === BACKSLASH && i + 1 < p.length) {
    // Deviation: `\x` is always the literal x (filepath.Match), never a regexp class like `\d`.
    return { node: { k: "lit", cp: p[i + 1] as number }, next: i + 2, special: true };
  }
  if (c === 0x5b) {
    const { node, next } = readClass(p, i);
    return { node, next, special: true };
  }
  // Deviation: `^` is literal here; patternmatcher's regexp turns it into an anchor.
  return { node: { k: "lit", cp: c }, next: i + 1, special: false };
}

/** closure adds node i and everything reachable from it without input. */
function closure(nodes: readonly Node[], set: Uint8Array, i: number): void {
  if (set[i]) return;
  set[i] = 1;
  const n = nodes[i];
  if (n === undefined) return;
  if (n.k === "star" || n.k === "all") closure(nodes, set, i + 1);
  else if (n.k === "group") {
    closure(nodes, set, i + 1);
    closure(nodes, set, i + 2);
  }
}

/** classHas tests a code point against a class node. */
function classHas(n: Extract<Node, { k: "class" }>, cp: number): boolean {
  const inside = n.ranges.some(([lo, hi]) => lo <= cp && cp <= hi);
  return inside !== n.negated;
}

/** step moves every live state over one code point. */
function step(nodes: readonly Node[], cur: Uint8Array, next: Uint8Array, cp: number): void {
  for (let i = 0; i < nodes.length; i++) {
    if (!cur[i]) continue;
    const n = nodes[i] as Node;
    switch (n.k) {
      case "lit":
        if (n.cp === cp) closure(nodes, next, i + 1);
        break;
      case "one":
        if (cp !== SLASH) closure(nodes, next, i + 1);
        break;
      case "class":
        if (classHas(n, cp)) closure(nodes, next, i + 1);
        break;
      case "star":
        if (cp !== SLASH) closure(nodes, next, i);
        break;
      case "all":
        closure(nodes, next, i);
        break;
      case "groupBody":
        closure(nodes, next, i);
        if (cp === SLASH) closure(nodes, next, i + 1);
        break;
      case "group":
        break;
    }
  }
}

/** runNfa reports whether the whole input is accepted; two state sets are reused across steps. */
function runNfa(nodes: readonly Node[], input: string): boolean {
  let cur = new Uint8Array(nodes.length + 1);
  let next = new Uint8Array(nodes.length + 1);
  closure(nodes, cur, 0);
  for (const ch of input) {
    next.fill(0);
    step(nodes, cur, next, ch.codePointAt(0) as number);
    [cur, next] = [next, cur];
    if (!cur.includes(1)) return false;
  }
  return cur[nodes.length] === 1;
}

/**
 * literalEnds returns the literal text every match must start and end with: the `lit` nodes
 * before the first other node and after the last one. A cheap test on them rejects most paths
 * before the NFA runs.
 */
function literalEnds(nodes: readonly Node[]): { prefix: string; suffix: string } {
  const lit = (n: Node | undefined): n is Extract<Node, { k: "lit" }> => n?.k === "lit";
  let a = 0;
  while (lit(nodes[a])) a++;
  let b = nodes.length;
  while (b > a && lit(nodes[b - 1])) b--;
  const text = (from: number, to: number): string =>
    String.fromCodePoint(...nodes.slice(from, to).map((n) => (n as Extract<Node, { k: "lit" }>).cp));
  return { prefix: text(0, a), suffix: text(b, nodes.length) };
}

/** nfaMatcher wraps runNfa with the literal prefix/suffix pre-check. */
function nfaMatcher(nodes: readonly Node[]): (path: string) => boolean {
  const { prefix, suffix } = literalEnds(nodes);
  const min = prefix.length + suffix.length;
  return (path) => path.length >= min && path.startsWith(prefix) && path.endsWith(suffix) && runNfa(nodes, path);
}

/**
 * compilePattern compiles one pattern as written in a .dockerignore line or an `--exclude`
 * flag (after `!` handling): it is cleaned, checked against filepath.Match's grammar and
 * translated. Returns the compiled pattern or the error.
 */
export function compilePattern(raw: string, exclusion: boolean): CompiledPattern | PatternError {
  const cps = Array.from(raw, (ch) => ch.codePointAt(0) as number);
  const err = validateGlob(cps);
  if (err) return err;
  const { nodes, mode } = compileNodes(cps);
  let matchPath: (path: string) => boolean;
  if (mode === "exact") matchPath = (path) => path === raw;
  else if (mode === "prefix") matchPath = (path) => path.startsWith(raw.slice(0, -2));
  else if (mode === "suffix") {
    // As in patternmatcher, a leading `**` not followed by `/` matches by plain suffix
    // (`**foo` matches `xfoo`).
    const suffix = raw.slice(2);
    matchPath = (path) => path.endsWith(suffix) || (suffix.startsWith("/") && path === suffix.slice(1));
  } else matchPath = nfaMatcher(nodes);
  return { pattern: raw, exclusion, matchPath };
}
