/**
 * Where tsbuild's optional native parts are: scripts/build-native.mjs builds them into
 * native/build/ at the package's root (native/deflate.c, native/launcher.c). Modules find them
 * from their own directory (src/..., dist/api/chunks, dist/cli/bundle) upwards, one stat per level.
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";

/** NATIVE_DIR is the build dir below the package's root. */
export const NATIVE_DIR = "native/build";

/** nativeFile is `native/build/<name>` in `from` or the nearest directory above it that has it, or undefined. */
export function nativeFile(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = `${dir === "/" ? "" : dir}/${NATIVE_DIR}/${name}`;
    if (statSync(file, { throwIfNoEntry: false })?.isFile() === true) return file;
    if (dirname(dir) === dir) return undefined;
  }
}
