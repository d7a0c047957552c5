/**
 * The schema of a container's state.json, apart from the state code so that zod loads only when
 * a state is read. It uses zod's tree-shakable `zod/mini` API with zod's English messages (as
 * src/image/zod.ts does; runtime code imports nothing from image).
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());

const mountSchema = z.object({ type: z.enum(["bind", "tmpfs"]), source: z.string(), destination: z.string(), readonly: z.optional(z.boolean()), options: z.optional(z.array(z.string())) });

/** runSchema is what a container runs with, fixed at create time. */
const runSchema = z.object({
  env: z.array(z.string()),
  cwd: z.string(),
  user: z.string(),
  hostname: z.string(),
  mounts: z.array(mountSchema),
  network: z.enum(["host", "none"]),
  limits: z.object({ memoryBytes: z.optional(z.number()), pidsLimit: z.optional(z.number()), cpus: z.optional(z.number()) }),
  readOnly: z.boolean(),
  runtime: z.enum(["runc", "crun", "builtin", "auto"]),
});

/** stateSchema validates a container's state.json on every read. */
export const stateSchema = z.object({
  id: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  name: z.string(),
  image: z.string(),
  imageDigest: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/)),
  config: z.record(z.string(), z.unknown()),
  argv: z.array(z.string()).check(z.minLength(1)),
  run: runSchema,
  created: z.string(),
  started: z.optional(z.string()),
  finished: z.optional(z.string()),
  status: z.enum(["created", "running", "exited"]),
  exitCode: z.optional(z.int()),
  error: z.optional(z.string()),
  pid: z.optional(z.int().check(z.positive())),
  pidStart: z.optional(z.string()),
  driver: z.optional(z.enum(["runc", "crun", "builtin"])),
  autoRemove: z.boolean(),
});

/** ContainerState is one container's state.json. */
export type ContainerState = z.infer<typeof stateSchema>;
/** ContainerRun is the part of the state that says how the container runs. */
export type ContainerRun = z.infer<typeof runSchema>;
