/**
 * Extra CA certificates for tsbuild's HTTPS requests (registries, ADD of a URL).
 *
 * Node 20 reads NODE_EXTRA_CA_CERTS at every start and builds its whole root store then, which
 * costs tens of milliseconds before any code runs, also for commands that never open a TLS
 * connection (`tsbuild run` of a stored image, a cached build). The CLI's shebang
 * (scripts/bundle-cli.mjs) therefore moves the variable to TSBUILD_EXTRA_CA_CERTS, and the
 * certificates are loaded here, once, on the first HTTPS request. Children that may be Node
 * programs themselves (credential helpers) get the variable back through childEnv().
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { rootCertificates } from "node:tls";

/** MOVED_CA_ENV names the variable the CLI's shebang moves NODE_EXTRA_CA_CERTS to. */
export const MOVED_CA_ENV = "TSBUILD_EXTRA_CA_CERTS";

/** movedCaFile is the moved CA file, or undefined when nothing was moved (or Node loaded it itself). */
function movedCaFile(env: NodeJS.ProcessEnv): string | undefined {
  const file = env[MOVED_CA_ENV];
  if (file === undefined || file === "") return undefined;
  // Started without the shebang (`node main.cjs`, the library): Node already trusts them.
  if (env.NODE_EXTRA_CA_CERTS !== undefined && env.NODE_EXTRA_CA_CERTS !== "") return undefined;
  return file;
}

let agent: Agent | undefined;

/**
 * httpsAgentFor is the agent for a request to `url`: undefined (Node's default) for plain http
 * and when no CA file was moved aside; else one shared agent trusting Node's bundled roots plus
 * the moved file's certificates, as Node itself would have. An unreadable file is an error that
 * names it (Node would only warn and then fail the TLS handshake with a less telling message).
 */
export function httpsAgentFor(url: URL | string, env: NodeJS.ProcessEnv = process.env): Agent | undefined {
  const protocol = typeof url === "string" ? new URL(url).protocol : url.protocol;
  if (protocol !== "https:") return undefined;
  const file = movedCaFile(env);
  if (file === undefined) return undefined;
  if (agent === undefined) {
    let pem: string;
    try {
      pem = readFileSync(file, "utf8");
    } catch (err) {
      throw new Error(`cannot read the extra CA certificates named by NODE_EXTRA_CA_CERTS (${file}): ${(err as Error).message}; fix the path or unset the variable`);
    }
    agent = new Agent({ keepAlive: true, ca: [...rootCertificates, pem] });
  }
  return agent;
}

/** childEnv is `env` with NODE_EXTRA_CA_CERTS put back, for child processes that may be Node programs. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const file = movedCaFile(env);
  return file === undefined ? env : { ...env, NODE_EXTRA_CA_CERTS: file };
}
