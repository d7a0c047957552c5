// diffUpper's synchronous reader for small files: it reads exactly the file's bytes with room for
// one more, and refuses a file that grew or shrank since the walk, as the streaming reader does.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { diffUpper, type DiffEntry } from "../../src/runtime/diff.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tsbuild-diffread-"));
  mkdirSync(join(dir, "d"));
  writeFileSync(join(dir, "d/f"), "twelve bytes");
  writeFileSync(join(dir, "empty"), "");
  writeFileSync(join(dir, "big"), Buffer.alloc((1 << 20) + 1, 7));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entry(list: DiffEntry[], path: string): DiffEntry {
  const e = list.find((x) => x.path === path);
  if (!e) throw new Error(`no entry ${path}`);
  return e;
}

describe("diffUpper readInto", () => {
  it("reads small files into the target at the offset, and leaves large files to the stream", async () => {
    const list = await diffUpper(dir);
    const target = Buffer.alloc(40, 0xee);
    entry(list, "d/f").readInto?.(target, 5);
    expect(target.subarray(5, 17).toString()).toBe("twelve bytes");
    expect(target[4]).toBe(0xee);
    entry(list, "empty").readInto?.(target, 0);
    expect(entry(list, "empty").readInto).toBeDefined();
    expect(entry(list, "big").readInto).toBeUndefined();
  });

  it("refuses a file that grew or shrank after the walk", async () => {
    const list = await diffUpper(dir);
    const target = Buffer.alloc(64);
    appendFileSync(join(dir, "d/f"), "!");
    expect(() => entry(list, "d/f").readInto?.(target, 0)).toThrow(/d\/f grew/);
    truncateSync(join(dir, "d/f"), 3);
    expect(() => entry(list, "d/f").readInto?.(target, 0)).toThrow(/d\/f shrank/);
  });
});
