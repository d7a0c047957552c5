/**
 * `--chmod` for COPY and ADD: an octal mode (`0755`) or a symbolic one as chmod(1) spells it
 * (`u=rwX,go=rX`, `a+x`, `o-w`), applied to each copied entry's own mode as BuildKit does; `X`
 * adds execute only to directories and to files that already have an execute bit.
 */
import { InputError } from "../../core/errors.js";

/** ModeFn maps a source entry's permission bits to the ones written. */
export type ModeFn = (mode: number, isDir: boolean) => number;

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** permBits is the mask of `perms` (r, w, x, X, s, t) for the classes in `who`. */
function permBits(perms: string, who: number, mode: number, isDir: boolean): number {
  let bits = 0;
  for (const p of perms) {
    if (p === "r") bits |= 0o444;
    else if (p === "w") bits |= 0o222;
    else if (p === "x") bits |= 0o111;
    else if (p === "X") bits |= isDir || (mode & 0o111) !== 0 ? 0o111 : 0;
    else if (p === "s") bits |= 0o6000;
    else if (p === "t") bits |= 0o1000;
  }
  return bits & who;
}

/** copyBits is what `g=u` style clauses copy: the source class's rwx shifted to every class. */
function copyBits(from: string, mode: number): number {
  const shift = from === "u" ? 6 : from === "g" ? 3 : 0;
  const rwx = (mode >> shift) & 0o7;
  return rwx * 0o111;
}

const CLAUSE = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/;

/** applyClause applies one comma-separated clause to `mode`. */
function applyClause(clause: string, mode: number, isDir: boolean): number {
  const m = CLAUSE.exec(clause)!;
  const who = [...(m[1] || "a")].reduce((w, c) => w | WHO[c]!, 0);
  for (const action of m[2]!.match(/[-+=][^-+=]*/g) ?? []) {
    const op = action[0];
    const perms = action.slice(1);
    const bits = /^[ugo]$/.test(perms) ? copyBits(perms, mode) & who & 0o777 : permBits(perms, who, mode, isDir);
    if (op === "+") mode |= bits;
    else if (op === "-") mode &= ~bits;
    else mode = (mode & ~(who & 0o7777)) | bits;
  }
  return mode;
}

/** parseChmod parses a --chmod value; undefined keeps each source's mode. Bad values throw InputError. */
export function parseChmod(chmod: string | undefined): ModeFn | undefined {
  if (chmod === undefined) return undefined;
  if (/^[0-7]{1,4}$/.test(chmod)) {
    const fixed = parseInt(chmod, 8);
    return () => fixed;
  }
  const clauses = chmod.split(",");
  const bad = clauses.find((c) => !CLAUSE.test(c));
  if (bad !== undefined) throw new InputError(`--chmod=${chmod}: ${JSON.stringify(bad)} is not a mode; use octal (0755) or symbolic like u=rwX,go=rX`);
  return (mode, isDir) => clauses.reduce((m, c) => applyClause(c, m, isDir), mode & 0o7777);
}
