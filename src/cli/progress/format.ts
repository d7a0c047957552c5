/**
 * Formatting shared by the progress renderers: durations, byte counts and the outcome type every
 * renderer's `finish` receives.
 */
import type { BuildEvent, BuildResult } from "../../api/essentials.js";

/** BuildOutcome is how a build ended: its result, or the error it failed with plus the Dockerfile text when known (for code frames). */
export type BuildOutcome =
  | { readonly ok: true; readonly result: BuildResult }
  | { readonly ok: false; readonly error: unknown; readonly dockerfileText?: string | undefined };

/** ProgressRenderer consumes a build's events in order, then `finish` once with the outcome (awaited: the tty view releases the terminal). */
export interface ProgressRenderer {
  readonly onEvent: (event: BuildEvent) => void;
  finish(outcome: BuildOutcome): void | Promise<void>;
}

/** seconds formats milliseconds as seconds with `digits` decimals (`0.4`, `0.211`); negative spans print as 0. */
export function seconds(ms: number, digits = 1): string {
  return (Math.max(0, ms) / 1000).toFixed(digits);
}

const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** bytes formats a byte count in decimal units as BuildKit does (`2B`, `12.3kB`, `45.6MB`). */
export function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v}B` : `${v.toFixed(v < 10 ? 2 : 1)}${UNITS[u]}`;
}

/** plural returns `1 step` / `2 steps`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
