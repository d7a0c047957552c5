import { describe, expect, it } from "vitest";
import { heredocName } from "../../src/parser/instructions/heredoc.js";

describe("heredocName", () => {
  it.each([
    ["<<EOF", "EOF"],
    ["<<-EOF", "EOF"],
    ["3<<EOF", "EOF"],
    ["<<'EOF'", "EOF"],
    ['<<"EOF"', "EOF"],
    ["<<eo'f'", "eof"],
    ["<<eo\\'f", "eo'f"],
    ["<<'one two'", "one two"],
    ["<<$EOF", "$EOF"],
    ["<<  EOF", "EOF"],
  ])("reads %s as %s", (word, name) => {
    expect(heredocName(word)).toBe(name);
  });

  it.each(["<<", "EOF", "a<<EOF", "<<A<<B", "<<''", "/dst/"])("%s is not a heredoc", (word) => {
    expect(heredocName(word)).toBeUndefined();
  });
});
