/**
 * The schema of a container's state.json, apart from the state code so that zod loads only when
 * a state is read.
 */
import { z } from "zod";

const mountSchema = z.object({ type: z.enum(["bind", "tmpfs"]), source: z.string(), destination: z.string(), readonly: z.boolean().optional(), options: z.array(z.string()).optional() });

/** runSchema is what a container runs with, fixed at create time. */
const runSchema = z.object({
  env: z.array(z.string()),
  cwd: z.string(),
  user: z.string(),
  hostname: z.string(),
  mounts: z.array(mountSchema),
  network: z.enum(["host", "none"]),
  limits: z.object({ memoryBytes: z.number().optional(), pidsLimit: z.number().optional(), cpus: z.number().optional() }),
  readOnly: z.boolean(),
  runtime: z.enum(["runc", "crun", "builtin", "auto"]),
});

/** stateSchema validates a container's state.json on every read. */
export const stateSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  image: z.string(),
  imageDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  config: z.record(z.string(), z.unknown()),
  argv: z.array(z.string()).min(1),
  run: runSchema,
  created: z.string(),
  started: z.string().optional(),
  finished: z.string().optional(),
  status: z.enum(["created", "running", "exited"]),
  exitCode: z.number().int().optional(),
  error: z.string().optional(),
  pid: z.number().int().positive().optional(),
  pidStart: z.string().optional(),
  driver: z.enum(["runc", "crun", "builtin"]).optional(),
  autoRemove: z.boolean(),
});

/** ContainerState is one container's state.json. */
export type ContainerState = z.infer<typeof stateSchema>;
/** ContainerRun is the part of the state that says how the container runs. */
export type ContainerRun = z.infer<typeof runSchema>;
