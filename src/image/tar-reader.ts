import { TsbuildError } from "../core/errors.js";
import { ByteSource, type ByteStream } from "./bytes.js";
import { decodePaxRecords } from "./pax.js";

/** TarEntryType is the kind of a tar entry tsbuild understands. */
export type TarEntryType = "file" | "link" | "symlink" | "character-device" | "block-device" | "directory" | "fifo";

/** TarHeader is one decoded entry header with PAX and GNU long names applied; xattrs keep their exact bytes. */
export interface TarHeader {
  readonly name: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  readonly xattrs: ReadonlyMap<string, Buffer>;
}

/** TarReadLimits bound what a hostile tar can make the reader hold in memory. */
export interface TarReadLimits {
  /** maxHeaderBytes caps one PAX or GNU long-name record (default 1 MiB). */
  readonly maxHeaderBytes?: number;
}

/** TarFormatError says the tar stream is malformed; the message names the entry or byte offset. */
export class TarFormatError extends TsbuildError {
  constructor(message: string) {
    super("TarFormat", message);
  }
}

const BLOCK = 512;
const DEFAULT_MAX_HEADER = 1024 * 1024;
const TYPES: Record<string, TarEntryType> = { "0": "file", "\0": "file", "7": "file", "1": "link", "2": "symlink", "3": "character-device", "4": "block-device", "5": "directory", "6": "fifo" };

function cstr(b: Buffer, off: number, len: number): string {
  const f = b.subarray(off, off + len);
  const nul = f.indexOf(0);
  return f.subarray(0, nul < 0 ? len : nul).toString("utf8");
}

/** num decodes an octal field, or GNU base-256 when the high bit of the first byte is set. */
function num(b: Buffer, off: number, len: number, what: string): number {
  const f = b.subarray(off, off + len);
  if (((f[0] ?? 0) & 0x80) !== 0) {
    let v = (f[0] ?? 0) & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + (f[i] ?? 0);
    if (!Number.isSafeInteger(v)) throw new TarFormatError(`tar header field ${what} is too large`);
    return v;
  }
  const s = f.toString("ascii").replace(/[\0 ]+$/g, "").replace(/^[ ]+/, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`tar header field ${what} is not an octal number: ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(b: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
  return num(b, 148, 8, "checksum") === sum;
}

/** RawHeader is a header block before PAX and long names are applied. */
interface RawHeader {
  flag: string;
  name: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
}

function decodeBlock(b: Buffer, offset: number): RawHeader {
  if (!checksumOk(b)) throw new TarFormatError(`tar header at byte ${offset} has a bad checksum (not a tar, or corrupt)`);
  const ustar = b.toString("ascii", 257, 262) === "ustar";
  const prefix = ustar && b.toString("ascii", 257, 263) === "ustar\x00" ? cstr(b, 345, 155) : "";
  const name = cstr(b, 0, 100);
  return {
    flag: String.fromCharCode(b[156] ?? 0),
    name: prefix ? `${prefix}/${name}` : name,
    linkname: cstr(b, 157, 100),
    mode: num(b, 100, 8, "mode"),
    uid: num(b, 108, 8, "uid"),
    gid: num(b, 116, 8, "gid"),
    size: num(b, 124, 12, "size"),
    mtime: num(b, 136, 12, "mtime"),
    devmajor: ustar ? num(b, 329, 8, "devmajor") : 0,
    devminor: ustar ? num(b, 337, 8, "devminor") : 0,
  };
}

/** TarEntry is a header plus its body; the body must be consumed (or left) before asking for the next entry. */
export interface TarEntry {
  readonly header: TarHeader;
  readonly body: AsyncIterable<Buffer>;
}

/**
 * readTar parses a tar stream entry by entry. tsbuild reads tars with its own parser rather than
 * tar-stream's extractor because that extractor decodes PAX values as UTF-8 text (mangling
 * binary xattrs such as security.capability) and accepts PAX records of up to 4 MiB. This
 * reader keeps xattrs byte-exact, caps header records (`maxHeaderBytes`), verifies checksums,
 * and refuses non-zero bytes after the end-of-archive marker.
 */
export async function* readTar(source: ByteStream, limits: TarReadLimits = {}): AsyncGenerator<TarEntry> {
  const src = new ByteSource(source);
  const maxHeader = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  let offset = 0;
  let globalPax = new Map<string, Buffer>();
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await src.read(BLOCK);
    // A stream that ends cleanly between entries is accepted, as Go's archive/tar does: umoci and
    // other Go tools write layers without the end-of-archive blocks. Integrity is the digest's job.
    if (block.length === 0) return;
    if (block.length < BLOCK) throw new TarFormatError(`tar is truncated at byte ${offset + block.length} (inside a header block)`);
    if (block.every((x) => x === 0)) {
      if (!(await src.restIsZero())) throw new TarFormatError(`tar has trailing data after its end-of-archive marker at byte ${offset}`);
      return;
    }
    const raw = decodeBlock(block, offset);
    offset += BLOCK;
    const padded = Math.ceil(raw.size / BLOCK) * BLOCK;
    if ("xgLK".includes(raw.flag)) {
      if (raw.size > maxHeader) throw new TarFormatError(`tar header record at byte ${offset - BLOCK} is ${raw.size} bytes, over the ${maxHeader}-byte limit`);
      const data = await src.read(padded);
      if (data.length < padded) throw new TarFormatError(`tar is truncated inside a header record at byte ${offset}`);
      offset += padded;
      const body = data.subarray(0, raw.size);
      try {
        if (raw.flag === "x") pax = decodePaxRecords(body);
        else if (raw.flag === "g") globalPax = decodePaxRecords(body);
        else if (raw.flag === "L") longName = cstr(body, 0, body.length);
        else longLink = cstr(body, 0, body.length);
      } catch (err) {
        throw new TarFormatError(`tar entry at byte ${offset - padded - BLOCK}: ${(err as Error).message}`);
      }
      continue;
    }
    const header = applyExtensions(raw, new Map([...globalPax, ...pax]), longName, longLink, offset - BLOCK);
    pax = new Map();
    longName = longLink = undefined;
    const bodySize = header.type === "file" ? header.size : raw.flag === "1" || raw.flag === "2" || raw.flag === "5" ? 0 : header.size;
    const bodyPadded = Math.ceil(bodySize / BLOCK) * BLOCK;
    let consumed = 0;
    const body = (async function* () {
      for await (const c of src.chunks(bodySize - consumed)) {
        consumed += c.length;
        yield c;
      }
      if (consumed < bodySize) throw new TarFormatError(`tar entry ${JSON.stringify(header.name)} is truncated (${consumed} of ${bodySize} bytes)`);
    })();
    yield { header, body };
    consumed += await src.skip(bodySize - consumed);
    if (consumed < bodySize) throw new TarFormatError(`tar entry ${JSON.stringify(header.name)} is truncated (${consumed} of ${bodySize} bytes)`);
    if ((await src.skip(bodyPadded - bodySize)) < bodyPadded - bodySize) throw new TarFormatError(`tar is truncated after entry ${JSON.stringify(header.name)}`);
    offset += bodyPadded;
  }
}

function applyExtensions(raw: RawHeader, pax: Map<string, Buffer>, longName: string | undefined, longLink: string | undefined, at: number): TarHeader {
  const type = TYPES[raw.flag];
  const str = (k: string) => pax.get(k)?.toString("utf8");
  const paxNum = (k: string, fallback: number) => {
    const v = str(k);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new TarFormatError(`tar entry at byte ${at}: PAX ${k}=${JSON.stringify(v)} is not a number`);
    return Math.trunc(n);
  };
  let name = str("path") ?? longName ?? raw.name;
  if (type === undefined) throw new TarFormatError(`tar entry ${JSON.stringify(name)} has unsupported type ${JSON.stringify(raw.flag)}`);
  const isDirName = name.endsWith("/");
  const finalType: TarEntryType = type === "file" && isDirName ? "directory" : type;
  if (isDirName) name = name.replace(/\/+$/, "");
  const xattrs = new Map<string, Buffer>();
  for (const [k, v] of pax) if (k.startsWith("SCHILY.xattr.")) xattrs.set(k.slice("SCHILY.xattr.".length), v);
  return {
    name,
    type: finalType,
    mode: raw.mode & 0o7777,
    uid: paxNum("uid", raw.uid),
    gid: paxNum("gid", raw.gid),
    size: paxNum("size", raw.size),
    mtime: paxNum("mtime", raw.mtime),
    linkname: str("linkpath") ?? longLink ?? raw.linkname,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs,
  };
}
