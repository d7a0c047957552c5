import { describe, expect, it } from "vitest";
import { chmodError, symbolicModeIsValid } from "../../src/parser/instructions/chmod.js";

describe("symbolicModeIsValid", () => {
  it.each(["u=rwX,go=rX", "a+x", "+x", "u+s", "g=u", "o-rwx", "u=rw,g=r,o=", "ug+rw-x", "=", "a=rwxXst"])("accepts %s", (m) => {
    expect(symbolicModeIsValid(m)).toBe(true);
  });

  it.each(["", "u", "u=rw,", "x+r", "u=rwz", "u=r g=r", ",u=r", "uu"])("rejects %s", (m) => {
    expect(symbolicModeIsValid(m)).toBe(false);
  });
});

describe("chmodError", () => {
  it("accepts octal up to 07777, empty and variable values", () => {
    for (const v of ["0", "644", "0755", "07777", "", "$M", "u+x"]) expect(chmodError(v)).toBeUndefined();
  });

  it("gives BuildKit's message for numeric-looking values", () => {
    for (const v of ["10000", "8", "0o755", "9x"]) {
      expect(chmodError(v)).toBe(`invalid chmod parameter: '${v}'. it should be octal string and between 0 and 07777`);
    }
  });
});
