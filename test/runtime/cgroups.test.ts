import { describe, expect, it } from "vitest";
import { parseCgroupMounts } from "../../src/runtime/cgroups.js";

const HYBRID = `25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 31 0:29 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
35 31 0:30 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
36 31 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;

const V2 = `25 30 0:22 / /sys rw,nosuid - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate`;

const V1 = HYBRID.split("\n").slice(0, -1).join("\n");

describe("parseCgroupMounts", () => {
  it("recognises hybrid mode", () => {
    const m = parseCgroupMounts(HYBRID);
    expect(m.mode).toBe("hybrid");
    expect(m.unified).toBe("/sys/fs/cgroup/unified");
    expect(m.v1.get("memory")).toBe("/sys/fs/cgroup/memory");
    expect(m.v1.get("name=systemd")).toBe("/sys/fs/cgroup/systemd");
  });
  it("recognises pure v2", () => {
    expect(parseCgroupMounts(V2)).toMatchObject({ mode: "v2", unified: "/sys/fs/cgroup" });
  });
  it("recognises pure v1", () => {
    const m = parseCgroupMounts(V1);
    expect(m.mode).toBe("v1");
    expect(m.unified).toBeUndefined();
  });
  it("fails clearly without cgroups", () => {
    expect(() => parseCgroupMounts("25 30 0:22 / /sys rw - sysfs sysfs rw")).toThrow(/no cgroup filesystem/);
  });
});
