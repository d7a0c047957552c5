/**
 * Mapping from a joined logical line back to the source. Line continuation deletes the escape
 * character and the line break, so an index into the joined text is not a source offset; an
 * OffsetMap keeps one segment per physical-line piece and translates exactly.
 */
import type { Position, SourceRange } from "../core/diagnostic.js";

/** Segment is one contiguous piece of a physical line copied into the joined text. */
export interface Segment {
  /** Index in the joined text where this piece starts. */
  readonly joined: number;
  /** Source offset of the piece's first character. */
  readonly offset: number;
  /** 1-based physical line and column of that character. */
  readonly line: number;
  readonly column: number;
}

/**
 * OffsetMap translates joined-text indices to source positions. Segments are in joined order;
 * an index at a segment boundary maps to the start of the later segment, except for range ends,
 * which map just past the earlier segment's last character.
 */
export class OffsetMap {
  readonly segments: Segment[] = [];

  /** add appends a segment; pieces of zero length are kept too so empty lines still map somewhere. */
  add(joined: number, offset: number, line: number, column: number): void {
    const last = this.segments[this.segments.length - 1];
    if (last && last.joined === joined) this.segments.pop();
    this.segments.push({ joined, offset, line, column });
  }

  /** find returns the last segment whose start is <= i (binary search; no recursion). */
  private find(i: number, preferEarlier: boolean): Segment {
    const segs = this.segments;
    if (segs.length === 1) return segs[0] as Segment;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const s = segs[mid] as Segment;
      if (s.joined < i || (s.joined === i && !preferEarlier)) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo] ?? { joined: 0, offset: 0, line: 1, column: 1 };
  }

  /** position maps a joined index to a source position (start of a character). */
  position(i: number): Position {
    const s = this.find(i, false);
    const d = i - s.joined;
    return { line: s.line, column: s.column + d, offset: s.offset + d };
  }

  /** endPosition maps an exclusive end index: at a boundary it stays on the earlier physical line. */
  endPosition(i: number): Position {
    const s = this.find(i, true);
    const d = i - s.joined;
    return { line: s.line, column: s.column + d, offset: s.offset + d };
  }

  /** range maps the joined span [a, b) to a source range. */
  range(a: number, b: number): SourceRange {
    const start = this.position(a);
    return { start, end: b <= a ? start : this.endPosition(b) };
  }
}

/** GO_SPACE holds the code points Go's unicode.IsSpace accepts. */
const GO_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);

/** isGoSpace reports whether a UTF-16 code unit is white space for Go's unicode.IsSpace. */
export function isGoSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && (GO_SPACE.has(c) || (c >= 0x2000 && c <= 0x200a)));
}

/** isLineSpace reports whether c is in BuildKit's reWhitespace class `[\t\v\f\r ]`. */
export function isLineSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d;
}

/** isByteSpace reports whether c counts as space for BuildKit's byte-wise flag scanner (unicode.IsSpace of one byte). */
export function isByteSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0x85 || c === 0xa0;
}

/** trimBounds returns [start, end) of s[a, b) with Go white space removed at both ends. */
export function trimBounds(s: string, a: number, b: number): [number, number] {
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return [a, b];
}
