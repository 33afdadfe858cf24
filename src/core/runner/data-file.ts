// Iteration data: a JSON array of objects or a CSV file with a header row, inside the workspace.
import { PowerError } from '../errors.js';
import { readWorkspaceFile, readWorkspaceJson } from '../sources/workspace-files.js';

export async function loadDataFile(root: string, given: string): Promise<Array<Record<string, unknown>>> {
  if (/\.csv$/i.test(given)) {
    const { text } = await readWorkspaceFile(root, given);
    const { parse: parseCsv } = await import('csv-parse/sync');
    try {
      const rows = parseCsv(text.replace(/^\ufeff/, ''), { columns: true, skip_empty_lines: true, trim: false, relax_column_count: false }) as Array<Record<string, string>>;
      if (rows.length === 0) throw new PowerError('invalid_data_file', `"${given}" has a header but no rows`, { hint: 'Add one row per iteration.' });
      return rows;
    } catch (error) {
      if (error instanceof PowerError) throw error;
      throw new PowerError('invalid_data_file', `"${given}" is not valid CSV: ${(error as Error).message}`, {
        hint: 'The first line names the variables; each following line is one iteration with the same number of columns.',
      });
    }
  }
  const { value } = await readWorkspaceJson(root, given, 'invalid_data_file');
  if (!Array.isArray(value) || value.length === 0 || !value.every((row) => row && typeof row === 'object' && !Array.isArray(row))) {
    throw new PowerError('invalid_data_file', `"${given}" must be a non-empty JSON array of objects (one per iteration)`, {
      hint: 'Write e.g. [{"userId": 1}, {"userId": 2}], or use a CSV file with a header row.',
    });
  }
  return value as Array<Record<string, unknown>>;
}
