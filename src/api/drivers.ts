/**
 * pickDriver chooses the sandbox driver by name. It lives apart from the build services so that
 * starting a container loads only the drivers, not the executor; the builtin driver loads only
 * when chosen.
 */
import type { Driver } from "../runtime/driver.js";
import { createOciDriver } from "../runtime/drivers/oci.js";
import { findOnPath } from "../runtime/process.js";

/** RuntimeName names a sandbox driver. */
export type RuntimeName = "runc" | "crun" | "builtin";

/** pickDriver returns the requested driver, or with "auto" the first of runc, crun, builtin that works here. */
export async function pickDriver(name: RuntimeName | "auto", stateRoot: string): Promise<Driver> {
  if (name === "builtin") return builtin();
  if (name !== "auto") return createOciDriver({ runtime: name, stateRoot });
  for (const rt of ["runc", "crun"] as const) {
    if (await findOnPath(rt)) return createOciDriver({ runtime: rt, stateRoot });
  }
  return builtin();
}

/** builtin loads and creates the builtin driver. */
async function builtin(): Promise<Driver> {
  const { createBuiltinDriver } = await import("../runtime/drivers/builtin.js");
  return createBuiltinDriver();
}
