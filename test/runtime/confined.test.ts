// resolveInRootSync resolves container paths inside a host directory as if it were `/`. It builds
// host paths by concatenation (one normalization of the root), so these tests pin it against the
// plain path.join form it replaced, on a tree with relative and absolute symlinks, `..`, loops
// and missing components, and for roots given in several spellings.
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relativeInRoot, resolveInRootSync } from "../../src/runtime/confined.js";

/** reference is the resolution as path.join spelled it, component by component (without `create`). */
function reference(root: string, untrusted: string): string | undefined {
  const pending = untrusted.split("/").reverse();
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const host = posix.join(root, ...done, part);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > 40) throw new Error("loop");
    const target = readlinkSync(host);
    if (target.startsWith("/")) done.length = 0;
    pending.push(...target.split("/").reverse());
  }
  return posix.join(root, ...done);
}

describe("resolveInRootSync", () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsbuild-confined-"));
    root = join(dir, "rootfs");
    mkdirSync(join(root, "etc/ssl"), { recursive: true });
    mkdirSync(join(root, "usr/lib"), { recursive: true });
    writeFileSync(join(root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
    symlinkSync("/usr/lib", join(root, "lib"));
    symlinkSync("../usr/lib", join(root, "etc/rel"));
    symlinkSync("/../../..", join(root, "escape"));
    symlinkSync("../../../../..", join(root, "etc/up"));
    symlinkSync("/etc/passwd", join(root, "etc/pw"));
    symlinkSync("loop2", join(root, "loop1"));
    symlinkSync("loop1", join(root, "loop2"));
    symlinkSync("/missing/x", join(root, "dangling"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const paths = ["/", "", ".", "/etc", "etc/passwd", "/etc/./ssl/", "/etc/ssl/../passwd", "/lib", "/lib/x", "/etc/rel", "/etc/rel/../../etc", "/escape", "/escape/etc/passwd", "/etc/up/usr", "/etc/pw", "/dangling", "/missing", "/etc/passwd/x", "/../../etc", "/usr//lib/", "lib/../etc"];

  it("resolves as the path.join form did, for every spelling of the root", () => {
    for (const r of [root, `${root}/`, `${root}//`, `${dir}/./rootfs`, `${dir}/x/../rootfs`]) {
      for (const p of paths) expect(resolveInRootSync(r, p), `${r} ${p}`).toBe(reference(r, p));
    }
  });

  it("never leaves the root and follows symlinks inside it", () => {
    expect(resolveInRootSync(root, "/escape/etc/passwd")).toBe(join(root, "etc/passwd"));
    expect(resolveInRootSync(root, "/etc/up/usr")).toBe(join(root, "usr"));
    expect(resolveInRootSync(root, "/lib")).toBe(join(root, "usr/lib"));
    expect(resolveInRootSync(root, "/dangling")).toBeUndefined();
    expect(() => resolveInRootSync(root, "/loop1")).toThrow(/too many symlinks/);
  });

  it("resolves under / itself", () => {
    expect(resolveInRootSync("/", "/")).toBe("/");
    expect(resolveInRootSync("/", `${root.slice(1)}/etc/passwd`)).toBe(join(root, "etc/passwd"));
    expect(resolveInRootSync("/", "/../..")).toBe("/");
  });

  it("creates missing components as directories, and the last one as a file when asked", () => {
    const made = resolveInRootSync(root, "/lib/new/dir", "dir");
    expect(made).toBe(join(root, "usr/lib/new/dir"));
    expect(lstatSync(made!).isDirectory()).toBe(true);
    const file = resolveInRootSync(`${root}/`, "/etc/rel/made.conf", "file");
    expect(file).toBe(join(root, "usr/lib/made.conf"));
    expect(lstatSync(file!).isFile()).toBe(true);
  });

  it("gives paths relative to the root as path.relative does", () => {
    for (const r of [root, `${root}/`, `${dir}/./rootfs`]) {
      for (const p of paths) {
        const host = resolveInRootSync(r, p);
        if (host !== undefined) expect(relativeInRoot(r, host), `${r} ${p}`).toBe(posix.relative(r, host));
      }
    }
    expect(relativeInRoot("/", "/etc/passwd")).toBe("etc/passwd");
    expect(relativeInRoot("/", "/")).toBe("");
    expect(relativeInRoot(root, `${dir}/other`)).toBe(posix.relative(root, `${dir}/other`));
  });
});
