// Every file this power reads on a user's behalf (collections, environments, data files, form-data
// uploads) resolves against the workspace root and must stay inside it, symlinks included.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PowerError } from '../errors.js';
import { parseJsonText } from '../json-text.js';

export const MAX_FILE_BYTES = 50 * 1024 * 1024;

function outside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

function escapeError(given: string, root: string, via?: string): PowerError {
  return new PowerError('path_outside_workspace', `"${given}" ${via ? `is a symlink to ${via}, ` : ''}outside the workspace root ${root}`, {
    hint: 'Only files inside the workspace can be read. Copy the file into the project, or start the server with POSTMAN_POWER_ROOT set to a folder that holds it.',
  });
}

/**
 * Resolves `given` against `root` and checks that it, and whatever its symlinks point at, stays
 * inside. Returns the real path. A missing file is `file_not_found`.
 */
export async function resolveInsideRoot(root: string, given: string): Promise<string> {
  const absolute = path.resolve(root, given);
  const realRoot = await fs.realpath(root).catch(() => path.resolve(root));
  if (outside(path.resolve(root), absolute) && outside(realRoot, absolute)) throw escapeError(given, root);
  let real: string;
  try {
    real = await fs.realpath(absolute);
  } catch (cause) {
    throw new PowerError('file_not_found', `No file at "${given}" (looked in ${absolute})`, {
      hint: 'Check the path: relative paths resolve against the folder that holds .postman.json (the workspace root).',
      cause,
    });
  }
  if (outside(realRoot, real)) throw escapeError(given, root, real);
  return real;
}

/** Reads a workspace file as text, with the size cap and clear errors. */
export async function readWorkspaceFile(root: string, given: string, maxBytes = MAX_FILE_BYTES): Promise<{ file: string; text: string }> {
  const file = await resolveInsideRoot(root, given);
  const stat = await fs.stat(file);
  if (stat.isDirectory()) {
    throw new PowerError('file_unreadable', `"${given}" is a directory, not a file`, { hint: 'Name the JSON file inside it.' });
  }
  if (stat.size > maxBytes) {
    throw new PowerError('file_unreadable', `"${given}" is ${Math.round(stat.size / 1024 / 1024)} MB; the limit is ${Math.round(maxBytes / 1024 / 1024)} MB`, {
      hint: 'Split it into smaller files.',
    });
  }
  try {
    return { file, text: await fs.readFile(file, 'utf8') };
  } catch (cause) {
    throw new PowerError('file_unreadable', `Cannot read "${given}": ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      hint: 'Check the file permissions.',
      cause,
    });
  }
}

/** Reads and parses a workspace JSON file; syntax errors carry the file, line and column. */
export async function readWorkspaceJson(
  root: string,
  given: string,
  code: 'invalid_collection' | 'invalid_environment' | 'invalid_data_file',
): Promise<{ file: string; value: unknown }> {
  const { file, text } = await readWorkspaceFile(root, given);
  if (text.replace(/^\ufeff/, '').trim() === '') throw new PowerError(code, `"${given}" is empty`, { hint: 'Export the file again from Postman.' });
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new PowerError(code, `"${given}" is not valid JSON: ${parsed.error.message}`, {
      hint: 'Fix the syntax at that position, or export the file again from Postman.',
      details: { file, line: parsed.error.line, column: parsed.error.column },
    });
  }
  return { file, value: parsed.value };
}
