/**
 * RUN --mount values (BuildKit's instructions/commands_runmount.go): CSV `key=value` fields with
 * case-insensitive keys. BuildKit checks only `from` while parsing and the rest after expanding
 * the values; tsbuild checks every field now and defers only values that hold `$`.
 */
import type { Flag, Mount, MountOption, MountType } from "../ast.js";
import { report, subRange, type Lowering } from "./common.js";
import { parseCsvRecord } from "./csv.js";
import { withSuggestion } from "./suggest.js";

const TYPES: readonly MountType[] = ["bind", "cache", "tmpfs", "secret", "ssh"];
const SHARING = ["shared", "private", "locked"] as const;
type Sharing = (typeof SHARING)[number];
const ALL_KEYS = [
  "type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode",
  "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env",
];
const SIZE = /^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const MAX_UINT32 = 2 ** 32 - 1;

/** MountState is the mount being built while its fields are read in order. */
interface MountState {
  type: MountType;
  /** A `type=` value held `$`: type-dependent checks are left to the planner. */
  typeDeferred: boolean;
  readOnly: boolean | undefined;
  target?: string;
  source?: string;
  from?: string;
  id?: string;
  sharing?: Sharing;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: string;
  env?: string;
  required?: boolean;
  /** Keys given (canonical names), for the checks that only need presence. */
  readonly seen: Set<string>;
}

/** FieldCtx is one field being read: its option and the lowering to report into. */
interface FieldCtx {
  readonly l: Lowering;
  readonly st: MountState;
  readonly opt: MountOption;
  readonly field: string;
}

function fail(c: FieldCtx, message: string): void {
  report(c.l, "InvalidMount", message, c.opt.range);
}

/** parseBool is Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** parseUint is Go's strconv.ParseUint(v, base, 32) for base 8 or 10. */
function parseUint(v: string, base: 8 | 10): number | undefined {
  const digits = base === 8 ? /^[0-7]+$/ : /^\d+$/;
  if (!digits.test(v)) return undefined;
  const n = Number.parseInt(v, base);
  return n <= MAX_UINT32 ? n : undefined;
}

/** requiredAllowed applies BuildKit's order-dependent rule: `required` is checked against the type seen so far. */
function requiredAllowed(c: FieldCtx): boolean {
  if (c.st.typeDeferred || c.st.type === "secret" || c.st.type === "ssh") return true;
  fail(c, `unexpected key '${c.opt.key}' for mount type '${c.st.type}'`);
  return false;
}

/** bareField handles a field without `=`: only ro/rw/required may be bare. */
function bareField(c: FieldCtx): void {
  const { st, opt } = c;
  if (opt.key === "readonly" || opt.key === "ro") st.readOnly = true;
  else if (opt.key === "readwrite" || opt.key === "rw") st.readOnly = false;
  else if (opt.key === "required") {
    if (requiredAllowed(c)) st.required = true;
  } else fail(c, `invalid field '${c.field}' must be a key=value pair`);
}

/** boolField reads ro/rw/required with a value. */
function boolField(c: FieldCtx, v: string): void {
  const { st, opt } = c;
  if (opt.key === "required" && !requiredAllowed(c)) return;
  const b = parseBool(v);
  if (b === undefined) return fail(c, `invalid value for ${opt.key}: ${v}`);
  if (opt.key === "required") st.required = b;
  else st.readOnly = opt.key === "readonly" || opt.key === "ro" ? b : !b;
}

/** enumField reads `type` and `sharing`, whose values are lower-cased and suggested when wrong. */
function enumField(c: FieldCtx, v: string): void {
  const lower = v.toLowerCase();
  if (c.opt.key === "type") {
    const t = TYPES.find((x) => x === lower);
    if (t) c.st.type = t;
    else fail(c, withSuggestion(`unsupported mount type ${JSON.stringify(v)}`, v, TYPES, true));
    return;
  }
  const s = SHARING.find((x) => x === lower);
  if (s) c.st.sharing = s;
  else fail(c, withSuggestion(`unsupported sharing value ${JSON.stringify(v)}`, v, SHARING, true));
}

/** numberField reads mode (octal), uid and gid (decimal), all 32-bit unsigned. */
function numberField(c: FieldCtx, key: "mode" | "uid" | "gid", v: string): void {
  const n = parseUint(v, key === "mode" ? 8 : 10);
  if (n === undefined) return fail(c, `invalid value ${v} for ${key}`);
  c.st[key] = n;
}

/** valueField handles a `key=value` field whose value holds no `$`. */
function valueField(c: FieldCtx, v: string): void {
  const { st, opt } = c;
  switch (opt.key) {
    case "type":
    case "sharing":
      return enumField(c, v);
    case "readonly":
    case "ro":
    case "readwrite":
    case "rw":
    case "required":
      return boolField(c, v);
    case "size":
      if (st.type !== "tmpfs" && !st.typeDeferred) return fail(c, `unexpected key 'size' for mount type '${st.type}'`);
      if (!SIZE.test(v)) return fail(c, `invalid value for size: ${v}`);
      st.size = v;
      return;
    case "mode":
    case "uid":
    case "gid":
      return numberField(c, opt.key, v);
  }
}

/** stringField stores the keys whose values are kept as raw strings; false for other keys. */
function stringField(st: MountState, key: string, v: string): boolean {
  if (key === "from") st.from = v;
  else if (key === "source" || key === "src") st.source = v;
  else if (key === "target" || key === "dst" || key === "destination") st.target = v;
  else if (key === "id") st.id = v;
  else if (key === "env") st.env = v;
  else return false;
  return true;
}

/** canonical maps key aliases to one name, for presence checks. */
function canonical(key: string): string {
  const aliases: Record<string, string> = { src: "source", dst: "target", destination: "target", ro: "readonly", rw: "readonly", readwrite: "readonly" };
  return aliases[key] ?? key;
}

/** readField reads one field into the state, reporting what is wrong with it. */
function readField(c: FieldCtx): void {
  const { st, opt } = c;
  if (!ALL_KEYS.includes(opt.key)) {
    const msg = opt.value === undefined ? `invalid field '${c.field}' must be a key=value pair` : `unexpected key '${opt.key}' in '${c.field}'`;
    return fail(c, opt.value === undefined ? msg : withSuggestion(msg, opt.key, ALL_KEYS, true));
  }
  st.seen.add(canonical(opt.key));
  if (opt.value === undefined) return bareField(c);
  const v = opt.value;
  if (opt.key === "from") {
    const dollar = v.indexOf("$");
    if (dollar !== -1 && dollar !== v.length - 1) fail(c, "'from' doesn't support variable expansion, define alias stage instead");
  }
  if (stringField(st, opt.key, v)) return;
  if (!v.includes("$")) return valueField(c, v);
  // The value is expanded by the planner first; only what does not depend on it is known now.
  if (opt.key === "type") st.typeDeferred = true;
  else if (opt.key === "required") requiredAllowed(c);
  else if (opt.key === "size" && st.type !== "tmpfs" && !st.typeDeferred) fail(c, `unexpected key 'size' for mount type '${st.type}'`);
  // The planner expands it; the executor reads the result as a size.
  else if (opt.key === "size") st.size = v;
}

/** checkMount applies the whole-mount rules after all fields are read. */
function checkMount(l: Lowering, st: MountState, flag: Flag): void {
  const where = flag.valueRange ?? flag.range;
  if (st.typeDeferred) return;
  if (st.type !== "secret" && st.type !== "ssh" && st.type !== "cache") {
    for (const k of ["mode", "uid", "gid"]) {
      if (st.seen.has(k)) report(l, "InvalidMount", `${k} not allowed for ${JSON.stringify(st.type)} type mounts`, where);
    }
  }
  if (st.type === "secret") {
    if (st.from) report(l, "InvalidMount", "secret mount should not have a from", where);
    if (st.sharing) report(l, "InvalidMount", "secret mount should not define sharing", where);
    if (!st.source && !st.target && !st.id) report(l, "InvalidMount", "invalid secret mount. one of source, target required", where);
    if (st.source && st.id) report(l, "InvalidMount", "both source and id can't be set", where);
  } else if (st.sharing && st.type !== "cache") {
    report(l, "InvalidMount", `invalid cache sharing set for ${st.type} mount`, where);
  }
}

// Deviation: every field is checked while parsing, for every stage; BuildKit checks them only
// when it dispatches the stage (grammar/DEVIATIONS.md, "Instruction checks").
/**
 * parseMount reads one `--mount` flag into a Mount, reporting every invalid field. Defaults:
 * type bind; bind, secret and ssh mounts are read-only unless ro/rw says otherwise.
 * Returns undefined only when the value is not valid CSV.
 */
export function parseMount(l: Lowering, flag: Flag): Mount | undefined {
  const text = flag.value ?? "";
  const where = flag.valueRange ?? flag.range;
  const csv = parseCsvRecord(text);
  if (!csv.ok) {
    report(l, "InvalidMount", `failed to parse csv mounts: ${csv.error}`, where);
    return undefined;
  }
  const st: MountState = { type: "bind", typeDeferred: false, readOnly: undefined, seen: new Set() };
  const options: MountOption[] = [];
  for (const field of csv.fields) {
    const eq = field.value.indexOf("=");
    const key = (eq < 0 ? field.value : field.value.slice(0, eq)).toLowerCase();
    const opt: MountOption = { key, value: eq < 0 ? undefined : field.value.slice(eq + 1), range: subRange(where, text, field.start, field.end) };
    options.push(opt);
    readField({ l, st, opt, field: field.value });
  }
  checkMount(l, st, flag);
  const readOnly = st.readOnly ?? !(st.type === "cache" || st.type === "tmpfs");
  return {
    type: st.type, target: st.target, source: st.source, from: st.from, readOnly, id: st.id,
    sharing: st.sharing, mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, env: st.env,
    required: st.required, options, range: flag.range,
  };
}
