// Shell patterns of `${v#p}`, `${v%p}` and `${v/p/r}`, matched in linear time without RegExp.
//
// BuildKit turns a pattern into a Go RE2 regexp (`*` -> `.*` or `.*?`, `?` -> `.`) and takes the
// leftmost-first match. This file compiles the pattern to a tiny program and runs it with a Pike VM
// (a thread list ordered by priority), which gives the same match as RE2, including that `*` and `?`
// never match a newline (Go's `.`), in O(value length x pattern length) with no backtracking.
import { EOF } from "./chars.js";
import { LimitError } from "./errors.js";
import { Scanner } from "./scanner.js";
import { MAX_PATTERN_STEPS } from "./types.js";

const ANY = -1;
const STAR = -2;
const NEWLINE = 0x0a;

/** GlobProgram is a compiled pattern: each op is a literal code point, ANY (`?`) or STAR (`*`). */
export interface GlobProgram {
  readonly ops: Int32Array;
  /** greedy makes every `*` prefer the longest string (RE2 `.*`); otherwise the shortest (`.*?`). */
  readonly greedy: boolean;
}

/** StepBudget counts matcher work for one substitution; `spend` throws LimitError when it runs out. */
export class StepBudget {
  private left: number;
  constructor(steps = MAX_PATTERN_STEPS) {
    this.left = steps;
  }
  spend(n: number): void {
    // Deviation: BuildKit's RE2 matching has no work limit; see grammar/DEVIATIONS.md.
    this.left -= n;
    if (this.left < 0) {
      throw new LimitError(
        `pattern matching needed more than ${MAX_PATTERN_STEPS} steps (the pattern work limit); ` +
          "use a shorter pattern or value",
      );
    }
  }
}

/**
 * compileGlob compiles `pattern` or returns BuildKit's error text. `\*`, `\?` and `\\` are literals,
 * `\}` and `\/` drop the backslash, any other escape is an error; there are no bracket classes.
 */
export function compileGlob(pattern: string, greedy: boolean): { program: GlobProgram } | { error: string } {
  const s = new Scanner(pattern);
  const ops: number[] = [];
  for (let tok = s.next(); tok !== EOF; tok = s.next()) {
    if (tok === 0x2a) {
      ops.push(STAR);
      continue;
    }
    if (tok === 0x3f) {
      ops.push(ANY);
      continue;
    }
    if (tok === 0x5c) {
      const after = s.peek();
      if (after === 0x7d || after === 0x2f) continue;
      tok = s.next();
      if (tok !== 0x2a && tok !== 0x3f && tok !== 0x5c) {
        // Go formats EOF (-1) with %c as below; BuildKit's message for a trailing backslash.
        const shown = tok === EOF ? "%!c(int32=-1)" : String.fromCodePoint(tok);
        return { error: `invalid escape '\\${shown}'` };
      }
    }
    ops.push(tok);
  }
  return { program: { ops: Int32Array.from(ops), greedy } };
}

/** ThreadList is one step's threads in priority order: a program position and a match start each. */
class ThreadList {
  readonly states: Int32Array;
  readonly starts: Int32Array;
  n = 0;
  constructor(size: number) {
    this.states = new Int32Array(size);
    this.starts = new Int32Array(size);
  }
}

/** addThread adds program position `s` and every position reachable through `*` without input (its closure). */
function addThread(list: ThreadList, mark: Int32Array, gen: number, prog: GlobProgram, s: number, start: number): void {
  const ops = prog.ops;
  let j = s;
  while (j < ops.length && ops[j] === STAR) j++;
  let k = s;
  while (k <= j && mark[k] !== gen) k++;
  // Positions s..k-1 are new; k (if <= j) is already in the list with its whole closure.
  const { states, starts } = list;
  let n = list.n;
  if (prog.greedy) {
    // A greedy star prefers looping (its own position) over moving on, so shallow positions come first.
    for (let t = s; t < k; t++) {
      mark[t] = gen;
      states[n] = t;
      starts[n++] = start;
    }
  } else {
    // A lazy star prefers moving on: the deepest position first, then back to s.
    for (let t = k > j ? j : k - 1; t >= s; t--) {
      mark[t] = gen;
      states[n] = t;
      starts[n++] = start;
    }
  }
  list.n = n;
}

/** Matcher is the per-search state of the Pike VM: two thread lists and the dedup marks. */
interface Matcher {
  readonly prog: GlobProgram;
  clist: ThreadList;
  nlist: ThreadList;
  readonly mark: Int32Array;
}

/**
 * step advances every thread of `clist` over code point `c` (EOF at the end) into `nlist`, in
 * priority order, and returns the start of the match a thread reached, or -1. A match cuts every
 * lower-priority thread, which is what makes the result leftmost-first.
 */
function step(vm: Matcher, pos: number, c: number): number {
  const { prog, clist, nlist, mark } = vm;
  const ops = prog.ops;
  const m = ops.length;
  const gen = pos + 1;
  nlist.n = 0;
  for (let i = 0; i < clist.n; i++) {
    const s = clist.states[i] ?? m;
    const start = clist.starts[i] ?? pos;
    if (s === m) return start;
    if (c === EOF) continue;
    const op = ops[s] ?? EOF;
    if (op >= 0 ? op !== c : c === NEWLINE) continue;
    const next = op === STAR ? s : s + 1;
    if (next < m && ops[next] !== STAR && mark[next] !== gen) {
      // Fast path: a literal or `?` position has no closure beyond itself.
      mark[next] = gen;
      nlist.states[nlist.n] = next;
      nlist.starts[nlist.n++] = start;
    } else {
      addThread(nlist, mark, gen, prog, next, start);
    }
  }
  return -1;
}

/**
 * findMatch returns the leftmost-first match `[start, end)` of `prog` in `text` (code points) at or
 * after `from`, or null. `anchored` requires the match to start at `from`.
 */
export function findMatch(
  prog: GlobProgram,
  text: Int32Array,
  from: number,
  anchored: boolean,
  budget: StepBudget,
): [number, number] | null {
  const size = prog.ops.length + 1;
  const vm: Matcher = { prog, clist: new ThreadList(size), nlist: new ThreadList(size), mark: new Int32Array(size).fill(-1) };
  let match: [number, number] | null = null;
  for (let pos = from; pos <= text.length; pos++) {
    if (match === null && (!anchored || pos === from)) addThread(vm.clist, vm.mark, pos, prog, 0, pos);
    if (vm.clist.n === 0) break;
    budget.spend(vm.clist.n);
    const start = step(vm, pos, pos < text.length ? (text[pos] ?? EOF) : EOF);
    if (start >= 0) match = [start, pos];
    [vm.clist, vm.nlist] = [vm.nlist, vm.clist];
  }
  return match;
}
