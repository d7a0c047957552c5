/**
 * The text of the name-resolution files a sandboxed process sees (/etc/hosts and
 * /etc/resolv.conf), as Docker and BuildKit write them. Pure: build steps (executor) and
 * containers (runtime) both write these from their own scratch or state dirs.
 */

/**
 * FALLBACK_NAMESERVERS are used when the host has no usable resolv.conf (BuildKit and Docker
 * fall back to the same public resolvers).
 */
const FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"];

/** hostsFile is the /etc/hosts of a sandbox whose hostname is `hostname`. */
export function hostsFile(hostname: string): string {
  return `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
}

/**
 * resolvConf returns the resolv.conf a sandbox gets from the host's `text`. With the host network
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
