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
  const r = new TarCursor(new ByteSource(source), limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER);
  for (let next = await r.nextHeader(); next; next = await r.nextHeader()) {
    const { header, bodySize } = next;
    const counter = { consumed: 0 };
    yield { header, body: r.body(header.name, bodySize, counter) };
    await r.skipRest(header.name, bodySize, counter);
  }
}

/** TarCursor walks a tar stream: header blocks, extension records, entry bodies and padding. */
class TarCursor {
  private offset = 0;
  private globalPax = new Map<string, Buffer>();
  private pax = new Map<string, Buffer>();
  private longName: string | undefined;
  private longLink: string | undefined;

  constructor(
    private readonly src: ByteSource,
    private readonly maxHeader: number,
  ) {}

  /** nextHeader returns the next entry's header (extension records applied), or undefined at the end. */
  async nextHeader(): Promise<{ header: TarHeader; bodySize: number } | undefined> {
    for (;;) {
      const block = await this.src.read(BLOCK);
      // A stream that ends cleanly between entries is accepted, as Go's archive/tar does: umoci and
      // other Go tools write layers without the end-of-archive blocks. Integrity is the digest's job.
      if (block.length === 0) return undefined;
      if (block.length < BLOCK) throw new TarFormatError(`tar is truncated at byte ${this.offset + block.length} (inside a header block)`);
      if (block.every((x) => x === 0)) {
        if (!(await this.src.restIsZero())) throw new TarFormatError(`tar has trailing data after its end-of-archive marker at byte ${this.offset}`);
        return undefined;
      }
      const raw = decodeBlock(block, this.offset);
      this.offset += BLOCK;
      if ("xgLK".includes(raw.flag)) {
        await this.extension(raw);
        continue;
      }
      const header = applyExtensions(raw, new Map([...this.globalPax, ...this.pax]), this.longName, this.longLink, this.offset - BLOCK);
      this.pax = new Map();
      this.longName = this.longLink = undefined;
      // Links, symlinks and directories carry no body whatever their size field says (as in Go's reader).
      const bodySize = header.type === "file" ? header.size : "125".includes(raw.flag) ? 0 : header.size;
      return { header, bodySize };
    }
  }

  /** extension reads a PAX (x, g) or GNU long name (L, K) record, bounded by maxHeader. */
  private async extension(raw: RawHeader): Promise<void> {
    const at = this.offset - BLOCK;
    if (raw.size > this.maxHeader) throw new TarFormatError(`tar header record at byte ${at} is ${raw.size} bytes, over the ${this.maxHeader}-byte limit`);
    const padded = Math.ceil(raw.size / BLOCK) * BLOCK;
    const data = await this.src.read(padded);
    if (data.length < padded) throw new TarFormatError(`tar is truncated inside a header record at byte ${this.offset}`);
    this.offset += padded;
    const body = data.subarray(0, raw.size);
    try {
      if (raw.flag === "x") this.pax = decodePaxRecords(body);
      else if (raw.flag === "g") this.globalPax = decodePaxRecords(body);
      else if (raw.flag === "L") this.longName = cstr(body, 0, body.length);
      else this.longLink = cstr(body, 0, body.length);
    } catch (err) {
      throw new TarFormatError(`tar entry at byte ${at}: ${(err as Error).message}`);
    }
  }

  /** body streams an entry's bytes, counting them so skipRest knows what is left. */
  async *body(name: string, size: number, counter: { consumed: number }): AsyncGenerator<Buffer> {
    for await (const c of this.src.chunks(size - counter.consumed)) {
      counter.consumed += c.length;
      yield c;
    }
    if (counter.consumed < size) throw new TarFormatError(`tar entry ${JSON.stringify(name)} is truncated (${counter.consumed} of ${size} bytes)`);
  }

  /** skipRest discards what the consumer left of a body, and the padding to the next block. */
  async skipRest(name: string, size: number, counter: { consumed: number }): Promise<void> {
    counter.consumed += await this.src.skip(size - counter.consumed);
    if (counter.consumed < size) throw new TarFormatError(`tar entry ${JSON.stringify(name)} is truncated (${counter.consumed} of ${size} bytes)`);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if ((await this.src.skip(padded - size)) < padded - size) throw new TarFormatError(`tar is truncated after entry ${JSON.stringify(name)}`);
    this.offset += padded;
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
