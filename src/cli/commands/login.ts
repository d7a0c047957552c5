/** `tsbuild login [-u USER] [--password-stdin] HOST`: check and save registry credentials. */
import type { Command } from "commander";
import { login, InputError } from "../../api/essentials.js";

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString("utf8").replace(/\r?\n$/, "");
}

/** registerLogin adds the `login` subcommand. */
export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("log in to a registry (saves credentials under auths in the Docker config)")
    .argument("[host]", "registry host[:port] (default: Docker Hub)", "docker.io")
    .option("-u, --username <user>", "user name")
    .option("-p, --password <password>", "password (visible to other users; prefer --password-stdin)")
    .option("--password-stdin", "read the password from stdin")
    .option("--insecure-registry <host>", "allow plain http to this registry (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addHelpText("after", "\nExamples:\n  echo \"$TOKEN\" | tsbuild login -u ci --password-stdin registry.local\n  tsbuild login -u admin --insecure-registry 127.0.0.1:5000 127.0.0.1:5000")
    .action(async (host: string, opts: { username?: string; password?: string; passwordStdin?: boolean; insecureRegistry: string[] }) => {
      if (opts.password !== undefined && opts.passwordStdin) throw new InputError("--password and --password-stdin are mutually exclusive");
      if (!opts.username) throw new InputError("give the user name with -u USER");
      let password = opts.password;
      if (opts.passwordStdin) password = await readStdin();
      else if (password === undefined) throw new InputError("give the password on stdin with --password-stdin (or -p PASSWORD)");
      else process.stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
      const res = await login(host, opts.username, password ?? "", { insecureRegistries: opts.insecureRegistry });
      process.stderr.write(`Credentials saved in ${res.configPath}\n`);
      process.stdout.write("Login Succeeded\n");
    });
}
