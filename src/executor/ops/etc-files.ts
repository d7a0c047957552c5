/**
 * The name-resolution files a RUN step sees, as BuildKit gives them: /etc/resolv.conf with the
 * host's resolver configuration and /etc/hosts naming localhost and the build hostname. They are
 * bind-mounted from per-step scratch files, so nothing a step writes to them lands in its layer,
 * and a base image without them (Docker's official images ship none) still resolves names.
 */
import { readFile, writeFile } from "node:fs/promises";
import { hostsFile, resolvConf } from "../../core/etc-files.js";
import type { SpecMount } from "../../runtime/spec-input.js";

export { hostsFile, resolvConf };

/** HOST_RESOLV_CONF is where the host's resolver configuration is read from. */
export const HOST_RESOLV_CONF = "/etc/resolv.conf";

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
