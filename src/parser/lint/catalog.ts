/**
 * The lint rule catalog: every build check tsbuild runs, declared once with BuildKit's name,
 * a title, its default severity, a docs text and whether it is experimental. Messages match
 * what `docker build --check` prints so users can search for them.
 */
import type { Severity } from "../../core/diagnostic.js";

/** RuleSpec declares one rule; `message` formats a finding from its parts. */
export interface RuleSpec<A extends readonly string[]> {
  readonly name: string;
  readonly title: string;
  readonly severity: Severity;
  /** Experimental rules run only when the check options name them (`experimental=Rule|all`). */
  readonly experimental: boolean;
  readonly url: string;
  readonly docs: string;
  readonly message: (...args: A) => string;
}

const DOCS = "https://docs.docker.com/go/dockerfile/rule/";

/** rule fills in the defaults: severity warning, not experimental, docs URL from the name. */
function rule<A extends readonly string[]>(
  name: string,
  slug: string,
  title: string,
  docs: string,
  message: (...args: A) => string,
  experimental = false,
): RuleSpec<A> {
  return { name, title, severity: "warning", experimental, url: DOCS + slug + "/", docs, message };
}

/** RULES is the catalog, keyed by rule name. */
export const RULES = {
  StageNameCasing: rule(
    "StageNameCasing", "stage-name-casing", "Stage names should be lowercase",
    "A stage name written with upper-case letters is hard to tell apart from an image reference; keep `FROM x AS name` lower case.",
    (stage: string) => `Stage name '${stage}' should be lowercase`,
  ),
  FromAsCasing: rule(
    "FromAsCasing", "from-as-casing", "The 'as' keyword should match the case of the 'from' keyword",
    "Write `AS` in upper case when `FROM` is upper case and in lower case when it is lower case.",
    (from: string, as: string) => `'${as}' and '${from}' keywords' casing do not match`,
  ),
  NoEmptyContinuation: rule(
    "NoEmptyContinuation", "no-empty-continuation", "Empty continuation lines will become errors in a future release",
    "A blank line inside a backslash-continued instruction is skipped today but will become an error; remove it, or put a comment line there.",
    () => "Empty continuation line",
  ),
  ConsistentInstructionCasing: rule(
    "ConsistentInstructionCasing", "consistent-instruction-casing",
    "All commands within the Dockerfile should use the same casing (either upper or lower)",
    "Instruction keywords should all be upper case or all lower case; the case most instructions use decides which one is expected.",
    (keyword: string, expected: string) => `Command '${keyword}' should match the case of the command majority (${expected})`,
  ),
  DuplicateStageName: rule(
    "DuplicateStageName", "duplicate-stage-name", "Stage names should be unique",
    "Two stages with the same name make `--target` and `COPY --from` ambiguous; give every stage its own name.",
    (stage: string) => `Duplicate stage name "${stage}", stage names should be unique`,
  ),
  ReservedStageName: rule(
    "ReservedStageName", "reserved-stage-name", "Reserved words should not be used as stage names",
    "`scratch` and `context` already have a meaning as build sources, so a stage must not be called that.",
    (stage: string) => `Stage name should not use the same name as reserved stage "${stage}"`,
  ),
  JSONArgsRecommended: rule(
    "JSONArgsRecommended", "json-args-recommended",
    "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    "In shell form the command runs under `/bin/sh -c`, which does not pass signals on; use the JSON array form, or set SHELL explicitly if a shell is wanted.",
    (instruction: string) => `JSON arguments recommended for ${instruction} to prevent unintended behavior related to OS signals`,
  ),
  MaintainerDeprecated: rule(
    "MaintainerDeprecated", "maintainer-deprecated",
    "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    "Use `LABEL org.opencontainers.image.authors=\"...\"` instead of MAINTAINER.",
    () => "Maintainer instruction is deprecated in favor of using label",
  ),
  UndefinedArgInFrom: rule(
    "UndefinedArgInFrom", "undefined-arg-in-from", "FROM command must use declared ARGs",
    "A FROM line can only use ARGs declared before the first FROM (or the automatic platform ARGs); declare the ARG at the top of the file.",
    (arg: string, suggestion: string) => `FROM argument '${arg}' is not declared${suggestion ? ` (did you mean ${suggestion}?)` : ""}`,
  ),
  WorkdirRelativePath: rule(
    "WorkdirRelativePath", "workdir-relative-path",
    "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    "The first WORKDIR of a stage (and of the stages it builds on) should be absolute, so the result does not depend on the base image's working directory.",
    (workdir: string) => `Relative workdir "${workdir}" can have unexpected results if the base image changes`,
  ),
  UndefinedVar: rule(
    "UndefinedVar", "undefined-var", "Variables should be defined before their use",
    "A variable used in an expanded instruction is neither an ARG nor an ENV at that point; declare it first or fix the name. Shell-form RUN, CMD and ENTRYPOINT are left to the shell.",
    (name: string, suggestion: string) => `Usage of undefined variable '$${name}'${suggestion ? ` (did you mean $${suggestion}?)` : ""}`,
  ),
  MultipleInstructionsDisallowed: rule(
    "MultipleInstructionsDisallowed", "multiple-instructions-disallowed",
    "Multiple instructions of the same type should not be used in the same stage",
    "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; the earlier one is reported.",
    (instruction: string) => `Multiple ${instruction} instructions should not be used in the same stage because only the last one will be used`,
  ),
  LegacyKeyValueFormat: rule(
    "LegacyKeyValueFormat", "legacy-key-value-format", "Legacy key/value format with whitespace separator should not be used",
    "Write `ENV key=value` / `LABEL key=value`; the space-separated form takes the whole rest of the line as the value.",
    (instruction: string) => `"${instruction} key=value" should be used instead of legacy "${instruction} key value" format`,
  ),
  InvalidDefaultArgInFrom: rule(
    "InvalidDefaultArgInFrom", "invalid-default-arg-in-from", "Default value for global ARG results in an empty or invalid base image name",
    "With no --build-arg given, the ARG defaults must still produce a valid image reference in every FROM.",
    (base: string) => `Default value for ARG ${base} results in empty or invalid base image name`,
  ),
  FromPlatformFlagConstDisallowed: rule(
    "FromPlatformFlagConstDisallowed", "from-platform-flag-const-disallowed", "FROM --platform flag should not use a constant value",
    "A constant `--platform` pins the stage to one platform; use a variable such as $BUILDPLATFORM, or name the stage after the OS or architecture it is for.",
    (platform: string) => `FROM --platform flag should not use constant value "${platform}"`,
  ),
  SecretsUsedInArgOrEnv: rule(
    "SecretsUsedInArgOrEnv", "secrets-used-in-arg-or-env", "Sensitive data should not be used in the ARG or ENV commands",
    "ARG and ENV values are kept in the image metadata; pass secrets with `RUN --mount=type=secret` instead.",
    (instruction: string, key: string) => `Do not use ARG or ENV instructions for sensitive data (${instruction} "${key}")`,
  ),
  RedundantTargetPlatform: rule(
    "RedundantTargetPlatform", "redundant-target-platform",
    "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    "Stages are built for the target platform already; drop `--platform=$TARGETPLATFORM`.",
    (value: string) => `Setting platform to predefined ${value} in FROM is redundant as this is the default behavior`,
  ),
  InvalidDefinitionDescription: rule(
    "InvalidDefinitionDescription", "invalid-definition-description",
    "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.",
    "The comment right above `FROM ... AS name` or `ARG name` is read as its description and should start with that name. Experimental: enable with `# check=experimental=InvalidDefinitionDescription`.",
    (instruction: string, name: string) => `Comment for ${instruction} should follow the format: \`# ${name} <description>\``,
    true,
  ),
  ExposeProtoCasing: rule(
    "ExposeProtoCasing", "expose-proto-casing", "Protocol in EXPOSE instruction should be lowercase",
    "Write `EXPOSE 53/udp`, not `53/UDP`.",
    (port: string) => `Defined protocol '${port}' in EXPOSE instruction should be lowercase`,
  ),
  ExposeInvalidFormat: rule(
    "ExposeInvalidFormat", "expose-invalid-format",
    "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
    "EXPOSE only documents container ports; publish host ports and addresses when running the container.",
    (port: string) => `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`,
  ),
  CopyIgnoredFile: rule(
    "CopyIgnoredFile", "copy-ignored-file", "Attempting to Copy file that is excluded by .dockerignore",
    "A COPY or ADD source from the build context is excluded by .dockerignore, so it will not be there at build time. Not checked when the ignore file has `!` exceptions.",
    (instruction: string, file: string) => `Attempting to ${instruction} file "${file}" that is excluded by .dockerignore`,
  ),
} as const;

/** RuleName is the name of a catalog rule. */
export type RuleName = keyof typeof RULES;

/** RULE_NAMES lists every rule, in catalog order. */
export const RULE_NAMES = Object.keys(RULES) as RuleName[];

/** isRuleName tells whether a string names a catalog rule. */
export function isRuleName(name: string): name is RuleName {
  return Object.hasOwn(RULES, name);
}
