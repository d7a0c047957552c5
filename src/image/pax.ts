/** PaxRecords maps PAX keys to their exact value bytes (strings are UTF-8 encoded). */
export type PaxRecords = ReadonlyMap<string, Uint8Array | string>;

/** encodePaxRecords builds `"<len> <key>=<value>\n"` records, where len counts the record's own bytes; values stay byte-exact. */
export function encodePaxRecords(records: PaxRecords): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const body = Buffer.concat([Buffer.from(` ${key}=`, "utf8"), Buffer.from(value), Buffer.from("\n")]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    parts.push(Buffer.from(String(len), "ascii"), body);
  }
  return Buffer.concat(parts);
}

/** decodePaxRecords parses PAX records into key -> raw value bytes, or throws naming what is malformed. */
export function decodePaxRecords(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 0) break; // NUL padding after the last record
    const sp = buf.indexOf(0x20, off);
    const len = sp < 0 ? NaN : Number(buf.toString("ascii", off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off + 1 || off + len > buf.length || buf[off + len - 1] !== 0x0a) {
      throw new Error(`malformed PAX record at byte ${off}`);
    }
    const rec = buf.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new Error(`malformed PAX record at byte ${off}: no key`);
    out.set(rec.toString("utf8", 0, eq), Buffer.from(rec.subarray(eq + 1)));
    off += len;
  }
  return out;
}

/** encodeOctal writes n as zero-padded octal digits followed by a NUL, in a field of width bytes. */
function encodeOctal(buf: Buffer, off: number, width: number, n: number): void {
  buf.write(n.toString(8).padStart(width - 1, "0"), off, width - 1, "ascii");
  buf[off + width - 1] = 0;
}

/**
 * paxHeaderBlock builds the 512-byte ustar header (typeflag `x`) that announces a PAX extended
 * header of `size` bytes. tar-stream cannot write one with a binary body (its pax-header entries
 * are void and its pax values pass through UTF-8), so tsbuild builds this block itself.
 */
export function paxHeaderBlock(size: number, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  h.write("PaxHeader", 0, "ascii");
  encodeOctal(h, 100, 8, 0o644);
  encodeOctal(h, 108, 8, 0);
  encodeOctal(h, 116, 8, 0);
  encodeOctal(h, 124, 12, size);
  encodeOctal(h, 136, 12, Math.max(0, mtime));
  h.write("x", 156, "ascii");
  h.write("ustar\x0000", 257, "binary");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return h;
}
