// Strict JSON parsing that says where it broke (line and column), used for every file we read.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { inspect } from 'node:util';

export interface JsonSyntaxError {
  message: string;
  line: number;
  column: number;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

/** Parses strict JSON (a UTF-8 BOM is dropped); on failure gives the first error's position. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; error: JsonSyntaxError } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // V8's parser is strict JSON and an order of magnitude faster (and makes "__proto__" an own key);
  // jsonc-parser runs only to say where a broken file broke.
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    // Located below.
  }
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) return { ok: true, value };
  const { line, column } = lineColumn(body, errors[0].offset);
  return { ok: false, error: { message: `${printParseErrorCode(errors[0].error)} at line ${line}, column ${column}`, line, column } };
}

/** Longest piece of an input an answer repeats (a name, a path, a key). */
export const MAX_ECHO_CHARS = 120;

/**
 * A value from the input as an answer repeats it: whole when short, else its start and its length,
 * so an answer's size never scales with what it was given.
 */
export function excerpt(text: string, max = MAX_ECHO_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * A script's value as text: JSON, or (a cycle, a BigInt) Node's own inspection of it. Values that
 * come from scripts (console arguments, assertion operands, variables) may be anything.
 */
export function scriptValueText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 2000 });
  }
}
