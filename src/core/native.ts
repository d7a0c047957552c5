/**
 * Where tsbuild's optional native parts are and how they are chosen and opened:
 * scripts/build-native.mjs builds them into native/build/ at the package's root (native/*.c).
 * Modules find them from their own directory (src/..., dist/api/chunks, dist/cli/bundle)
 * upwards, one stat per level; an environment variable picks the native part or its fallback
 * (chosenNativeFile); an addon is opened with process.dlopen (loadNative).
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { InputError, TsbuildError } from "./errors.js";

/** NATIVE_DIR is the build dir below the package's root. */
export const NATIVE_DIR = "native/build";

/** fileAbove is the file `rel` below `from` or below the nearest directory above it that has it, or undefined. */
export function fileAbove(from: string, rel: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = `${dir === "/" ? "" : dir}/${rel}`;
    if (statSync(file, { throwIfNoEntry: false })?.isFile() === true) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

/** nativeFile is `native/build/<name>` in `from` or the nearest directory above it that has it, or undefined. */
export function nativeFile(from: string, name: string): string | undefined {
  return fileAbove(from, `${NATIVE_DIR}/${name}`);
}

/**
 * NativeChoice is the environment variable that picks a native part (`native`, the default when
 * it is built) or what tsbuild does without it (`fallback`); `kind` names what the values are
 * (in the error for another value), `needs` what building it takes.
 */
export interface NativeChoice {
  readonly variable: string;
  readonly native: string;
  readonly fallback: string;
  readonly kind: string;
  readonly needs: string;
}

/**
 * chosenNativeFile is the built part `name` (found from `from`), or undefined when it is not
 * built or the variable asks for the fallback. Another value of the variable, and the native
 * value when the part is not built, are input errors.
 */
export function chosenNativeFile(from: string, name: string, c: NativeChoice): string | undefined {
  const choice = process.env[c.variable] ?? "";
  if (choice !== "" && choice !== c.native && choice !== c.fallback) throw new InputError(`${c.variable}=${choice} is not ${c.kind}: use ${c.native} (the default when built) or ${c.fallback}`);
  if (choice === c.fallback) return undefined;
  const file = nativeFile(from, name);
  if (file === undefined && choice === c.native) throw new InputError(`${c.variable}=${c.native}, but ${NATIVE_DIR}/${name} is not built; run \`npm run build:native\` (needs ${c.needs})`);
  return file;
}

/** dlopenFile opens the addon at `file` as require() would, without the module loader, and returns its exports. */
export function dlopenFile(file: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  process.dlopen(module, file);
  return module.exports;
}

/**
 * loadNative opens tsbuild's addon `file` and checks that it exports the function `entry`. A
 * file that does not load, or is another addon, is an error (code `code`) that names it and how
 * to rebuild it (`without`: how to do without it), never a silent fallback.
 */
export function loadNative<T>(file: string, entry: string, what: string, code: string, without: string): T {
  let exports: Record<string, unknown>;
  try {
    exports = dlopenFile(file);
  } catch (err) {
    throw new TsbuildError(code, `cannot load tsbuild's native ${what} ${file}: ${(err as Error).message}; rebuild it with \`npm run build:native\`, or ${without}`, { cause: err });
  }
  if (typeof exports[entry] !== "function") throw new TsbuildError(code, `${file} is not tsbuild's ${what} addon (no ${entry}); rebuild it with \`npm run build:native\``);
  return exports as T;
}
