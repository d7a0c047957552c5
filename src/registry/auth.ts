import { hostname, isLoopback } from "./reference.js";
import type { Credentials } from "./dockerconfig.js";
import { RegistryError } from "./errors.js";
import { readCapped, send, type TransportOptions } from "./http.js";

/** MAX_TOKEN_BYTES caps a token server's response. */
export const MAX_TOKEN_BYTES = 1024 * 1024;
const DEFAULT_TOKEN_TTL_S = 60;

/** Challenge is one `WWW-Authenticate` challenge: a lower-case scheme and its parameters. */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** parseChallenges reads a `WWW-Authenticate` header (`Bearer realm="…",service="…",scope="…"`). */
export function parseChallenges(header: string): Challenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const word = (): string => {
    const m = /^[\w.~+/-]+/.exec(header.slice(i));
    i += m ? m[0].length : 1;
    return m ? m[0] : "";
  };
  while (i < header.length) {
    if (/[\s,]/.test(header[i] ?? "")) {
      i++;
      continue;
    }
    const name = word();
    while (header[i] === " ") i++;
    if (header[i] !== "=") {
      if (name) out.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    i++;
    while (header[i] === " ") i++;
    let value = "";
    if (header[i] === '"') {
      for (i++; i < header.length && header[i] !== '"'; i++) value += header[i] === "\\" ? (header[++i] ?? "") : header[i];
      i++;
    } else value = /^[^,\s]*/.exec(header.slice(i))?.[0] ?? "";
    if (header[i - 1] !== '"') i += value.length;
    const last = out[out.length - 1];
    if (last) last.params[name.toLowerCase()] = value;
  }
  return out;
}

/** CredentialSource finds credentials for a registry domain (undefined: anonymous). */
export type CredentialSource = (registry: string) => Promise<Credentials | undefined>;

/** basicHeader is `Basic base64(user:password)`. */
export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

/**
 * Authenticator answers registry challenges: Basic with stored credentials, or the Bearer token
 * flow (realm, service, scopes; Basic credentials or an identity token sent to the realm when
 * known). Tokens are cached per API host and scope set until they expire; a host that asked for
 * Basic gets it up front on later requests.
 */
export class Authenticator {
  private readonly tokens = new Map<string, { header: string; expires: number }>();
  private readonly basicHosts = new Set<string>();
  private readonly creds = new Map<string, Promise<Credentials | undefined>>();

  constructor(
    private readonly source: CredentialSource,
    private readonly transport: TransportOptions = {},
  ) {}

  private credentials(registry: string): Promise<Credentials | undefined> {
    let p = this.creds.get(registry);
    if (!p) {
      p = this.source(registry);
      this.creds.set(registry, p);
    }
    return p;
  }

  /** cached returns the Authorization value to send up front for host and scopes, if one is known. */
  async cached(registry: string, host: string, scopes: readonly string[]): Promise<string | undefined> {
    const t = this.tokens.get(tokenKey(host, scopes));
    if (t && t.expires > Date.now()) return t.header;
    if (this.basicHosts.has(host)) {
      const c = await this.credentials(registry);
      return c ? basicHeader(c) : undefined;
    }
    return undefined;
  }

  /**
   * respond turns a 401's `WWW-Authenticate` header into an Authorization value for a retry, or
   * throws a RegistryError saying to log in when the registry wants credentials tsbuild lacks.
   */
  async respond(registry: string, host: string, scopes: readonly string[], header: string, repository?: string): Promise<string> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const creds = await this.credentials(registry);
    if (bearer) return this.token(registry, host, scopes, bearer, creds, repository);
    if (challenges.some((c) => c.scheme === "basic")) {
      if (!creds) throw new RegistryError(`${registry} requires a user name and password${repository ? ` for ${repository}` : ""}: run \`tsbuild login ${registry}\``, { registry, repository, status: 401 });
      this.basicHosts.add(host);
      return basicHeader(creds);
    }
    throw new RegistryError(`${registry} asked for an authentication scheme tsbuild does not speak (WWW-Authenticate: ${header.slice(0, 200)})`, { registry, repository, status: 401 });
  }

  private async token(registry: string, host: string, scopes: readonly string[], ch: Challenge, creds: Credentials | undefined, repository?: string): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError(`${registry} sent a Bearer challenge without a realm`, { registry, repository, status: 401 });
    const url = new URL(realm);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(hostname(url.host)))) {
      throw new RegistryError(`${registry}'s token server ${url.origin} is not https; refusing to send credentials there`, { registry, repository });
    }
    if (ch.params.service) url.searchParams.set("service", ch.params.service);
    const all = new Set([...scopes, ...(ch.params.scope ? ch.params.scope.split(" ") : [])]);
    for (const s of all) url.searchParams.append("scope", s);
    const req = creds?.identityToken
      ? { method: "POST", url: new URL(realm), headers: { "content-type": "application/x-www-form-urlencoded" }, body: Buffer.from(oauthForm(ch, [...all], creds.identityToken)) }
      : { method: "GET", url, ...(creds ? { authorization: basicHeader(creds) } : {}) };
    const res = await send(req, this.transport);
    if (res.status === 401 || res.status === 403) {
      res.body.destroy();
      const what = creds ? `rejected the credentials for user ${JSON.stringify(creds.username)}` : "refused anonymous access";
      throw new RegistryError(`${registry}: token server ${url.origin} ${what} (HTTP ${res.status}); check the user name and password with \`tsbuild login ${registry}\``, { registry, repository, status: res.status });
    }
    const body = await readCapped(res, MAX_TOKEN_BYTES, `token response from ${url.origin}`);
    if (res.status !== 200) throw new RegistryError(`${registry}: token server ${url.origin} answered HTTP ${res.status}: ${body.toString("utf8").slice(0, 200)}`, { registry, repository, status: res.status });
    const parsed = parseToken(body);
    if (!parsed) throw new RegistryError(`${registry}: token server ${url.origin} sent no token`, { registry, repository, status: res.status });
    const header = `Bearer ${parsed.token}`;
    this.tokens.set(tokenKey(host, scopes), { header, expires: Date.now() + Math.max(parsed.ttl - 5, 1) * 1000 });
    return header;
  }
}

function oauthForm(ch: Challenge, scopes: readonly string[], refresh: string): string {
  const f = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refresh, client_id: "tsbuild", service: ch.params.service ?? "" });
  f.set("scope", scopes.join(" "));
  return f.toString();
}

function parseToken(body: Buffer): { token: string; ttl: number } | undefined {
  let v: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    v = JSON.parse(body.toString("utf8")) as typeof v;
  } catch {
    return undefined; // not JSON: reported by the caller as "sent no token"
  }
  const token = typeof v.token === "string" && v.token ? v.token : typeof v.access_token === "string" ? v.access_token : "";
  if (!token || /[\r\n]/.test(token)) return undefined;
  const ttl = typeof v.expires_in === "number" && v.expires_in > 0 ? v.expires_in : DEFAULT_TOKEN_TTL_S;
  return { token, ttl };
}

function tokenKey(host: string, scopes: readonly string[]): string {
  return `${host} ${[...scopes].sort().join(" ")}`;
}
