import { Readable } from "node:stream";
import tar, { type Header, type Pack } from "tar-stream";
import { paxHeaderBlock, encodePaxRecords } from "./pax.js";
import { compareTarPaths, normalizeEntryPath, sortPathOf, tarNameOf, type LayerEntry } from "./tar-entry.js";

/** LayerTarOptions tune the layer tar writer. */
export interface LayerTarOptions {
  /** sourceDateEpoch clamps every mtime newer than it (seconds), as BuildKit's rewrite-timestamp does. */
  readonly sourceDateEpoch?: number;
}

/** USTAR_MAX_ID is the largest uid/gid tar-stream can write (6 octal digits); larger ids go to PAX. */
const USTAR_MAX_ID = 0o777777;
const TYPE_BITS: Record<string, number> = { file: 0o100000, directory: 0o040000, symlink: 0o120000, hardlink: 0o100000, "character-device": 0o020000, "block-device": 0o060000, fifo: 0o010000 };

type Headers = Partial<Header> & { name: string };
type PackInternals = { _encode(h: Headers): void; push(b: Buffer): boolean };

/**
 * writeLayerTar returns the layer tar of a changeset as a stream: entries sorted depth-first with
 * bytewise-sorted names (duplicates refused), directories named with a trailing `/`, whiteouts as
 * `.wh.NAME` (mode 0) and opaque markers as `.wh..wh..opq` (mtime 0, as containerd 2 writes them), mtimes in
 * whole seconds and clamped to `sourceDateEpoch`, empty uname/gname, and PAX records for names or
 * link targets that do not fit ustar, ids over 262143 and xattrs (`SCHILY.xattr.*`, byte-exact).
 *
 * tar-stream pitfalls handled here: a missing mtime would be "now" (always set); mode 0 would
 * become 0644 (the file-type bits are passed along, tar-stream masks them off); directory slashes
 * are appended by us; PAX values with binary bytes would be mangled through UTF-8, so tsbuild
 * writes its own PAX header block, and then the entry with a ustar-safe name so that tar-stream
 * never adds a second PAX header. Errors (a file whose size changed while read) end the stream.
 */
export function writeLayerTar(entries: Iterable<LayerEntry>, opts: LayerTarOptions = {}): Readable {
  const sorted = sortEntries(entries);
  const pack = tar.pack();
  const internals = pack as unknown as PackInternals;
  if (typeof internals._encode !== "function") throw new Error("tar-stream internals changed: Pack._encode is missing; pin tar-stream 3.x");
  const raw = new WeakMap<Headers, Buffer>();
  const encode = internals._encode.bind(pack);
  internals._encode = (h) => {
    const block = raw.get(h);
    if (block) internals.push(block);
    else encode(h);
  };
  void (async () => {
    const prefetched = new Map<number, Promise<Buffer>>();
    let ahead = 0;
    for (let i = 0; i < sorted.length; i++) {
      for (; ahead < sorted.length && ahead <= i + PREFETCH_ENTRIES; ahead++) {
        const read = prefetch(sorted[ahead] as LayerEntry);
        if (read) prefetched.set(ahead, read);
      }
      await writeEntry(pack, sorted[i] as LayerEntry, opts, raw, prefetched.get(i));
      prefetched.delete(i);
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

/** sortEntries normalizes paths, sorts depth-first bytewise, and refuses duplicate tar names. */
export function sortEntries(entries: Iterable<LayerEntry>): LayerEntry[] {
  const list = [...entries].map((e) => ({ ...e, path: normalizeEntryPath(e.path, e.type === "opaque") }) as LayerEntry);
  list.sort((a, b) => compareTarPaths(sortPathOf(a), sortPathOf(b)));
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1] as LayerEntry;
    const cur = list[i] as LayerEntry;
    if (sortPathOf(prev) === sortPathOf(cur)) throw new TypeError(`layer has two entries for ${JSON.stringify(cur.path)}; a layer may name each path once`);
  }
  return list;
}

/** asciiFallback is the ustar name written after a PAX `path`/`linkpath` record: ASCII, at most 100 bytes. */
function asciiFallback(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "_").slice(-100);
}

/** fitsUstar reports whether tar-stream can store name without a PAX header (ASCII, prefix 155 + name 100). */
function fitsUstar(name: string): boolean {
  if (!/^[\x20-\x7e]*$/.test(name)) return false;
  if (name.length <= 100) return true;
  for (let i = name.indexOf("/"); i >= 0; i = name.indexOf("/", i + 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return true;
  }
  return false;
}

function mtimeOf(e: LayerEntry, opts: LayerTarOptions): number {
  if (e.type === "whiteout" || e.type === "opaque") return 0;
  const t = Math.max(0, Math.trunc(e.mtime ?? 0));
  return opts.sourceDateEpoch !== undefined && t > opts.sourceDateEpoch ? opts.sourceDateEpoch : t;
}

/** markerMode is a whiteout's mode (0, as containerd's differ writes it under BuildKit) or an opaque marker's (0644). */
function markerMode(type: LayerEntry["type"]): number {
  return type === "whiteout" ? 0 : 0o644;
}

/** headerOf builds tar-stream's header and the PAX records an entry needs. */
function headerOf(e: LayerEntry, opts: LayerTarOptions): { header: Headers; pax: Map<string, Uint8Array | string> } {
  const name = tarNameOf(e);
  const pax = new Map<string, Uint8Array | string>();
  const header: Headers = { name, mtime: new Date(mtimeOf(e, opts) * 1000), uname: "", gname: "", size: 0 };
  const isMarker = e.type === "whiteout" || e.type === "opaque";
  header.type = isMarker ? "file" : e.type === "hardlink" ? "link" : e.type;
  header.mode = (isMarker ? markerMode(e.type) : (e.mode ?? (e.type === "directory" ? 0o755 : 0o644)) & 0o7777) | (TYPE_BITS[header.type === "link" ? "hardlink" : (header.type ?? "file")] ?? 0);
  if (!fitsUstar(name)) {
    pax.set("path", name);
    header.name = asciiFallback(name);
  }
  if (!isMarker) {
    for (const k of ["uid", "gid"] as const) {
      const id = e[k] ?? 0;
      if (id > USTAR_MAX_ID) pax.set(k, String(id));
      header[k] = id > USTAR_MAX_ID ? 0 : id;
    }
    if (e.type === "symlink" || e.type === "hardlink") {
      const target = e.type === "hardlink" ? normalizeEntryPath(e.target) : e.target;
      header.linkname = target;
      if (!/^[\x20-\x7e]*$/.test(target) || target.length > 100) {
        pax.set("linkpath", target);
        header.linkname = asciiFallback(target);
      }
    }
    if (e.type === "character-device" || e.type === "block-device") Object.assign(header, { devmajor: e.devmajor, devminor: e.devminor });
    for (const key of Object.keys(e.xattrs ?? {}).sort()) pax.set(`SCHILY.xattr.${key}`, (e.xattrs ?? {})[key] as Uint8Array);
  }
  return { header, pax };
}

/** PREFETCH_ENTRIES and PREFETCH_MAX_BYTES bound read-ahead: small files among the next 16 entries are read while earlier ones are written (at most 16 x 256 KiB held). */
const PREFETCH_ENTRIES = 16;
const PREFETCH_MAX_BYTES = 256 * 1024;

/** prefetch starts reading a small file entry's whole content, so file opens and reads overlap instead of queueing one by one. */
function prefetch(e: LayerEntry): Promise<Buffer> | undefined {
  if (e.type !== "file" || e.content instanceof Uint8Array || e.content.size > PREFETCH_MAX_BYTES) return undefined;
  const { size, open } = e.content;
  const read = (async () => {
    const chunks: Buffer[] = [];
    let seen = 0;
    for await (const chunk of open()) {
      seen += chunk.byteLength;
      if (seen > size) throw new Error(`${e.path} grew while it was being archived (expected ${size} bytes)`);
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    if (seen !== size) throw new Error(`${e.path} shrank while it was being archived (expected ${size} bytes, read ${seen})`);
    return Buffer.concat(chunks, seen);
  })();
  read.catch(() => undefined); // awaited by writeEntry in order; this only keeps an early failure from being unhandled
  return read;
}

async function writeEntry(pack: Pack, e: LayerEntry, opts: LayerTarOptions, raw: WeakMap<Headers, Buffer>, content?: Promise<Buffer>): Promise<void> {
  const { header, pax } = headerOf(e, opts);
  if (pax.size > 0) {
    const body = encodePaxRecords(pax);
    const paxHeader: Headers = { name: "PaxHeader", type: "file", size: body.length, mode: 0o100644, mtime: header.mtime };
    raw.set(paxHeader, paxHeaderBlock(body.length, Math.trunc((header.mtime?.getTime() ?? 0) / 1000)));
    await entryDone(pack, paxHeader, body);
  }
  if (e.type === "whiteout" || e.type === "opaque") return entryDone(pack, header, Buffer.alloc(0));
  if (e.type !== "file") return entryDone(pack, header);
  if (e.content instanceof Uint8Array) return entryDone(pack, { ...header, size: e.content.byteLength }, Buffer.from(e.content));
  if (content) return entryDone(pack, { ...header, size: e.content.size }, await content);
  const { size, open } = e.content;
  await streamEntry(pack, { ...header, size }, open(), e.path);
}

function entryDone(pack: Pack, header: Headers, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) pack.entry(header, body, cb);
    else pack.entry(header, cb);
  });
}

/** streamEntry copies exactly header.size bytes from source into a tar entry, failing if a file changed size while archived. */
async function streamEntry(pack: Pack, header: Headers & { size: number }, source: AsyncIterable<Uint8Array>, path: string): Promise<void> {
  let done!: (err?: Error | null) => void;
  const finished = new Promise<void>((resolve, reject) => (done = (err) => (err ? reject(err) : resolve())));
  const sink = pack.entry(header, done);
  // A sink error also reaches `done` and the pack stream; this listener keeps it from being re-thrown as uncaught.
  sink.on("error", () => undefined);
  let seen = 0;
  try {
    for await (const chunk of source) {
      seen += chunk.byteLength;
      if (seen > header.size) throw new Error(`${path} grew while it was being archived (expected ${header.size} bytes)`);
      if (!sink.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) await new Promise<void>((r) => sink.once("drain", () => r()));
    }
    if (seen !== header.size) throw new Error(`${path} shrank while it was being archived (expected ${header.size} bytes, read ${seen})`);
  } catch (err) {
    finished.catch(() => undefined); // the same error is thrown just below; this rejection is its echo
    sink.destroy(err as Error);
    throw err;
  }
  sink.end(Buffer.alloc(0));
  await finished;
}
