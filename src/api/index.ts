/**
 * tsbuild's public API. Everything a program (or tsbuild's own CLI) may use is exported here.
 */
export { parse, parseRaw, dump, goQuote, MAX_LINE_BYTES } from "../parser/index.js";
export type { ParseResult, ParseRawResult, ParseRawOptions, RawInstruction } from "../parser/index.js";
export { checkDockerfile } from "./check.js";
export type { CheckInput, CheckResult } from "./check.js";
export { lint, RULES, RULE_NAMES } from "../parser/lint/index.js";
export type { LintOptions, RuleName } from "../parser/lint/index.js";
export { build, createBuilder } from "./builder.js";
export type { Builder } from "./builder.js";
export * from "./essentials.js";
