/** RUN: a command in shell, exec or heredoc form, with --mount, --network, --security, --device (reference.md "RUN"). */
import type { Mount, RunInstruction } from "../ast.js";
import { commandOf } from "./command.js";
import { nodeOf, report, type Lowering } from "./common.js";
import { checkDevice } from "./device.js";
import { flagsFor, type ParsedFlags } from "./flags.js";
import { parseMount } from "./mount.js";

const NETWORKS = ["default", "none", "host"] as const;
const SECURITY = ["sandbox", "insecure"] as const;

/** choice reads a string flag whose value must be one of `allowed` (not expanded by BuildKit). */
function choice<T extends string>(l: Lowering, f: ParsedFlags, name: string, allowed: readonly T[], message: (v: string) => string): T | undefined {
  const flag = f.get(name);
  if (flag?.value === undefined) return undefined;
  const v = allowed.find((a) => a === flag.value);
  if (v === undefined) report(l, "InvalidFlagValue", message(flag.value), flag.valueRange ?? flag.range);
  return v;
}

/** lowerRun checks RUN's flags and builds its command; heredoc bodies come along unchanged. */
export function lowerRun(l: Lowering): RunInstruction {
  const { raw } = l;
  const f = flagsFor(l, "run");
  const mounts: Mount[] = [];
  for (const flag of f.all("mount")) {
    const m = parseMount(l, flag);
    if (m) mounts.push(m);
  }
  const devices = f.all("device");
  for (const d of devices) checkDevice(l, d);
  return nodeOf(raw, {
    kind: "RUN",
    command: commandOf(raw),
    heredocs: raw.heredocs,
    mounts,
    network: choice(l, f, "network", NETWORKS, (v) => `invalid network mode ${JSON.stringify(v)}`),
    security: choice(l, f, "security", SECURITY, (v) => `security ${JSON.stringify(v)} is not valid`),
    devices: devices.map((d) => d.value ?? ""),
  });
}
