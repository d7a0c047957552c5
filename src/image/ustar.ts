/**
 * encodeUstar writes one 512-byte ustar header block, byte for byte as tar-stream 3 writes it
 * (so layer digests do not depend on which of the two wrote a layer): octal fields of 6 or 11
 * digits followed by a space, a name over 100 bytes split at a `/` into the 155-byte prefix, magic
 * `ustar\0` and version `00`, the checksum as 6 octal digits, a space and the NUL left from the
 * field. The caller guarantees what ustar can hold (ASCII names and link targets that fit, ids
 * under 8^6); anything else is a TypeError, never a silently wrong header.
 */

/** UstarType is an entry's typeflag name. */
export type UstarType = "file" | "link" | "symlink" | "character-device" | "block-device" | "directory" | "fifo";

/** UstarHeader is what one header block holds; `mtime` is in whole seconds, `mode` the permission bits (others are masked off). */
export interface UstarHeader {
  readonly name: string;
  readonly type: UstarType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly linkname?: string;
  readonly devmajor?: number;
  readonly devminor?: number;
}

const TYPEFLAG: Readonly<Record<UstarType, number>> = { file: 0, link: 1, symlink: 2, "character-device": 3, "block-device": 4, directory: 5, fifo: 6 };
const MAGIC = Buffer.from("ustar\x0000", "latin1");

/** octal writes `n` as `digits` zero-padded octal digits and a space (all sevens when it does not fit, as tar-stream). */
function octal(buf: Buffer, off: number, digits: number, n: number): void {
  const s = n.toString(8);
  buf.write(s.length > digits ? `${"7".repeat(digits)} ` : `${s.padStart(digits, "0")} `, off, "latin1");
}

/** splitName splits a long name at `/` into prefix and name, as tar-stream does; undefined when it cannot. */
function splitName(full: string): { name: string; prefix: string } | undefined {
  let name = full;
  let prefix = "";
  while (name.length > 100) {
    const i = name.indexOf("/");
    if (i === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  return prefix.length > 155 ? undefined : { name, prefix };
}

/** encodeUstar returns the header block for `h` (see the module comment). */
export function encodeUstar(h: UstarHeader): Buffer {
  const full = h.name; // directories come named with their trailing "/" (tarNameOf); none is added here, as in tar-stream
  const split = /^[\x00-\x7f]*$/.test(full) ? splitName(full) : undefined;
  if (!split) throw new TypeError(`internal: tar name ${JSON.stringify(full)} does not fit a ustar header`);
  if (h.linkname && (h.linkname.length > 100 || !/^[\x00-\x7f]*$/.test(h.linkname))) throw new TypeError(`internal: link target ${JSON.stringify(h.linkname)} does not fit a ustar header`);
  const buf = Buffer.alloc(512);
  buf.write(split.name, 0, "latin1");
  octal(buf, 100, 6, h.mode & 0o7777);
  octal(buf, 108, 6, h.uid);
  octal(buf, 116, 6, h.gid);
  const size = h.type === "file" ? h.size : 0;
  if (size.toString(8).length > 11) throw new TypeError(`internal: entry ${full} is too large for a ustar size field`);
  octal(buf, 124, 11, size);
  octal(buf, 136, 11, h.mtime | 0);
  buf[156] = 0x30 + TYPEFLAG[h.type];
  if (h.linkname) buf.write(h.linkname, 157, "latin1");
  MAGIC.copy(buf, 257);
  octal(buf, 329, 6, h.devmajor ?? 0);
  octal(buf, 337, 6, h.devminor ?? 0);
  if (split.prefix) buf.write(split.prefix, 345, "latin1");
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += buf[i] as number;
  for (let i = 156; i < 512; i++) sum += buf[i] as number;
  octal(buf, 148, 6, sum);
  return buf;
}
