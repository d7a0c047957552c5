import { InputError } from "../core/errors.js";
import type { ClientOptions } from "../registry/client.js";
import { RegistryClient } from "../registry/client.js";
import { removeCredentials, saveCredentials, dockerConfigPath } from "../registry/dockerconfig.js";
import { pull as pullImage, type PullOptions, type PullResult } from "../registry/pull.js";
import { BlobPusher, push as pushImage, type PushOptions, type PushResult } from "../registry/push.js";
import { packDirectories, type PackOptions, type PackResult } from "../image/pack.js";
import { normalizeRegistryHost } from "../registry/reference.js";
import { sourceDateEpoch, withStore, type StoreOptions } from "./images.js";

const list = (v: string | undefined): string[] => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

/**
 * registryEnv adds `TSBUILD_INSECURE_REGISTRIES` to insecureRegistries and
 * `TSBUILD_REGISTRY_MIRRORS` to registryMirrors (each a comma-separated list of host[:port]).
 */
export function registryEnv<T extends ClientOptions & { registryMirrors?: readonly string[] }>(opts: T, env: NodeJS.ProcessEnv = process.env): T {
  return { ...opts, insecureRegistries: [...(opts.insecureRegistries ?? []), ...list(env.TSBUILD_INSECURE_REGISTRIES)], registryMirrors: [...(opts.registryMirrors ?? []), ...list(env.TSBUILD_REGISTRY_MIRRORS)] };
}

/** pull downloads REF from its registry into the store and tags it (see the registry client's pull). */
export function pull(ref: string, opts: StoreOptions & PullOptions = {}): Promise<PullResult> {
  return withStore(opts, (s) => pullImage(s, ref, registryEnv(opts)));
}

/** push uploads the stored image REF to the registry its name points at. */
export function push(ref: string, opts: StoreOptions & PushOptions = {}): Promise<PushResult> {
  return withStore(opts, (s) => pushImage(s, ref, registryEnv(opts)));
}

/**
 * packPush makes an image from directories as pack() does, tags it REF, and pushes it to REF's
 * registry in one pipeline: each layer's upload starts as soon as that layer is committed to the
 * store, while the next layers are still being packed; the manifest goes last. On failure every
 * started upload is waited for before the error is thrown. `concurrency`, when given, bounds
 * both the layers packed at once and the blobs uploaded at once.
 */
export function packPush(dirs: readonly string[], ref: string, opts: StoreOptions & PackOptions & PushOptions = {}): Promise<PackResult & { push: PushResult }> {
  return withStore(opts, async (s) => {
    const pusher = new BlobPusher(s, ref, registryEnv(opts));
    let packed: PackResult;
    try {
      packed = await packDirectories(s, dirs, [ref], { sourceDateEpoch: sourceDateEpoch(), ...opts, onLayer: (d) => void pusher.upload(d) });
    } catch (err) {
      await pusher.settle().catch(() => undefined); // the packing error is the one to report; uploads only had to stop
      throw err;
    }
    return { ...packed, push: await pusher.finish(packed.digest) };
  });
}

/** LoginOptions name the Docker config file (default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`). */
export interface LoginOptions extends ClientOptions {
  readonly configPath?: string;
}

/**
 * login checks user and password against HOST's `/v2/` (Basic or the Bearer token flow) and,
 * when the registry accepts them, saves them under `auths` in the Docker config. Returns the
 * normalized registry and the config path written.
 */
export async function login(host: string, username: string, password: string, opts: LoginOptions = {}): Promise<{ registry: string; configPath: string }> {
  if (username === "") throw new InputError("login needs a user name: give -u USER");
  if (password === "") throw new InputError("login needs a password: pipe it to --password-stdin");
  const registry = normalizeRegistryHost(host);
  const creds = { username, password };
  const client = new RegistryClient(registry, registryEnv({ ...opts, credentials: async () => creds }));
  await client.ping();
  const configPath = opts.configPath ?? dockerConfigPath();
  await saveCredentials(registry, creds, configPath);
  return { registry, configPath };
}

/** logout removes HOST's saved credentials; `removed` is false when none were saved. */
export async function logout(host: string, opts: { configPath?: string } = {}): Promise<{ registry: string; removed: boolean }> {
  const registry = normalizeRegistryHost(host);
  return { registry, removed: await removeCredentials(registry, opts.configPath ?? dockerConfigPath()) };
}
