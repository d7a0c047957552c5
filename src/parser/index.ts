/**
 * The Dockerfile parser's public face: layer 1 (`parseRaw`, `dump`).
 */
export { parseRaw, type ParseRawOptions, type ParseRawResult } from "./parse-raw.js";
export { dump, goQuote } from "./dump.js";
export { MAX_LINE_BYTES } from "./lines.js";
export type { RawInstruction, LowerContext, LowerResult } from "./raw.js";
