// Recovery: after a SIGKILL of a foreground `tsbuild run` or of a detached container's supervisor,
// the next tsbuild command leaves no mounts, cgroups or processes and shows the container exited.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { background, cgroupsNamed, describeLifecycle, liveWithArg, mountsUnder, parentOf, psRow, tsbuild, until } from "./lifecycle-helpers.js";

describeLifecycle("container lifecycle (CLI): recovery", (env) => {
  it("after SIGKILL of a foreground run, ps -a shows it exited and rm leaves no mount or process", async () => {
    const fg = background(env, ["run", "--name", "victim", "busybox", "sh", "-c", "echo started; exec sleep 3137"]);
    await until("the container to start", () => fg.out().includes("started"));
    // The rootfs is mounted in the runtime's own mount namespace (its launcher's), never in this one.
    expect(mountsUnder(env.root)).toEqual([]);
    // "started" comes just before the shell execs sleep.
    await until("the container's sleep", () => liveWithArg("3137").length === 1);
    const runtime = parentOf(liveWithArg("3137")[0]!);
    expect(mountsUnder(env.root, runtime).length).toBeGreaterThan(0);
    const short = psRow(env, "victim")?.split(" ")[0] ?? "";
    expect(short).toMatch(/^[0-9a-f]{12}$/);
    fg.child.kill("SIGKILL");
    expect((await fg.done).signal).toBe("SIGKILL");
    expect(psRow(env, "victim")).toMatch(/Exited \(137\)/);
    await until("the container's processes to end", () => liveWithArg("3137").length === 0, 5000);
    expect(mountsUnder(env.root)).toEqual([]);
    expect(cgroupsNamed(`tsbuild-${short}`)).toEqual([]);
    expect(tsbuild(env, ["rm", "victim"]).code).toBe(0);
    expect(psRow(env, "victim")).toBeUndefined();
    expect(mountsUnder(env.root)).toEqual([]);
    const id = readdirSync(`${env.root}/containers`).filter((n) => n !== "names");
    expect(id).toEqual([]);
  });

  it("after SIGKILL of a detached container's supervisor, the next command reclaims the container", async () => {
    const d = tsbuild(env, ["run", "-d", "--name", "orphan", "busybox", "sleep", "3138"]);
    expect(d.code, d.stderr).toBe(0);
    const id = d.stdout.trim();
    const state = JSON.parse(readFileSync(`${env.root}/containers/${id}/state.json`, "utf8")) as { pid: number; status: string };
    expect(state.status).toBe("running");
    await until("the container's process", () => liveWithArg("3138").length === 1);
    // The supervisor is a process this test started (through tsbuild run -d).
    process.kill(state.pid, "SIGKILL");
    await until("the supervisor to die", () => !existsSync(`/proc/${state.pid}/stat`) || readFileSync(`/proc/${state.pid}/stat`, "utf8").split(") ")[1]?.[0] === "Z");
    expect(psRow(env, "orphan")).toMatch(/Exited \(137\)/);
    await until("the container's processes to end", () => liveWithArg("3138").length === 0, 5000);
    expect(mountsUnder(env.root)).toEqual([]);
    expect(cgroupsNamed(`tsbuild-${id.slice(0, 12)}`)).toEqual([]);
    expect(tsbuild(env, ["rm", "orphan"]).code).toBe(0);
  });
});
