import { InputError } from "../core/index.js";
import { readConfinedFile, type RootView } from "./confined.js";
import type { SpecUser } from "./spec-input.js";

/**
 * MAX_DB_BYTES caps how much of an image's /etc/passwd or /etc/group tsbuild reads (a hostile
 * image may ship a huge one; BuildKit GHSA-72x6-4j93-7w86).
 */
export const MAX_DB_BYTES = 1024 * 1024;

/** MAX_USER_ID is the largest numeric uid/gid accepted in USER, as in Docker (2^31 - 1). */
const MAX_USER_ID = 2147483647;

/** ResolvedUser is a SpecUser plus the home directory from /etc/passwd ("/" when unknown). */
export interface ResolvedUser extends SpecUser {
  readonly home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function parseId(text: string, what: string, spec: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const id = Number(text);
  if (id > MAX_USER_ID) throw new InputError(`USER "${spec}": ${what} ${text} is out of range 0-${MAX_USER_ID}`);
  return id;
}

function lines(buf: Buffer | undefined): string[][] {
  if (!buf) return [];
  return buf
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.split(":"));
}

function parsePasswd(buf: Buffer | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(buf)) {
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f.length < 4 || !/^\d+$/.test(f[2] ?? "") || !/^\d+$/.test(f[3] ?? "")) continue;
    out.push({ name: f[0] ?? "", uid, gid, home: f[5] || "/" });
  }
  return out;
}

function parseGroup(buf: Buffer | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(buf)) {
    if (f.length < 3 || !/^\d+$/.test(f[2] ?? "")) continue;
    out.push({ name: f[0] ?? "", gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) });
  }
  return out;
}

function findUser(spec: string, userPart: string, passwd: PasswdEntry[]): PasswdEntry {
  const uid = parseId(userPart, "uid", spec);
  const byId = uid === undefined ? undefined : passwd.find((e) => e.uid === uid);
  if (uid !== undefined) return byId ?? { name: "", uid, gid: 0, home: "/" };
  const byName = passwd.find((e) => e.name === userPart);
  if (!byName) throw new InputError(`USER "${spec}": no user "${userPart}" in the image's /etc/passwd`);
  return byName;
}

function findGroup(spec: string, groupPart: string, groups: GroupEntry[]): number {
  const gid = parseId(groupPart, "gid", spec);
  if (gid !== undefined) return gid;
  const byName = groups.find((g) => g.name === groupPart);
  if (!byName) throw new InputError(`USER "${spec}": no group "${groupPart}" in the image's /etc/group`);
  return byName.gid;
}

/** ROOT is the user of an empty USER value: root, with no supplementary groups. */
const ROOT: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: "/root" };

/** userWithoutRootfs is what resolveUser gives `spec` when that needs no file of the rootfs (an empty USER: root), else undefined. */
export function userWithoutRootfs(spec: string): ResolvedUser | undefined {
  return spec === "" ? { ...ROOT, additionalGids: [] } : undefined;
}

/**
 * resolveUser maps a Dockerfile `USER` value (`name`, `uid`, `name:group`, `uid:gid`; empty means
 * root) to numeric ids with Docker's rules: a numeric uid missing from /etc/passwd runs with gid
 * 0; names must exist; supplementary groups come from /etc/group membership only when no group
 * is given. /etc/passwd and /etc/group are read confined to `rootfs` and capped at MAX_DB_BYTES.
 * Throws InputError naming the USER value on unknown names, bad ids or hostile files. `view`
 * reads a rootfs mounted in another mount namespace (readConfinedFile).
 */
export async function resolveUser(rootfs: string, spec: string, view?: RootView): Promise<ResolvedUser> {
  const root = userWithoutRootfs(spec);
  if (root !== undefined) return root;
  const [userPart = "", groupPart, ...rest] = spec.split(":");
  if (rest.length > 0) throw new InputError(`USER "${spec}" has more than one ":"; use user[:group]`);
  if (userPart === "") throw new InputError(`USER "${spec}" names no user; use user[:group]`);
  const numericOnly = /^\d+$/.test(userPart) && (groupPart === undefined || /^\d+$/.test(groupPart));
  const passwd = parsePasswd(await readConfinedFile(rootfs, "/etc/passwd", MAX_DB_BYTES, view));
  const user = findUser(spec, userPart, passwd);
  const needGroups = !numericOnly || groupPart === undefined;
  const groups = needGroups ? parseGroup(await readConfinedFile(rootfs, "/etc/group", MAX_DB_BYTES, view)) : [];
  if (groupPart !== undefined) {
    return { uid: user.uid, gid: findGroup(spec, groupPart, groups), additionalGids: [], home: user.home };
  }
  const extra = user.name === "" ? [] : groups.filter((g) => g.members.includes(user.name) && g.gid !== user.gid);
  return { uid: user.uid, gid: user.gid, additionalGids: [...new Set(extra.map((g) => g.gid))], home: user.home };
}
