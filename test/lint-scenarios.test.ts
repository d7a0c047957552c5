// Whole-file scenarios with the exact findings (rule, line, message) BuildKit gives for them.
// One scenario per row: the table is the spec.
import { describe, expect, it } from "vitest";
import { lint, type LintOptions } from "../src/parser/lint/index.js";
import { parseDockerfile } from "./lint/parse-helper.js";

type Expected = readonly (readonly [string, number, string])[];

const SCENARIOS: readonly { name: string; text: string; want: Expected; opts?: LintOptions }[] = [
  {
    name: "a declared ARG without value is not undefined",
    text: "FROM scratch\nARG suffix\nCOPY app${suffix} .\n",
    want: [],
  },
  {
    name: "ARGs are inherited through FROM <stage>",
    text: "FROM alpine AS base\nARG src=app\n\nFROM base\nCOPY $src .\n",
    want: [],
  },
  {
    name: "shell-form RUN is left to the shell",
    text: "FROM alpine\nRUN echo $HOME $UNSET\n",
    want: [],
  },
  {
    name: "use before declaration",
    text: "FROM alpine\nCOPY $name .\nARG name=x\nRUN echo $name\n",
    want: [["UndefinedVar", 2, "Usage of undefined variable '$name'"]],
  },
  {
    name: "typo next to declared ARGs",
    text: "FROM alpine\nARG DIR_SRC=src/\nARG DIR_LIB=lib/\nARG DIR_OUT=out/\nCOPY $DIR_LIBS .\n",
    want: [["UndefinedVar", 5, "Usage of undefined variable '$DIR_LIBS' (did you mean $DIR_LIB?)"]],
  },
  {
    name: "a FROM may use automatic platform ARGs and declared meta ARGs",
    text: "ARG img=scratch\nARG FLAVOR\nFROM $img\nFROM --platform=$BUILDPLATFORM scratch\nFROM scratch${FLAVOR}\n",
    want: [],
  },
  {
    name: "an ARG inside a stage is not global",
    text: "FROM scratch\nARG FLAVOR\nFROM scratch${FLAVOR}\n",
    want: [["UndefinedArgInFrom", 3, "FROM argument 'FLAVOR' is not declared"]],
  },
  {
    name: "FROM defaults: ${v:-w} and an empty default",
    text: 'ARG FLAVOR\nARG EMPTY=""\nFROM scra${FLAVOR:-tch}\nFROM scratch${EMPTY-@x}\n',
    want: [],
  },
  {
    name: "misspelled platform ARG",
    text: "FROM --platform=$BUILDPLATFROM scratch\n",
    want: [["UndefinedArgInFrom", 1, "FROM argument 'BUILDPLATFROM' is not declared (did you mean BUILDPLATFORM?)"]],
  },
  {
    name: "undeclared ARG next to a declared one in the image",
    text: "ARG tag=1\nFROM busybox:${tag}${flavor} AS b\n",
    want: [["UndefinedArgInFrom", 2, "FROM argument 'flavor' is not declared"]],
  },
  {
    name: "build args do not rescue an empty default",
    text: "ARG IMG\nFROM $IMG\n",
    opts: { buildArgs: new Map([["IMG", "busybox"]]) },
    want: [["InvalidDefaultArgInFrom", 2, "Default value for ARG $IMG results in empty or invalid base image name"]],
  },
  {
    name: "an empty optional suffix is fine",
    text: 'ARG VARIANT=""\nARG V2\nFROM busybox:stable${VARIANT}\nFROM busybox:stable${V2}\n',
    want: [],
  },
  {
    name: "mixed-case FROM: only the casing rule, not FromAsCasing",
    text: "#\nFrom scratch as base\nFROM scratch AS base2\n",
    want: [["ConsistentInstructionCasing", 2, "Command 'From' should match the case of the command majority (uppercase)"]],
  },
  {
    name: "lower-case majority",
    text: "from scratch\nCOPY a /a\ncopy b /b\n",
    want: [["ConsistentInstructionCasing", 2, "Command 'COPY' should match the case of the command majority (lowercase)"]],
  },
  {
    name: "relative WORKDIR after an absolute one in the parent stage",
    text: "FROM alpine AS base\nWORKDIR /srv\nFROM base\nWORKDIR app\nFROM alpine\nWORKDIR $HOME\n",
    want: [
      ["UndefinedVar", 6, "Usage of undefined variable '$HOME'"],
      ["WorkdirRelativePath", 6, 'Relative workdir "" can have unexpected results if the base image changes'],
    ],
  },
  {
    name: "MultipleInstructionsDisallowed across kinds and stages",
    text: 'FROM alpine\nENTRYPOINT ["a"]\nCMD ["b"]\nENTRYPOINT ["c"]\nFROM alpine\nENTRYPOINT ["d"]\n',
    want: [["MultipleInstructionsDisallowed", 2, "Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used"]],
  },
  {
    name: "platform named in the stage",
    text: "FROM --platform=linux/arm64 alpine AS tools-arm64\nFROM --platform=windows/amd64 alpine AS win\nFROM --platform=linux/riscv64 alpine\n",
    want: [
      ["FromPlatformFlagConstDisallowed", 2, 'FROM --platform flag should not use constant value "windows/amd64"'],
      ["FromPlatformFlagConstDisallowed", 3, 'FROM --platform flag should not use constant value "linux/riscv64"'],
    ],
  },
  {
    name: "TARGETPLATFORM inside a longer value is not redundant",
    text: "FROM --platform=${TARGETPLATFORM} alpine AS a\nFROM --platform=${TARGETOS}/${TARGETARCH} alpine AS b\n",
    want: [["RedundantTargetPlatform", 1, "Setting platform to predefined ${TARGETPLATFORM} in FROM is redundant as this is the default behavior"]],
  },
  {
    name: "secret-looking keys with allow-listed words",
    text: "FROM alpine\nARG SSH_KEY_FILE\nARG GPG_KEY\nENV password=x\nENV TOKEN_VERSION=2 KEYS=1\n",
    want: [
      ["SecretsUsedInArgOrEnv", 3, 'Do not use ARG or ENV instructions for sensitive data (ARG "GPG_KEY")'],
      ["SecretsUsedInArgOrEnv", 4, 'Do not use ARG or ENV instructions for sensitive data (ENV "password")'],
    ],
  },
  {
    name: "descriptions that start with the name, a bare # clearing the comment, other instructions",
    text: "# check=skip=all;experimental=InvalidDefinitionDescription\n# mode selects the build\nARG mode=fast\n# app the application stage\nFROM scratch AS app\n# lvl the log level\nARG a=1 lvl=2\n#\nARG other=1\n# not about the copy\nCOPY a /a\n",
    want: [],
  },
  {
    name: "descriptions that do not start with the name",
    text: "# check=experimental=InvalidDefinitionDescription\n# choose a mode\nARG mode=fast\n# App the application stage\nFROM scratch AS app\n# two args\nARG a=1 b=2\n",
    want: [
      ["InvalidDefinitionDescription", 3, "Comment for ARG should follow the format: `# mode <description>`"],
      ["InvalidDefinitionDescription", 5, "Comment for FROM should follow the format: `# app <description>`"],
      ["InvalidDefinitionDescription", 7, "Comment for ARG should follow the format: `# <arg_key> <description>`"],
    ],
  },
  {
    name: "error=true from BUILDKIT_DOCKERFILE_CHECK replaces skip=all in the file",
    text: "#check=skip=all\nFROM scratch as base\ncopy a .\n",
    opts: { checkOverride: "skip=ConsistentInstructionCasing;error=true" },
    want: [["FromAsCasing", 2, "'as' and 'FROM' keywords' casing do not match"]],
  },
];

describe("lint scenarios", () => {
  it.each(SCENARIOS)("$name", ({ text, want, opts }) => {
    const { ast, diagnostics } = parseDockerfile(text);
    const got = lint(ast, { ...opts, parserDiagnostics: diagnostics }).map((d) => [d.code, d.range.start.line, d.message]);
    expect(got).toEqual(want);
  });
});
