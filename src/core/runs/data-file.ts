// Iteration data, read as newman reads it: JSON first, CSV if it is not JSON (whatever the file's
// extension), with newman's CSV options (trimmed fields, relaxed quotes and column counts, BOM
// dropped, unquoted numbers cast). Read through the confined reader and bounded.
import { assertJsonTextDepth, assertValueBounds } from '../bounds.js';
import { PowerError } from '../errors.js';
import { parseJsonText } from '../json-text.js';
import { readConfinedFile } from '../files/workspace-files.js';

// newman's own tests for "is a number", so the same cells become numbers.
const INT = /^(-|\+)?([1-9]+[0-9]*)$/;
const isFloat = (value: string) => Number(value) - parseFloat(value) + 1 >= 0;

function castCell(value: string, context: { quoting: boolean }): unknown {
  if (context.quoting) return value;
  if (INT.test(value)) return parseInt(value, 10);
  if (isFloat(value)) return parseFloat(value);
  return value;
}

export async function loadDataFile(root: string, given: string): Promise<Array<Record<string, unknown>>> {
  const { text } = await readConfinedFile(root, given);
  return parseDataText(text, given);
}

/** Iteration data from text (a file's, or a URL's body on the CLI). */
export async function parseDataText(text: string, given: string): Promise<Array<Record<string, unknown>>> {
  const where = `"${given}"`;
  const trimmed = text.trim();
  if (trimmed === '') throw new PowerError('invalid_data_file', `${where} is empty`, { hint: 'Write a JSON array of objects, or a CSV file with a header row.' });
  assertJsonTextDepth(trimmed, where, 'invalid_data_file');
  const json = parseJsonText(trimmed);
  let rows: unknown;
  if (json.ok) rows = json.value;
  else if (/^[[{]/.test(trimmed) && !/\.csv$/i.test(given)) {
    throw new PowerError('invalid_data_file', `${where} is not valid JSON: ${json.error.message}`, {
      hint: 'Fix the syntax at that position, or use a CSV file with a header row.',
      details: { line: json.error.line, column: json.error.column },
    });
  } else {
    const { parse: parseCsv } = await import('csv-parse/sync');
    try {
      rows = parseCsv(text, { columns: true, cast: castCell, trim: true, relax_quotes: true, relax_column_count: true, bom: true, skip_empty_lines: true });
    } catch (error) {
      throw new PowerError('invalid_data_file', `${where} is neither JSON nor valid CSV: ${(error as Error).message}`, {
        hint: 'The first line names the variables; each following line is one iteration.',
      });
    }
    // A header alone is one iteration with no data, as in newman.
    if (Array.isArray(rows) && rows.length === 0) rows = [{}];
  }
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((row) => row && typeof row === 'object' && !Array.isArray(row))) {
    throw new PowerError('invalid_data_file', `${where} must be a non-empty JSON array of objects (one per iteration)`, {
      hint: 'Write e.g. [{"userId": 1}, {"userId": 2}], or use a CSV file with a header row.',
    });
  }
  assertValueBounds(rows, where, 'invalid_data_file');
  return rows as Array<Record<string, unknown>>;
}
