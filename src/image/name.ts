import { isDigest } from "../core/digest.js";
import { TsbuildError } from "../core/errors.js";

/** ReferenceError says an image name or tag is malformed; the message shows the accepted form. */
export class ImageNameError extends TsbuildError {
  constructor(message: string) {
    super("ImageName", message);
  }
}

const DEFAULT_DOMAIN = "docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

/** ImageName is a normalized local image name: repository (with domain) and tag and/or digest. */
export interface ImageName {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * parseImageName normalizes a reference as Docker does: `busybox` is
 * `docker.io/library/busybox:latest`, a first component with a `.` or `:` or equal to
 * `localhost` is a registry domain, and a missing tag means `latest` unless a digest is given.
 */
export function parseImageName(ref: string): ImageName {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw new ImageNameError(`invalid reference ${JSON.stringify(ref)}: the digest after "@" must be sha256:<64 hex digits>`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new ImageNameError(`invalid tag ${JSON.stringify(tag)} in ${JSON.stringify(ref)}: use letters, digits, "_", "." and "-" (at most 128)`);
  }
  const parts = rest.split("/");
  const first = parts[0] ?? "";
  const hasDomain = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["));
  const domain = hasDomain ? first : DEFAULT_DOMAIN;
  const path = hasDomain ? parts.slice(1) : parts;
  if (hasDomain && !DOMAIN.test(domain)) throw new ImageNameError(`invalid registry ${JSON.stringify(domain)} in ${JSON.stringify(ref)}`);
  if (path.length === 0 || !path.every((c) => COMPONENT.test(c))) {
    throw new ImageNameError(`invalid image name ${JSON.stringify(ref)}: use lowercase letters, digits and separators, as in "registry.example.com/team/app:1.0"`);
  }
  const repoPath = domain === DEFAULT_DOMAIN && path.length === 1 ? `library/${path[0]}` : path.join("/");
  return { repository: `${domain}/${repoPath}`, tag: tag ?? (digest ? undefined : "latest"), digest };
}

/** refKey is the key a tagged name is stored under in the store's refs: `repository:tag`. */
export function refKey(name: ImageName): string {
  if (name.tag === undefined) throw new ImageNameError(`${name.repository}@${name.digest ?? ""} has no tag; give NAME:TAG`);
  return `${name.repository}:${name.tag}`;
}

/** familiar shortens a normalized repository as Docker prints it (`docker.io/library/busybox` is `busybox`). */
export function familiar(repository: string): string {
  if (repository.startsWith("docker.io/library/")) return repository.slice("docker.io/library/".length);
  if (repository.startsWith("docker.io/")) return repository.slice("docker.io/".length);
  return repository;
}

/** splitRefKey splits a stored `repository:tag` key. */
export function splitRefKey(key: string): { repository: string; tag: string } {
  const i = key.lastIndexOf(":");
  return { repository: key.slice(0, i), tag: key.slice(i + 1) };
}
