/**
 * EXPOSE rules (BuildKit convert_expose.go): ExposeProtoCasing for `80/TCP` and
 * ExposeInvalidFormat for an IP address or a host port (`127.0.0.1:80:80`, `8080:80`). Ports
 * are expanded with word splitting first; a port spec the build would reject stops the checks
 * for that instruction, as the build error comes first.
 */
import type { Instruction } from "../../ast.js";
import { RULES } from "../catalog.js";
import type { Finding, Rule } from "../types.js";

/** splitParts splits `[ip:]host:container` into its three parts. */
function splitParts(raw: string): { ip: string; host: string; container: string } {
  const parts = raw.split(":");
  const n = parts.length;
  if (n === 1) return { ip: "", host: "", container: parts[0] ?? "" };
  if (n === 2) return { ip: "", host: parts[0] ?? "", container: parts[1] ?? "" };
  return { ip: parts.slice(0, n - 2).join(":"), host: parts[n - 2] ?? "", container: parts[n - 1] ?? "" };
}

/** checkPort reports one port spec; returns false when the spec is invalid. */
function checkPort(raw: string, ins: Instruction, report: (f: Finding) => void): boolean {
  const { ip, host, container } = splitParts(raw);
  const slash = container.indexOf("/");
  const port = slash < 0 ? container : container.slice(0, slash);
  const proto = slash < 0 ? "" : container.slice(slash + 1);
  if (port === "" || !["", "tcp", "udp", "sctp"].includes(proto.toLowerCase())) return false;
  if (proto !== proto.toLowerCase()) {
    report({ rule: "ExposeProtoCasing", message: RULES.ExposeProtoCasing.message(raw), range: ins.range, at: ins });
  }
  if (ip !== "" || host !== "") {
    report({ rule: "ExposeInvalidFormat", message: RULES.ExposeInvalidFormat.message(raw), range: ins.range, at: ins });
  }
  return true;
}

/** expose expands each EXPOSE word in the stage environment and checks every resulting port. */
export const expose: Rule = (input, report) => {
  for (const step of input.steps) {
    const ins = step.instruction;
    if (ins.kind !== "EXPOSE") continue;
    const ports: string[] = [];
    for (const w of ins.ports) ports.push(...(input.expander.words(w.value, step.env) ?? []));
    for (const p of ports) if (!checkPort(p, ins, report)) break;
  }
};
