/**
 * Byte-level intake of a Dockerfile: strict UTF-8 decoding, BOM removal and NUL detection.
 * Node's `Buffer.toString("utf8")` would silently turn bad bytes into U+FFFD and change what a
 * RUN line executes, so bad bytes are reported with their line and column instead.
 */
import type { Diagnostic, Position } from "../core/diagnostic.js";

/** Decoded is a Dockerfile as text plus the encoding problems found on the way. */
export interface Decoded {
  /** The text with any UTF-8 BOM removed; every offset in the parser's ranges indexes this string. */
  readonly text: string;
  readonly diagnostics: Diagnostic[];
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** positionAt computes the 1-based line and column (UTF-16 units) of a string offset. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1, offset };
}

/** utf8SequenceLength returns the length of the valid UTF-8 sequence at i, or 0 when the bytes there are invalid. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** invalidBytes finds the byte offset of the first invalid UTF-8 sequence and counts all of them. */
function invalidBytes(b: Uint8Array): { first: number; count: number } {
  let first = -1;
  let count = 0;
  for (let i = 0; i < b.length; ) {
    const n = utf8SequenceLength(b, i);
    if (n === 0) {
      if (first < 0) first = i;
      count++;
      i++;
    } else i += n;
  }
  return { first, count };
}

function error(code: string, message: string, file: string, start: Position, notes: string[]): Diagnostic {
  const end = { line: start.line, column: start.column + 1, offset: start.offset + 1 };
  return { code, severity: "error", message, file, range: { start, end }, notes: notes.map((m) => ({ message: m })) };
}

/** decodeBytes decodes UTF-8 strictly; invalid bytes give an InvalidUTF8 error and are decoded as U+FFFD so parsing can go on. */
function decodeBytes(bytes: Uint8Array, file: string, diagnostics: Diagnostic[]): string {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    // Expected for bad input: the fatal decoder only says "invalid", so find where, report it, then decode leniently.
    const { first, count } = invalidBytes(bytes);
    const text = lenientDecoder.decode(bytes);
    const prefix = lenientDecoder.decode(bytes.subarray(0, Math.max(first, 0)));
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    const byte = (bytes[first] ?? 0).toString(16).padStart(2, "0");
    const more = count > 1 ? ` (${count} invalid bytes in total)` : "";
    diagnostics.push(
      error("InvalidUTF8", `invalid UTF-8: byte 0x${byte} at byte offset ${first}${more}`, file, positionAt(text, prefix.length), [
        utf16 ? "the file starts with a UTF-16 byte order mark: save it as UTF-8" : "save the Dockerfile as UTF-8 text",
      ]),
    );
    return text;
  }
}

// Deviation: BuildKit passes invalid UTF-8 and NUL through; tsbuild reports them (grammar/DEVIATIONS.md).
/**
 * decode turns the input into text: bytes are decoded as strict UTF-8, a leading BOM (U+FEFF)
 * is removed (BuildKit discardBOM), and NUL characters are reported (the parser keeps them).
 */
export function decode(input: string | Uint8Array, file: string): Decoded {
  const diagnostics: Diagnostic[] = [];
  let text: string;
  if (typeof input === "string") {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    const bom = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf;
    text = decodeBytes(bom ? input.subarray(3) : input, file, diagnostics);
  }
  const nul = text.indexOf("\0");
  if (nul !== -1) {
    let count = 0;
    for (let i = nul; i !== -1; i = text.indexOf("\0", i + 1)) count++;
    const more = count > 1 ? ` (${count} NUL characters in total)` : "";
    diagnostics.push(
      error("NulByte", `NUL character in Dockerfile${more}`, file, positionAt(text, nul), [
        "a Dockerfile is UTF-8 text; a NUL usually means a UTF-16 or binary file: save it as UTF-8",
      ]),
    );
  }
  return { text, diagnostics };
}
