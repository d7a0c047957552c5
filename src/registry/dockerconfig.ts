import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import * as z from "zod/mini";
import "../image/zod.js";
import { InputError } from "../core/errors.js";
import { DOCKER_HUB, normalizeRegistryHost } from "./reference.js";
import { childEnv } from "./trust.js";

/** DOCKER_HUB_AUTH_KEY is the key Docker files Docker Hub credentials under in config.json. */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";
const MAX_HELPER_OUTPUT = 64 * 1024;

/** Credentials are a user name and a password (or, when `identityToken` is set, a refresh token). */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly identityToken?: string;
}

const configSchema = z.looseObject({
  auths: z.optional(z.record(z.string(), z.looseObject({ auth: z.optional(z.string()), identitytoken: z.optional(z.string()) }))),
  credsStore: z.optional(z.string()),
  credHelpers: z.optional(z.record(z.string(), z.string())),
});
type DockerConfig = z.infer<typeof configSchema>;

/** dockerConfigPath is `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), ".docker"), "config.json");
}

async function readConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
  const res = configSchema.safeParse(raw);
  if (!res.success) throw new InputError(`${path} is not a valid Docker config: ${res.error.issues[0]?.path.join(".") ?? ""} ${res.error.issues[0]?.message ?? ""}`);
  return res.data;
}

/** authKeyFor is the config.json key for a registry: Docker Hub's v1 URL, else the host. */
export function authKeyFor(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry;
}

function matchKey(keys: readonly string[], registry: string): string | undefined {
  return keys.find((k) => {
    try {
      return normalizeRegistryHost(k) === registry;
    } catch {
      return false; // a key that is not a host name cannot match; Docker ignores such keys too
    }
  });
}

/**
 * lookupCredentials finds credentials for a registry as Docker does: `credHelpers[host]`, then
 * `credsStore`, then `auths[host].auth` (base64 `user:pass`) or `identitytoken`. Undefined means
 * anonymous.
 */
export async function lookupCredentials(registry: string, path = dockerConfigPath()): Promise<Credentials | undefined> {
  const cfg = await readConfig(path);
  const helperKey = matchKey(Object.keys(cfg.credHelpers ?? {}), registry);
  const helper = helperKey !== undefined ? cfg.credHelpers?.[helperKey] : cfg.credsStore;
  if (helper) {
    const fromHelper = await runCredentialHelper(helper, authKeyFor(registry));
    if (fromHelper) return fromHelper;
  }
  const key = matchKey(Object.keys(cfg.auths ?? {}), registry);
  const entry = key !== undefined ? cfg.auths?.[key] : undefined;
  if (!entry) return undefined;
  if (entry.auth) {
    const plain = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = plain.indexOf(":");
    if (i < 0) throw new InputError(`${path}: auths[${JSON.stringify(key)}].auth is not base64 of user:password; run tsbuild login ${registry} again`);
    return { username: plain.slice(0, i), password: plain.slice(i + 1), ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}) };
  }
  if (entry.identitytoken) return { username: "<token>", password: "", identityToken: entry.identitytoken };
  return undefined;
}

/**
 * runCredentialHelper runs `docker-credential-NAME get` with the server URL on stdin and parses
 * `{"Username","Secret"}`; "credentials not found" means anonymous (undefined).
 */
export function runCredentialHelper(name: string, server: string): Promise<Credentials | undefined> {
  if (!/^[\w.-]+$/.test(name)) return Promise.reject(new InputError(`credential helper name ${JSON.stringify(name)} in ${dockerConfigPath()} is not a valid name`));
  const bin = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["get"], { stdio: ["pipe", "pipe", "pipe"], env: childEnv() });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      if (out.length < MAX_HELPER_OUTPUT) out += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < MAX_HELPER_OUTPUT) err += d.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => reject(new InputError(e.code === "ENOENT" ? `credential helper ${bin} (named in ${dockerConfigPath()}) is not installed; install it or remove it from the config` : `${bin}: ${e.message}`)));
    child.on("close", (code) => {
      if (code !== 0) {
        if (/credentials not found/i.test(out + err)) resolve(undefined);
        else reject(new InputError(`${bin} get failed (exit ${code}): ${(err || out).trim()}`));
        return;
      }
      try {
        const v = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
        if (typeof v.Username !== "string" || typeof v.Secret !== "string") throw new Error("missing Username or Secret");
        resolve(v.Username === "<token>" ? { username: v.Username, password: "", identityToken: v.Secret } : { username: v.Username, password: v.Secret });
      } catch (e) {
        reject(new InputError(`${bin} get printed something other than {"Username","Secret"} JSON: ${(e as Error).message}`));
      }
    });
    child.stdin.on("error", () => undefined); // a helper that exits without reading stdin is judged by its exit code above
    child.stdin.end(server);
  });
}

async function writeConfig(path: string, cfg: DockerConfig): Promise<void> {
  const dir = join(path, "..");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(tmp, `${JSON.stringify(cfg, null, "\t")}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** saveCredentials records user:password for a registry under `auths` in config.json (mode 0600), keeping everything else. */
export async function saveCredentials(registry: string, creds: Credentials, path = dockerConfigPath()): Promise<void> {
  const cfg = await readConfig(path);
  const auths = { ...(cfg.auths ?? {}) };
  const old = matchKey(Object.keys(auths), registry);
  if (old !== undefined) delete auths[old];
  auths[authKeyFor(registry)] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  await writeConfig(path, { ...cfg, auths });
}

/** removeCredentials deletes a registry's `auths` entry; false when there was none. */
export async function removeCredentials(registry: string, path = dockerConfigPath()): Promise<boolean> {
  const cfg = await readConfig(path);
  const auths = { ...(cfg.auths ?? {}) };
  const key = matchKey(Object.keys(auths), registry);
  if (key === undefined) return false;
  delete auths[key];
  await writeConfig(path, { ...cfg, auths });
  return true;
}
