import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { expect } from "vitest";

/**
 * expectGolden compares `actual` (serialised as pretty JSON) with the file at `path`; with
 * UPDATE_GOLDEN=1 it rewrites the file instead so the diff can be reviewed.
 */
export function expectGolden(path: string, actual: unknown): void {
  const text = JSON.stringify(actual, null, 2) + "\n";
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`golden file ${path} is missing: run with UPDATE_GOLDEN=1 and review it`, { cause: err });
  }
  expect(text).toBe(expected);
}
