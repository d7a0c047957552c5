/** RUN --device values (BuildKit's instructions/commands_rundevice.go): `name[,required[=bool]]`. */
import type { Flag } from "../ast.js";
import { report, subRange, type Lowering } from "./common.js";
import { parseCsvRecord } from "./csv.js";
import { withSuggestion } from "./suggest.js";

const BOOLS: Readonly<Record<string, boolean>> = { "1": true, t: true, T: true, TRUE: true, true: true, True: true, "0": false, f: false, F: false, FALSE: false, false: false, False: false };

// Deviation: checked at parse time; BuildKit checks it while dispatching the stage.
/**
 * checkDevice reports what is wrong with one --device value: the first field without a known
 * key is the name; `name=` may set it once; `required` is bare or `=bool`; nothing else is allowed.
 */
export function checkDevice(l: Lowering, flag: Flag): void {
  const text = flag.value ?? "";
  const where = flag.valueRange ?? flag.range;
  const csv = parseCsvRecord(text);
  if (!csv.ok) return report(l, "InvalidDevice", `failed to parse csv devices: ${csv.error}`, where);
  let name = "";
  for (const field of csv.fields) {
    const at = subRange(where, text, field.start, field.end);
    const eq = field.value.indexOf("=");
    const key = (eq < 0 ? field.value : field.value.slice(0, eq)).toLowerCase();
    const value = field.value.slice(eq + 1);
    if (eq >= 0 && key === "name") {
      if (name !== "") report(l, "InvalidDevice", `device name already set to ${name}`, at);
      else name = value;
    } else if (key === "required") {
      if (eq >= 0 && !Object.hasOwn(BOOLS, value)) report(l, "InvalidDevice", `invalid value for required: ${value}`, at);
    } else if (name === "") {
      name = field.value;
    } else if (eq < 0) {
      report(l, "InvalidDevice", `invalid field '${field.value}' must be a key=value pair`, at);
    } else {
      report(l, "InvalidDevice", withSuggestion(`unexpected key '${key}' in '${field.value}'`, key, ["name", "required"], true), at);
    }
  }
}
