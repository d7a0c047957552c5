/** `tsbuild push REF`: upload a stored image to the registry its name points at. */
import type { Command } from "commander";
import { push } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

const LABEL = { exists: "Layer already exists", mounted: "Mounted from another repository", uploaded: "Pushed" } as const;

/** registerPush adds the `push` subcommand. */
export function registerPush(program: Command): void {
  program
    .command("push")
    .description("upload an image to a registry")
    .argument("<ref>", "REGISTRY/NAME[:TAG] of a stored image")
    .option("--insecure-registry <host>", "allow plain http to this registry (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addHelpText("after", "\nExamples:\n  tsbuild tag app:dev registry.local/app:1 && tsbuild push registry.local/app:1\n  tsbuild push --insecure-registry 127.0.0.1:5000 127.0.0.1:5000/app:1")
    .action(async (ref: string, opts: { insecureRegistry: string[] }, cmd: Command) => {
      const res = await push(ref, {
        ...storeOpts(cmd),
        insecureRegistries: opts.insecureRegistry,
        onBlob: (d, state) => process.stderr.write(`${d.digest.slice(7, 19)}: ${LABEL[state]}\n`),
      });
      process.stdout.write(`${res.reference}: digest: ${res.digest}\n`);
    });
}
