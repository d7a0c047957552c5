/** `tsbuild logout HOST`: remove saved registry credentials. */
import type { Command } from "commander";
import { logout } from "../../api/essentials.js";

/** registerLogout adds the `logout` subcommand. */
export function registerLogout(program: Command): void {
  program
    .command("logout")
    .description("remove a registry's saved credentials from the Docker config")
    .argument("[host]", "registry host[:port] (default: Docker Hub)", "docker.io")
    .addHelpText("after", "\nExamples:\n  tsbuild logout 127.0.0.1:5000\n  tsbuild logout")
    .action(async (host: string) => {
      const res = await logout(host);
      process.stdout.write(res.removed ? `Removing login credentials for ${res.registry}\n` : `Not logged in to ${res.registry}\n`);
    });
}
