/**
 * COPY/ADD `--chmod` values: an octal mode up to 07777, or a chmod(1) symbolic mode such as
 * `u=rwX,go=rX` (BuildKit's convert_copy.go with tonistiigi/dchapes-mode's grammar).
 */

const WHO = "augo";
const OPS = "+-=";
const PERMS = "rwxXstugo";

/** symbolicModeIsValid checks the grammar `clause[,clause...]`, clause = `[augo]* (op [rwxXstugo]*)+`, op = `+`, `-` or `=`. */
export function symbolicModeIsValid(s: string): boolean {
  let i = 0;
  for (;;) {
    while (i < s.length && WHO.includes(s[i] ?? "")) i++;
    if (i >= s.length) return false;
    for (;;) {
      if (!OPS.includes(s[i] ?? "")) return false;
      i++;
      while (i < s.length && PERMS.includes(s[i] ?? "")) i++;
      if (i >= s.length) return true;
      if (s[i] === ",") break;
    }
    i++;
  }
}

const MAX_MODE = 0o7777;

/**
 * chmodError returns the error message for an invalid `--chmod` value, or undefined when it is
 * valid. Values holding `$` are left alone: they are expanded, then checked, by the planner.
 */
export function chmodError(value: string): string | undefined {
  if (value === "" || value.includes("$")) return undefined;
  const numeric = `invalid chmod parameter: '${value}'. it should be octal string and between 0 and 07777`;
  if (/^[0-7]+$/.test(value)) return Number.parseInt(value, 8) > MAX_MODE ? numeric : undefined;
  if (/^[0-9]/.test(value)) return numeric;
  if (symbolicModeIsValid(value)) return undefined;
  // Deviation: BuildKit's message here is the bare "invalid syntax".
  return `invalid chmod parameter: '${value}'. it should be an octal mode up to 07777 or a symbolic mode like u=rwX,go=rX`;
}
