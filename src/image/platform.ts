import type { Platform } from "./oci.js";

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64" };

/** hostPlatform returns this machine's platform with OCI (GOARCH) names: Node's `x64` is `amd64`. */
export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  return architecture === "arm64" ? { os: "linux", architecture, variant: "v8" } : { os: "linux", architecture };
}
