/**
 * Parsed Dockerfiles kept in the store (`<store>/parse-cache/<hex>`), so that a rebuild of an
 * unchanged Dockerfile does not load the parser (chevrotain and its grammar set-up, ~40 ms) at
 * all. Only the bundled CLI caches: its bundle defines __TSBUILD_PARSER_FINGERPRINT__, a digest
 * of the parser's sources and chevrotain's version (scripts/bundle-cli.mjs), which keys each
 * entry together with the file name and the text. Everywhere else every parse is fresh.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { deserialize, serialize } from "node:v8";
import type { ParseResult } from "../parser/index.js";

declare const __TSBUILD_PARSER_FINGERPRINT__: string | undefined;

/** FINGERPRINT is the bundle's parser digest, or undefined outside the bundled CLI. */
const FINGERPRINT = typeof __TSBUILD_PARSER_FINGERPRINT__ === "string" ? __TSBUILD_PARSER_FINGERPRINT__ : undefined;

/** freshParse loads the parser (on first use only) and parses `text`. */
async function freshParse(text: string, file: string): Promise<ParseResult> {
  return (await import("../parser/index.js")).parse(text, { file });
}

/** cached reads an entry; undefined when it is missing or unreadable as one (a torn write), so it is parsed again. */
async function cached(path: string): Promise<ParseResult | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const v = deserialize(bytes) as Partial<ParseResult> | null;
    return v && typeof v.source === "string" && Array.isArray(v.diagnostics) && typeof v.ast === "object" && v.ast !== null ? (v as ParseResult) : undefined;
  } catch {
    // Not a serialized value (cut short by a crash): the entry is written again below.
    return undefined;
  }
}

/** parseDockerfile parses `text` (named `file` in diagnostics), through the store's parse cache under `root` when there is one. */
export async function parseDockerfile(root: string, text: string, file: string): Promise<ParseResult> {
  if (FINGERPRINT === undefined) return freshParse(text, file);
  const key = createHash("sha256").update(`${FINGERPRINT}\0${file}\0`).update(text).digest("hex");
  const dir = `${root}/parse-cache`;
  const path = `${dir}/${key}`;
  const hit = await cached(path);
  if (hit) return hit;
  const r = await freshParse(text, file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, serialize(r));
  await rename(tmp, path);
  return r;
}
