import { posix } from "node:path";
import type { OciMount, OciSpec } from "../oci-types.js";

/**
 * BuiltinPlan is everything the builtin driver's setup script needs, with every path inside the
 * rootfs already resolved by the driver (no symlink crossing): `targets` maps a mount destination
 * to its path relative to the rootfs.
 */
export interface BuiltinPlan {
  readonly spec: OciSpec;
  readonly rootfs: string;
  readonly stage: string;
  readonly targets: ReadonlyMap<string, string>;
  readonly stagedFiles: readonly string[];
  readonly cgroupFs: "cgroup2" | "tmpfs";
  readonly loopbackUp: string | undefined;
  readonly tools: { readonly setpriv: string; readonly env: string; readonly unshare: string; readonly umount: string };
}

/** q quotes one word for sh. */
export function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** DEVICES are the runtime-spec default device nodes (name, major, minor), copied from the host's /dev. */
const DEVICES: readonly [string, number, number][] = [
  ["null", 1, 3],
  ["zero", 1, 5],
  ["full", 1, 7],
  ["random", 1, 8],
  ["urandom", 1, 9],
  ["tty", 5, 0],
];

const DEV_LINKS: readonly [string, string][] = [
  ["fd", "/proc/self/fd"],
  ["stdin", "/proc/self/fd/0"],
  ["stdout", "/proc/self/fd/1"],
  ["stderr", "/proc/self/fd/2"],
  ["ptmx", "pts/ptmx"],
];

/** devSetup creates the default device nodes (one mknod each is slower than one cp of the host's). */
function devSetup(dev: string): string[] {
  const nodes = DEVICES.map(([name]) => q(`/dev/${name}`)).join(" ");
  const out = [`cp -a ${nodes} ${q(dev)}`];
  for (const [name, target] of DEV_LINKS) out.push(`ln -s ${q(target)} ${q(`${dev}/${name}`)}`);
  return out;
}

function splitOptions(options: readonly string[]): { flags: string[]; ro: boolean; bind: boolean } {
  const bindish = new Set(["bind", "rbind", "rprivate", "private", "rslave", "slave"]);
  return {
    flags: options.filter((o) => o !== "ro" && !bindish.has(o)),
    ro: options.includes("ro"),
    bind: options.includes("bind") || options.includes("rbind"),
  };
}

/**
 * mountCommands turns one OCI mount into mount(8) commands on `target`: bind mounts are recursive
 * and private, read-only binds are remounted read-only, `cgroup` becomes a read-only cgroup2 or
 * an empty read-only tmpfs (v1 hierarchies are not rebuilt), and /dev gets the default devices.
 */
function mountCommands(m: OciMount, target: string, plan: BuiltinPlan): string[] {
  const { flags, ro, bind } = splitOptions(m.options);
  if (m.type === "bind" || bind) return [`mount --rbind --make-rprivate ${ro ? "-o ro " : ""}${q(m.source)} ${q(target)}`];
  const type = m.type === "cgroup" ? plan.cgroupFs : m.type;
  const opts = [...(ro ? ["ro"] : []), ...flags].join(",");
  const out = [`mount -t ${q(type)} ${opts ? `-o ${q(opts)} ` : ""}${q(m.source)} ${q(target)}`];
  if (m.destination === "/dev") out.push(...devSetup(target));
  return out;
}

function isUnder(path: string, dir: string): boolean {
  return path !== dir && path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

function allMounts(plan: BuiltinPlan, root: string): string[] {
  const out: string[] = [];
  const done: string[] = [];
  for (const m of plan.spec.mounts) {
    const parent = done.find((d) => isUnder(m.destination, d));
    const rel = plan.targets.get(m.destination);
    const target = parent !== undefined ? posix.join(root, m.destination) : posix.join(root, rel ?? m.destination);
    if (parent !== undefined) out.push(`[ -e ${q(target)} ] || mkdir -p ${q(target)}`);
    out.push(...mountCommands(m, target, plan));
    done.push(m.destination);
  }
  return out;
}

function protectPaths(spec: OciSpec, root: string): string[] {
  const out: string[] = [];
  for (const p of spec.linux.maskedPaths) {
    const t = q(posix.join(root, p));
    out.push(`if [ -d ${t} ]; then mount -t tmpfs -o ro,nosuid,nodev,noexec tmpfs ${t}; elif [ -e ${t} ]; then mount --bind ${q(`${root}/dev/null`)} ${t}; fi`);
  }
  for (const p of spec.linux.readonlyPaths) {
    const t = q(posix.join(root, p));
    out.push(`if [ -e ${t} ]; then mount --bind -o ro,nosuid,nodev,noexec ${t} ${t}; fi`);
  }
  return out;
}

/**
 * stageCommands fills the stage tmpfs with copies of the host tools the last steps need (copies,
 * so nothing that leaves the container's chroot can touch the host's binaries).
 */
function stageCommands(plan: BuiltinPlan): string[] {
  return [
    `mount -t tmpfs -o mode=755,size=65536k tsbuild-stage ${q(plan.stage)}`,
    `cp -L --parents ${plan.stagedFiles.map(q).join(" ")} ${q(plan.stage)}`,
    `mkdir ${q(`${plan.stage}/ctr`)} ${q(`${plan.stage}/proc`)} ${q(`${plan.stage}/old`)}`,
  ];
}

const RLIMIT_FLAGS: Readonly<Record<string, string>> = {
  RLIMIT_NOFILE: "-n",
  RLIMIT_NPROC: "-u",
  RLIMIT_CORE: "-c",
  RLIMIT_STACK: "-s",
};

function rlimitCommands(spec: OciSpec): string[] {
  return spec.process.rlimits.flatMap((r) => {
    const flag = RLIMIT_FLAGS[r.type];
    return flag ? [`ulimit -H ${flag} ${r.hard}`, `ulimit -S ${flag} ${r.soft}`] : [];
  });
}

/**
 * finalExec drops to Docker's capability bounding set with no inheritable or ambient caps and
 * no_new_privs (setpriv), replaces the environment with the container's (env -i), then chroots
 * into /ctr at `cwd` and execs the command (unshare --root --wd). uid 0 keeps its groups
 * (setpriv sets gid and supplementary groups); other users switch ids in unshare, which clears
 * supplementary groups (a documented limit of this driver).
 */
function finalExec(plan: BuiltinPlan): string {
  const { process: proc } = plan.spec;
  const caps = proc.capabilities.bounding.map((c) => `+${c.replace(/^CAP_/, "").toLowerCase()}`);
  const root = proc.user.uid === 0;
  const setpriv = [plan.tools.setpriv, "--inh-caps=-all", "--ambient-caps=-all", `--bounding-set=${["-all", ...caps].join(",")}`];
  if (proc.noNewPrivileges) setpriv.push("--nnp");
  if (root) {
    const groups = proc.user.additionalGids.length > 0 ? `--groups=${proc.user.additionalGids.join(",")}` : "--clear-groups";
    setpriv.push(`--regid=${proc.user.gid}`, groups);
  }
  const ids = root ? [] : [`--setgid=${proc.user.gid}`, `--setuid=${proc.user.uid}`];
  const unshare = [plan.tools.unshare, "--root=/ctr", `--wd=${proc.cwd}`, ...ids, "--"];
  const words = [...setpriv, "--", plan.tools.env, "-i", ...proc.env, ...unshare, ...proc.args];
  return `exec ${words.map(q).join(" ")}`;
}

/**
 * builtinScript returns the script the builtin driver runs as root in fresh mount, uts, ipc,
 * cgroup (and net) namespaces; its child, pid 1 of a fresh pid namespace, does the setup: stage the host tools, bind the rootfs under the stage,
 * mount the spec's filesystems, mask and protect paths, set the hostname, pivot_root into the
 * stage and detach the host's root, then drop capabilities (setpriv), reset the environment (env)
 * and chroot into the container root at `cwd` (unshare --root/--wd) to exec the command.
 */
export function builtinScript(plan: BuiltinPlan): string {
  const root = posix.join(plan.stage, "ctr");
  const lines = [
    "trap - INT QUIT",
    "set -eu",
    ...stageCommands(plan),
    `mount --rbind ${q(plan.rootfs)} ${q(root)}`,
    `mount --make-rprivate ${q(root)}`,
    ...allMounts(plan, root),
    ...protectPaths(plan.spec, root),
    ...(plan.spec.root.readonly ? [`mount -o remount,bind,ro ${q(root)}`] : []),
    `echo ${q(plan.spec.hostname)} > /proc/sys/kernel/hostname`,
    ...(plan.loopbackUp ? [`${q(plan.loopbackUp)} link set lo up`] : []),
    `mount -t proc -o nosuid,noexec,nodev proc ${q(`${plan.stage}/proc`)}`,
    `mount -o remount,ro ${q(plan.stage)}`,
    `cd ${q(plan.stage)}`,
    "pivot_root . old",
    "cd /",
    `${q(plan.tools.umount)} -l /old`,
    ...rlimitCommands(plan.spec),
    // Only fds 0-2 may reach the container: close whatever tsbuild's own parent leaked to it.
    'for fd in /proc/self/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done',
    finalExec(plan),
  ];
  // The setup runs as the first process of the new pid namespace (its pid 1, a child of this
  // shell) so that this shell reports how it ended: `wait` gives 128+n when a signal killed it.
  // Its own stderr goes to /dev/null (bash reports killed jobs there); the child gets the real one.
  return `exec 3>&2 2>/dev/null\n(\nexec 2>&3 3>&-\n${lines.join("\n")}\n) <&0 &\nwait $!\nexit $?\n`;
}
