/** EXPOSE: each token is expanded WITH word splitting, then parsed as [ip:][host:]port[-end][/proto]. */
import { goSlice } from "../../core/gofmt.js";
import type { ExposeInstruction } from "../../parser/ast.js";
import { report, type PlanContext } from "../context.js";
import type { Expander } from "../expand.js";
import { commitHistory, type StageState } from "../state.js";

function portNumber(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return s === "" ? "value is empty" : "invalid syntax";
  const n = Number(s);
  return n < 0 || n > 65535 ? "value out of range (0–65535)" : n;
}

function portRange(s: string): [number, number] | string {
  if (s === "") return "empty string specified for ports";
  const dash = s.indexOf("-", 1);
  const start = dash < 0 ? s : s.slice(0, dash);
  const a = portNumber(start);
  if (typeof a === "string") return `invalid start port '${start}': ${a}`;
  if (dash < 0 || start === s.slice(dash + 1)) return [a, a];
  const b = portNumber(s.slice(dash + 1));
  if (typeof b === "string") return `invalid end port '${s.slice(dash + 1)}': ${b}`;
  return b < a ? `invalid port range: ${s}` : [a, b];
}

/** parsePortSpec returns `port/proto` keys for one spec (ranges expanded), or an error message. */
export function parsePortSpec(raw: string): string[] | string {
  const parts = raw.split(":");
  const containerPart = parts[parts.length - 1]!;
  const slash = containerPart.indexOf("/");
  const port = slash < 0 ? containerPart : containerPart.slice(0, slash);
  const proto = slash < 0 ? "" : containerPart.slice(slash + 1);
  if (port === "") return `invalid port: ${JSON.stringify(raw)}: no port specified`;
  const lower = proto.toLowerCase();
  if (lower !== "" && lower !== "tcp" && lower !== "udp" && lower !== "sctp") {
    return `invalid port: ${JSON.stringify(raw)}: invalid proto: ${proto}`;
  }
  const range = portRange(port);
  if (typeof range === "string") return `invalid containerPort: ${port}`;
  const out: string[] = [];
  for (let p = range[0]; p <= range[1]; p++) out.push(`${p}/${lower || "tcp"}`);
  return out;
}

/** lowerExpose adds the ports to ExposedPorts. */
export function lowerExpose(ins: ExposeInstruction, state: StageState, x: Expander, ctx: PlanContext): void {
  const ports: string[] = [];
  for (const w of ins.ports) {
    const words = x.words(w.value, w.range);
    if (!words) return;
    for (const spec of words) {
      const r = parsePortSpec(spec);
      if (typeof r === "string") {
        report(ctx, "error", "InvalidPort", r, w.range);
        return;
      }
      ports.push(...r);
    }
  }
  const exposed = (state.config.ExposedPorts ??= {});
  for (const p of ports) exposed[p] = {};
  commitHistory(state, `EXPOSE ${goSlice(ports)}`, false, false);
}
