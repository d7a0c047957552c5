import type { Command } from "commander";
import { registerParse } from "./parse.js";
import { registerCheck } from "./check.js";
import { registerImport } from "./import.js";
import { registerImages } from "./images.js";
import { registerTag } from "./tag.js";
import { registerRmi } from "./rmi.js";
import { registerInspect } from "./inspect.js";
import { registerSave } from "./save.js";
import { registerLoad } from "./load.js";
import { registerFsck } from "./fsck.js";
import { registerDf } from "./df.js";
import { registerPrune } from "./prune.js";
import { registerBuild } from "./build.js";
import { registerRun } from "./run.js";
import { registerPull } from "./pull.js";
import { registerPush } from "./push.js";
import { registerLogin } from "./login.js";
import { registerLogout } from "./logout.js";

import { registerCreate } from "./create.js";
import { registerStart } from "./start.js";
import { registerPs } from "./ps.js";
import { registerLogs } from "./logs.js";
import { registerStop } from "./stop.js";
import { registerKill } from "./kill.js";
import { registerRm } from "./rm.js";
import { registerExec } from "./exec.js";
import { registerCommit } from "./commit.js";

/** registerCommands adds every tsbuild subcommand to the program; one module per command. */
export function registerCommands(program: Command): void {
  void program;
  registerParse(program);
  registerCheck(program);
  registerImport(program);
  registerImages(program);
  registerTag(program);
  registerRmi(program);
  registerInspect(program);
  registerSave(program);
  registerLoad(program);
  registerFsck(program);
  registerDf(program);
  registerPrune(program);
  registerBuild(program);
  registerRun(program);
  registerPull(program);
  registerPush(program);
  registerLogin(program);
  registerLogout(program);

  registerCreate(program);
  registerStart(program);
  registerPs(program);
  registerLogs(program);
  registerStop(program);
  registerKill(program);
  registerRm(program);
  registerExec(program);
  registerCommit(program);
}
