/**
 * The Dockerfile parser's public face: `parse` (text -> AST + diagnostics), layer 1 alone
 * (`parseRaw`) and BuildKit's dump format (`dump`).
 */
export { parse, type ParseResult } from "./parse.js";
export { parseRaw, type ParseRawOptions, type ParseRawResult } from "./parse-raw.js";
export { dump } from "./dump.js";
export { goQuote } from "../core/gofmt.js";
export { MAX_LINE_BYTES } from "./lines.js";
export type { RawInstruction, LowerContext, LowerResult } from "./raw.js";
