import { TsbuildError } from "../core/index.js";
import { runChecked } from "./exec-capture.js";
import { runHelper } from "./helper-shell.js";

/** Xattrs maps attribute names (`security.capability`, `user.x`) to their exact bytes. */
export type Xattrs = Record<string, Buffer>;

const FILE_PREFIX = Buffer.from("# file: ");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * unescapeAttr decodes getfattr's quoting: it writes `\ooo` (three octal digits) for bytes such as
 * newline, CR, backslash and `=`, and every other byte as is. `\\` is accepted as well.
 */
export function unescapeAttr(raw: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString("latin1"))) {
      out.push(parseInt(raw.subarray(i + 1, i + 4).toString("latin1"), 8) & 0xff);
      i += 3;
    } else if (c === 0x5c && raw[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 1;
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** escapeAttr quotes bytes the way setfattr --restore reads them: every byte outside printable ASCII, and `\` and `=`, as `\ooo`. */
export function escapeAttr(bytes: Buffer): string {
  let s = "";
  for (const c of bytes) {
    s += c < 0x21 || c > 0x7e || c === 0x5c || c === 0x3d ? `\\${c.toString(8).padStart(3, "0")}` : String.fromCharCode(c);
  }
  return s;
}

function decodeName(raw: Buffer, what: string): string {
  try {
    return strictUtf8.decode(unescapeAttr(raw));
  } catch (err) {
    throw new TsbuildError("Snapshot", `getfattr printed a ${what} that is not UTF-8: ${JSON.stringify(raw.toString("latin1"))}`, { cause: err });
  }
}

function parseValue(value: string, line: string): Buffer {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new TsbuildError("Snapshot", `getfattr printed an unexpected value line ${JSON.stringify(line)}`);
  return Buffer.from(value.slice(2), "hex");
}

/**
 * parseGetfattrDump reads the output of `getfattr -d -m - -e hex --absolute-names` into a map from
 * absolute path to attributes. Paths and names are unescaped to their bytes and must be UTF-8;
 * values stay byte-exact. Throws on any line it does not understand.
 */
export function parseGetfattrDump(out: Buffer): Map<string, Xattrs> {
  const result = new Map<string, Xattrs>();
  let current: Xattrs | undefined;
  let start = 0;
  while (start < out.length) {
    let end = out.indexOf(0x0a, start);
    if (end < 0) end = out.length;
    const line = out.subarray(start, end);
    start = end + 1;
    if (line.length === 0) {
      current = undefined;
    } else if (line.subarray(0, FILE_PREFIX.length).equals(FILE_PREFIX)) {
      current = {};
      result.set(decodeName(line.subarray(FILE_PREFIX.length), "file name"), current);
    } else if (current) {
      const eq = line.indexOf(0x3d);
      const name = decodeName(eq < 0 ? line : line.subarray(0, eq), "attribute name");
      current[name] = eq < 0 ? Buffer.alloc(0) : parseValue(line.subarray(eq + 1).toString("latin1"), line.toString("latin1"));
    } else {
      throw new TsbuildError("Snapshot", `getfattr printed an attribute outside a file block: ${JSON.stringify(line.toString("latin1"))}`);
    }
  }
  return result;
}

/**
 * readXattrTree returns every extended attribute (all namespaces, symlinks not followed) of `root`
 * and everything below it, keyed by path relative to `root` ("" is `root` itself), with one
 * `getfattr` call (run through the helper shell). Files without attributes are absent from the map.
 */
export async function readXattrTree(root: string): Promise<Map<string, Xattrs>> {
  const r = await runHelper(["getfattr", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", "--", root]);
  if (r.code !== 0) throw new TsbuildError("Snapshot", `getfattr could not read the attributes under ${root} (exit ${r.code}): ${r.stderr.trim()}`);
  const out = new Map<string, Xattrs>();
  const prefix = root.endsWith("/") ? root : `${root}/`;
  for (const [path, attrs] of parseGetfattrDump(r.stdout)) {
    if (path === root || path === prefix) out.set("", attrs);
    else if (path.startsWith(prefix)) out.set(path.slice(prefix.length), attrs);
    else throw new TsbuildError("Snapshot", `getfattr reported ${JSON.stringify(path)}, which is not under ${root}`);
  }
  return out;
}

/** XattrWrite sets `xattrs` on the file at absolute `path` (a symlink itself, not its target). */
export interface XattrWrite {
  readonly path: string;
  readonly xattrs: Xattrs;
}

/** writeXattrs sets every attribute of `items` with one `setfattr -h --restore` call; rejects naming setfattr's complaint. */
export async function writeXattrs(items: readonly XattrWrite[]): Promise<void> {
  const blocks: string[] = [];
  for (const { path, xattrs } of items) {
    const names = Object.keys(xattrs);
    if (names.length === 0) continue;
    const lines = names.map((n) => `${escapeAttr(Buffer.from(n))}=0x${(xattrs[n] as Buffer).toString("hex")}`);
    blocks.push(`# file: ${escapeAttr(Buffer.from(path))}\n${lines.join("\n")}\n\n`);
  }
  if (blocks.length === 0) return;
  await runChecked(["setfattr", "-h", "--restore=-"], "setting extended attributes", { input: Buffer.from(blocks.join(""), "latin1") });
}
