import type { Command } from "commander";

/** storeOpts reads the global `--root` option for commands that use the store. */
export function storeOpts(cmd: Command): { root?: string } {
  const root = (cmd.optsWithGlobals() as { root?: string }).root;
  return root === undefined ? {} : { root };
}

/** humanSize prints bytes the way `docker images` does: SI units, three significant digits. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toPrecision(3).replace(/\.?0+$/, "")}${units[i]}`;
}

/** ago prints a past time as "N units ago". */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  const steps: [number, string][] = [[86400 * 365, "year"], [86400 * 30, "month"], [86400 * 7, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [n, unit] of steps) if (s >= n) return `${Math.floor(s / n)} ${unit}${Math.floor(s / n) > 1 ? "s" : ""} ago`;
  return `${s} seconds ago`;
}

/** table left-aligns columns with three spaces between them, as docker's tables do. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join("")).join("\n") + "\n";
}

/** parseSize reads sizes like `512MB`, `2GiB`, `1000` into bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?$/.exec(text.trim());
  if (!m) throw new Error(`invalid size ${JSON.stringify(text)}: use a number with an optional unit such as 512MB or 2GiB`);
  const power = " kmgt".indexOf((m[2] || " ").toLowerCase());
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

/** parseDuration reads Go-style durations such as `24h`, `90m`, `1h30m` into milliseconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`invalid duration ${JSON.stringify(text)}: use forms like 24h, 90m or 1h30m`);
  return total;
}
