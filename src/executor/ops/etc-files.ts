/**
 * The name-resolution files a RUN step sees, as BuildKit gives them: /etc/resolv.conf with the
 * host's resolver configuration and /etc/hosts naming localhost and the build hostname. They are
 * bind-mounted from per-step scratch files, so nothing a step writes to them lands in its layer,
 * and a base image without them (Docker's official images ship none) still resolves names.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { SpecMount } from "../../runtime/spec-input.js";

/** HOST_RESOLV_CONF is where the host's resolver configuration is read from. */
export const HOST_RESOLV_CONF = "/etc/resolv.conf";

/**
 * FALLBACK_NAMESERVERS are used when the host has no usable resolv.conf (BuildKit and Docker
 * fall back to the same public resolvers).
 */
const FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"];

/** hostsFile is BuildKit's /etc/hosts for a RUN step whose hostname is `hostname`. */
export function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

/**
 * resolvConf returns the resolv.conf a step gets from the host's `text`. With the host network
 * it is the host's file unchanged (a loopback resolver such as systemd-resolved's 127.0.0.53 is
 * reachable there). Without a network, loopback nameservers are dropped as Docker does. When no
 * nameserver is left (or the host has no file), the public fallback resolvers are listed.
 */
export function resolvConf(text: string | undefined, network: "host" | "none"): string {
  const lines = (text ?? "").split("\n");
  const isLoopback = (l: string): boolean => /^\s*nameserver\s+(127\.\S*|::1)\s*$/.test(l);
  const kept = network === "host" ? lines : lines.filter((l) => !isLoopback(l));
  if (kept.some((l) => /^\s*nameserver\s+\S/.test(l))) return kept.join("\n").replace(/\n*$/, "\n");
  return [...kept.filter((l) => l.trim() !== "" && !/^\s*nameserver\b/.test(l)), ...FALLBACK_NAMESERVERS.map((n) => `nameserver ${n}`)].join("\n") + "\n";
}

/**
 * etcMounts writes the step's resolv.conf and hosts into `scratch` (a private dir removed after the
 * step) and returns their bind mounts. A host without /etc/resolv.conf gets the fallback
 * resolvers; any other read error rejects.
 */
export async function etcMounts(scratch: string, hostname: string, network: "host" | "none", hostResolvConf = HOST_RESOLV_CONF): Promise<SpecMount[]> {
  const host = await readFile(hostResolvConf, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  await writeFile(`${scratch}/resolv.conf`, resolvConf(host, network), { mode: 0o644 });
  await writeFile(`${scratch}/hosts`, hostsFile(hostname), { mode: 0o644 });
  return [
    { type: "bind", source: `${scratch}/resolv.conf`, destination: "/etc/resolv.conf" },
    { type: "bind", source: `${scratch}/hosts`, destination: "/etc/hosts" },
  ];
}
