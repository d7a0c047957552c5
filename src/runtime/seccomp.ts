import type { Capability } from "./capabilities.js";
import type { OciSeccomp, OciSeccompSyscall } from "./oci-types.js";
import {
  DEFAULT_SECCOMP_ERRNO,
  SECCOMP_ALWAYS_ALLOWED,
  SECCOMP_CONDITIONAL_RULES,
  type SeccompCondition,
  type SeccompRule,
} from "./seccomp-default.js";

/** SECCOMP_ARCHES maps a Go architecture name to the libseccomp architectures a profile covers. */
const SECCOMP_ARCHES: Readonly<Record<string, readonly string[]>> = {
  amd64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  arm64: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
  mips64: ["SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"],
  mips64le: ["SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"],
  s390x: ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"],
  riscv64: ["SCMP_ARCH_RISCV64"],
  loong64: ["SCMP_ARCH_LOONGARCH64"],
};

const OPS: Readonly<Record<string, string>> = {
  eq: "SCMP_CMP_EQ",
  lt: "SCMP_CMP_LT",
  gt: "SCMP_CMP_GT",
  "masked-eq": "SCMP_CMP_MASKED_EQ",
};

function matches(cond: SeccompCondition, caps: ReadonlySet<Capability>, arch: string, every: boolean): boolean {
  const tests: boolean[] = [];
  if (cond.caps) tests.push(every ? cond.caps.every((c) => caps.has(c)) : cond.caps.some((c) => caps.has(c)));
  if (cond.arches) tests.push(cond.arches.includes(arch));
  return every ? tests.every(Boolean) : tests.some(Boolean);
}

function applies(rule: SeccompRule, caps: ReadonlySet<Capability>, arch: string): boolean {
  if (rule.when && !matches(rule.when, caps, arch, true)) return false;
  if (rule.unless && matches(rule.unless, caps, arch, false)) return false;
  return true;
}

function toOci(rule: SeccompRule): OciSeccompSyscall {
  const out: OciSeccompSyscall = {
    names: [...rule.syscalls],
    action: rule.action === "allow" ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO",
  };
  if (rule.errno !== undefined) out.errnoRet = rule.errno;
  if (rule.args) {
    out.args = rule.args.map((a) => ({ index: a.index, value: a.value, valueTwo: 0, op: OPS[a.op] ?? a.op }));
  }
  return out;
}

/**
 * defaultSeccomp resolves Docker's default profile for a container holding `caps` on Go
 * architecture `arch`, the way moby does at container creation: conditional rules whose
 * capability or architecture conditions fail are dropped. Unknown architectures get an empty
 * architecture list (the runtime then uses the native one). The profile is made once per
 * (capabilities, architecture) and frozen: every spec of a process shares it, so a runtime driver
 * can tell the default profile by identity (and cache what it derives from it).
 */
export function defaultSeccomp(caps: readonly Capability[], arch: string): OciSeccomp {
  const key = `${arch}\0${[...caps].sort().join(",")}`;
  let profile = profiles.get(key);
  if (profile === undefined) profiles.set(key, (profile = deepFreeze(makeDefaultSeccomp(caps, arch))));
  return profile;
}

/** profiles holds the default profiles made so far, by architecture and sorted capabilities. */
const profiles = new Map<string, OciSeccomp>();

/** deepFreeze freezes `value` and everything it holds. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** makeDefaultSeccomp builds the profile defaultSeccomp returns. */
function makeDefaultSeccomp(caps: readonly Capability[], arch: string): OciSeccomp {
  const held = new Set(caps);
  const syscalls: OciSeccompSyscall[] = [{ names: [...SECCOMP_ALWAYS_ALLOWED], action: "SCMP_ACT_ALLOW" }];
  for (const rule of SECCOMP_CONDITIONAL_RULES) {
    if (applies(rule, held, arch)) syscalls.push(toOci(rule));
  }
  return {
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: DEFAULT_SECCOMP_ERRNO,
    architectures: [...(SECCOMP_ARCHES[arch] ?? [])],
    syscalls,
  };
}

/** goArch maps Node's `process.arch` spelling to Go's GOARCH spelling used by the profile. */
export function goArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: "amd64", ia32: "386", ppc64: "ppc64le", mipsel: "mipsle" };
  return map[nodeArch] ?? nodeArch;
}
