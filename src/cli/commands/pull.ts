/** `tsbuild pull REF`: download an image from its registry into the store. */
import type { Command } from "commander";
import { pull, InputError } from "../../api/essentials.js";
import { storeOpts } from "../store-format.js";

function parsePlatform(p: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = p.split("/");
  if (!os || !architecture) throw new InputError(`invalid --platform ${JSON.stringify(p)}: use OS/ARCH[/VARIANT], e.g. linux/amd64`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** registerPull adds the `pull` subcommand. */
export function registerPull(program: Command): void {
  program
    .command("pull")
    .description("download an image from a registry")
    .argument("<ref>", "NAME[:TAG] or NAME@DIGEST")
    .option("--platform <os/arch>", "platform to pull from a multi-platform image (default: this machine's)")
    .option("-q, --quiet", "print only the image reference")
    .option("--insecure-registry <host>", "allow plain http to this registry (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addHelpText("after", "\nExamples:\n  tsbuild pull busybox\n  tsbuild pull --platform linux/arm64 alpine:3.20\n  tsbuild pull --insecure-registry 127.0.0.1:5000 127.0.0.1:5000/app:1")
    .action(async (ref: string, opts: { platform?: string; quiet?: boolean; insecureRegistry: string[] }, cmd: Command) => {
      const quiet = opts.quiet === true;
      const res = await pull(ref, {
        ...storeOpts(cmd),
        insecureRegistries: opts.insecureRegistry,
        ...(opts.platform ? { platform: parsePlatform(opts.platform) } : {}),
        onBlob: (d, state) => {
          if (!quiet) process.stderr.write(`${d.digest.slice(7, 19)}: ${state === "exists" ? "Already exists" : "Pull complete"}\n`);
        },
      });
      if (!quiet) process.stderr.write(`Digest: ${res.indexDigest ?? res.digest}\n`);
      process.stdout.write(`${res.reference}\n`);
    });
}
