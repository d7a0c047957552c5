/** One CSV record, as RUN --mount and --device values are read (encoding/csv rules, one line). */

/** CsvField is one field's text (quotes resolved) and where it sits in the input, [start, end). */
export interface CsvField {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** CsvResult is the fields of the record, or the error encoding/csv would give. */
export type CsvResult = { readonly ok: true; readonly fields: CsvField[] } | { readonly ok: false; readonly error: string };

/** quoted reads a `"..."` field starting at `start` (`""` is a literal quote); returns its value and end. */
function quoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = "";
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return undefined;
    value += text.slice(i, q);
    if (text[q + 1] === '"') {
      value += '"';
      i = q + 2;
      continue;
    }
    const end = q + 1;
    return end === text.length || text[end] === "," ? { value, end } : undefined;
  }
}

/**
 * parseCsvRecord splits `text` at commas, honouring double-quoted fields. An empty text has no
 * fields. Errors: a quote inside an unquoted field, or a quoted field not closed right before a comma.
 */
export function parseCsvRecord(text: string): CsvResult {
  const fields: CsvField[] = [];
  if (text === "") return { ok: true, fields };
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      const q = quoted(text, i);
      if (!q) return { ok: false, error: `parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field` };
      fields.push({ value: q.value, start: i, end: q.end });
      i = q.end;
    } else {
      const comma = text.indexOf(",", i);
      const end = comma < 0 ? text.length : comma;
      const value = text.slice(i, end);
      const bare = value.indexOf('"');
      if (bare >= 0) return { ok: false, error: `parse error on line 1, column ${i + bare + 1}: bare " in non-quoted-field` };
      fields.push({ value, start: i, end });
      i = end;
    }
    if (i >= text.length) return { ok: true, fields };
    i++;
    if (i === text.length) {
      fields.push({ value: "", start: i, end: i });
      return { ok: true, fields };
    }
  }
}
