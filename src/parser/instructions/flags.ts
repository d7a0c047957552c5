/**
 * Flag checking with BuildKit's bflag rules (frontend/dockerfile/instructions/bflag.go): each
 * instruction declares its known flags as bool, string or string-list; layer 1 has already split
 * `--name[=value]` words off the front of the line.
 */
import type { Flag } from "../ast.js";
import { report, type Lowering } from "./common.js";
import { withSuggestion } from "./suggest.js";

/** FlagKind is how a flag takes values: `bool` (`--f`, `--f=true|false`), `string` (`--f=v`), `list` (`--f=v`, repeatable). */
export type FlagKind = "bool" | "string" | "list";

/** FlagSpec maps each known flag name (without dashes) to its kind. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/**
 * FLAG_SPECS is the table of known flags per instruction (lower-case keyword). Instructions not
 * listed accept no flags. ARG and STOPSIGNAL are absent on purpose: BuildKit never checks their
 * flags (parseArg and parseStopSignal skip BFlags.Parse), so any flag there is silently ignored.
 */
export const FLAG_SPECS: Readonly<Record<string, FlagSpec>> = {
  from: { platform: "string" },
  run: { mount: "list", network: "string", security: "string", device: "list" },
  copy: { chown: "string", from: "string", chmod: "string", link: "bool", exclude: "list", parents: "bool" },
  add: {
    chown: "string",
    chmod: "string",
    link: "bool",
    "keep-git-dir": "bool",
    checksum: "string",
    unpack: "bool",
    exclude: "list",
  },
  healthcheck: { interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" },
};

/** ParsedFlags is the outcome of checking flags: the accepted flags by name, in order. */
export interface ParsedFlags {
  /** The accepted occurrences of a flag: at most one for bool/string flags, every one for list flags. */
  all(name: string): readonly Flag[];
  /** The accepted occurrence of a bool or string flag. */
  get(name: string): Flag | undefined;
  /** A bool flag's value: undefined when not given (or given with an invalid value). */
  bool(name: string): boolean | undefined;
}

/** NO_FLAGS is the outcome for an instruction without flags (most of them): nothing to check. */
const NO_FLAGS: ParsedFlags = { all: () => [], get: () => undefined, bool: () => undefined };

/**
 * parseFlags checks `flags` against `spec` and reports every problem (BuildKit stops at the
 * first): unknown names (with a suggestion), repeats of non-list flags, missing or non-boolean
 * values. Rejected occurrences are left out of the result, so the instruction stays usable.
 */
export function parseFlags(l: Lowering, flags: readonly Flag[], spec: FlagSpec): ParsedFlags {
  if (flags.length === 0) return NO_FLAGS;
  const accepted = new Map<string, Flag[]>();
  const bools = new Map<string, boolean>();
  for (const f of flags) {
    const kind = Object.hasOwn(spec, f.name) ? spec[f.name] : undefined;
    if (kind === undefined) {
      const msg = withSuggestion(`unknown flag: --${f.name}`, f.name, Object.keys(spec), true);
      report(l, "UnknownFlag", msg, f.nameRange);
      continue;
    }
    const seen = accepted.get(f.name);
    if (seen && kind !== "list") {
      const first = seen[0];
      const notes = first ? [{ message: `--${f.name} was first given here`, range: first.nameRange }] : [];
      report(l, "DuplicateFlag", `duplicate flag specified: --${f.name}`, f.nameRange, notes);
      continue;
    }
    if (!checkValue(l, f, kind, bools)) continue;
    if (seen) seen.push(f);
    else accepted.set(f.name, [f]);
  }
  return {
    all: (name) => accepted.get(name) ?? [],
    get: (name) => accepted.get(name)?.[0],
    bool: (name) => bools.get(name),
  };
}

/** checkValue validates one flag's value for its kind and records bool values; false when rejected. */
function checkValue(l: Lowering, f: Flag, kind: FlagKind, bools: Map<string, boolean>): boolean {
  if (kind === "bool") {
    if (f.value === "") {
      report(l, "MissingFlagValue", `missing a value on flag: --${f.name}`, f.range);
      return false;
    }
    const v = (f.value ?? "true").toLowerCase();
    if (v !== "true" && v !== "false") {
      const msg = `expecting boolean value for flag --${f.name}, not: ${f.value ?? ""}`;
      report(l, "InvalidFlagValue", msg, f.valueRange ?? f.range);
      return false;
    }
    bools.set(f.name, v === "true");
    return true;
  }
  if (f.value === undefined) {
    report(l, "MissingFlagValue", `missing a value on flag: --${f.name}`, f.range);
    return false;
  }
  return true;
}

/** flagsFor checks `l.raw.flags` against the FLAG_SPECS entry of the instruction `keyword`. */
export function flagsFor(l: Lowering, keyword: string): ParsedFlags {
  return parseFlags(l, l.raw.flags, FLAG_SPECS[keyword] ?? {});
}
