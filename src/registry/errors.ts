import { TsbuildError } from "../core/errors.js";

/** RegistryErrorInit is what a failed registry exchange knows: where, what, and the registry's own answer. */
export interface RegistryErrorInit {
  readonly registry: string;
  readonly repository?: string;
  readonly digest?: string;
  readonly status?: number;
  /** registryCode is the `errors[0].code` of the registry's JSON error body, e.g. MANIFEST_UNKNOWN. */
  readonly registryCode?: string;
  readonly cause?: unknown;
}

/**
 * RegistryError says a pull, push or login failed. The message names the registry, repository,
 * digest, HTTP status and the registry's error code when known, and ends with what to do.
 */
export class RegistryError extends TsbuildError {
  readonly registry: string;
  readonly repository: string | undefined;
  readonly digest: string | undefined;
  readonly status: number | undefined;
  readonly registryCode: string | undefined;
  constructor(message: string, init: RegistryErrorInit) {
    super("Registry", message, { cause: init.cause });
    this.registry = init.registry;
    this.repository = init.repository;
    this.digest = init.digest;
    this.status = init.status;
    this.registryCode = init.registryCode;
  }
}
