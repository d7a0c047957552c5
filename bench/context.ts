// Build context hashing: cold (empty hash cache: every file is read) against warm (unchanged
// context, cache filled: no file is read) on a generated context of FILES small files in 100
// directories. Prints one line per run and the files read; run with
// `node --import tsx bench/context.ts [FILES]`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openContext, select, hashSelection, type ContextEntry } from "../src/executor/context.js";
import { streamSha256 } from "../src/executor/context-hash.js";
import { HashCache } from "../src/store/hashcache.js";

const FILES = Number(process.argv[2] ?? 5000);
const DIRS = 100;

/** makeContext writes FILES files of 1-4 kB spread over DIRS directories. */
function makeContext(dir: string): void {
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(dir, `pkg${d}`, "src"), { recursive: true });
    for (let f = d; f < FILES; f += DIRS) {
      writeFileSync(join(dir, `pkg${d}`, "src", `mod${f}.ts`), `export const v${f} = ${JSON.stringify("x".repeat(1000 + (f % 3000)))};\n`);
    }
  }
}

/** run opens the context, hashes all of it and reports the time and the files read. */
async function run(label: string, dir: string, cache: HashCache): Promise<string> {
  let reads = 0;
  const reader = (h: FileHandle, e: ContextEntry): Promise<string> => {
    reads++;
    return streamSha256(h, e);
  };
  const start = process.hrtime.bigint();
  const ctx = await openContext(dir);
  const digest = await hashSelection(ctx, select(ctx, ["."]), { cache, reader });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label.padEnd(6)} ${ms.toFixed(1).padStart(8)} ms  files read: ${String(reads).padStart(5)}  entries: ${ctx.entries.size}`);
  return digest;
}

const root = mkdtempSync(join(tmpdir(), "tsbuild-bench-context-"));
try {
  const ctxDir = join(root, "ctx");
  makeContext(ctxDir);
  console.log(`context: ${FILES} files in ${DIRS} directories`);
  const cache = new HashCache(join(root, "store"));
  const cold = await run("cold", ctxDir, cache);
  const warm: string[] = [];
  for (let i = 1; i <= 3; i++) warm.push(await run(`warm${i}`, ctxDir, cache));
  cache.close();
  if (warm.some((d) => d !== cold)) {
    console.log("FAIL: warm digest differs from cold");
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
