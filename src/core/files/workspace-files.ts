// The one confined reader: every file this power reads on a user's behalf (collections, every YAML
// file of a v12 tree, environments, globals, data files, form-data uploads, `.postman.json`) goes
// through `readConfinedFile`: the real path (symlinks resolved) must stay inside the root, the file
// must be a regular file (FIFOs, sockets and devices are refused before anything waits on them), it
// is size-capped, and its encoding is detected from its BOM (UTF-8, UTF-16LE/BE). Writes (reports)
// check their directory the same way with `confinedDirectory`. The engine's file resolver (form-data
// uploads, certificates) checks with the sync twin, `resolveInsideRootSync`.
import { constants, promises as fs, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { PowerError } from '../errors.js';
import { parseJsonText } from '../json-text.js';
import { assertJsonTextDepth, assertValueBounds } from '../bounds.js';

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

const DENIED = 'postman-power: file access outside the workspace root is not allowed';

/**
 * A read the resolver refused. The runtime only logs it (as text); the resolver also hands it to its
 * run's recorder (onRefused), which fails the request that wanted the file — by the error, not its words.
 */
export class FileRefusedError extends Error {
  readonly code = 'file_refused';
  constructor(
    readonly given: string,
    readonly reason: 'outside_root' | 'not_a_file',
  ) {
    super(reason === 'outside_root' ? `${DENIED}: ${given}` : `${DENIED}: ${given} is not a regular file`);
  }
}

/**
 * The sync twin of resolveInsideRoot, for postman-runtime's file resolver (its API is sync and
 * callback): the real path inside the root (or one of the `trusted` files a person named), a regular
 * file. A missing file passes: the read itself reports ENOENT.
 */
export function resolveInsideRootSync(root: string, given: string, trusted: ReadonlySet<string> = new Set()): string {
  const realRoot = realpathSync(root);
  const absolute = path.resolve(realRoot, given);
  let real = absolute;
  try {
    real = realpathSync(absolute);
  } catch {
    // A missing file: the read itself reports ENOENT.
  }
  if (outside(realRoot, real) && !trusted.has(real)) throw new FileRefusedError(given, 'outside_root');
  const stat = statSync(real, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new FileRefusedError(given, 'not_a_file');
  return real;
}

/** What a non-regular file is, for the message. */
function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Decodes file bytes by their BOM: UTF-8 (BOM dropped), UTF-16LE, UTF-16BE; UTF-8 otherwise. */
export function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return bytes.toString('utf8');
}

export interface ConfinedFile {
  /** The real path. */
  file: string;
  text: string;
}

/** Where symlinks are judged: the root given (default), or the folder a file was found in. */
export interface ReadOptions {
  maxBytes?: number;
  /** The error code for a directory given where a file was expected. */
  notAFile?: string;
}

/** The confined reader. Every read of a user's file goes through here. */
export async function readConfinedFile(root: string, given: string, options: ReadOptions = {}): Promise<ConfinedFile> {
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const file = await resolveInsideRoot(root, given);
  // Checked before opening: opening a FIFO for reading waits for a writer, holding a file-I/O thread.
  const before = await fs.stat(file);
  if (!before.isFile()) {
    throw new PowerError('file_unreadable', `"${given}" is ${kindOf(before)}, not a regular file`, {
      hint: before.isDirectory() ? (options.notAFile ?? 'Name the file inside it.') : 'Only regular files are read: replace it with the file itself.',
    });
  }
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: should the path be swapped for a FIFO after the check, opening still does not wait.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw new PowerError('file_unreadable', `Cannot read "${given}": ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { hint: 'Check the file permissions.', cause });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new PowerError('file_unreadable', `"${given}" is ${kindOf(stat)}, not a regular file`, { hint: 'Only regular files are read.' });
    if (stat.size > maxBytes) {
      throw new PowerError('file_unreadable', `"${given}" is ${Number((stat.size / 1024 / 1024).toFixed(1))} MB; the limit is ${Math.round(maxBytes / 1024 / 1024)} MB`, {
        hint: 'Split it into smaller files.',
      });
    }
    return { file, text: decodeText(await handle.readFile()) };
  } catch (cause) {
    if (cause instanceof PowerError) throw cause;
    throw new PowerError('file_unreadable', `Cannot read "${given}": ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { hint: 'Check the file permissions.', cause });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** A directory inside the root (symlinks resolved), for listing or writing into; created when asked. */
export async function confinedDirectory(root: string, given: string, create = false): Promise<string> {
  const absolute = path.resolve(root, given);
  const realRoot = await fs.realpath(root).catch(() => path.resolve(root));
  if (create) {
    // Each existing level is checked before anything is created below it, so a symlinked
    // `.postman-power/` cannot lead the write outside.
    const parts = path.relative(path.resolve(root), absolute).split(path.sep).filter(Boolean);
    let current = realRoot;
    for (const part of parts) {
      const next = path.join(current, part);
      const real = await fs.realpath(next).catch(() => undefined);
      if (real === undefined) await fs.mkdir(next);
      else if (outside(realRoot, real)) throw escapeError(path.relative(realRoot, next) || given, root, real);
      current = real ?? next;
    }
  }
  const real = await resolveInsideRoot(root, given);
  if (!(await fs.stat(real)).isDirectory()) throw new PowerError('file_unreadable', `"${given}" is not a directory`, { hint: 'Name a directory.' });
  return real;
}

/** Reads and parses a workspace JSON file, bounded; syntax errors carry the file, line and column. */
export async function readWorkspaceJson(
  root: string,
  given: string,
  code: 'invalid_collection' | 'invalid_environment' | 'invalid_data_file',
): Promise<{ file: string; value: unknown }> {
  const { file, text } = await readConfinedFile(root, given);
  return { file, value: parseBoundedJson(text, `"${given}"`, code, file) };
}

/**
 * A JSON file a person named on the command line (a cookie jar, a certificate list): read wherever it
 * is — through the same reader, its own folder as the root — and bounded like every input.
 */
export async function readNamedJsonFile(file: string, code: JsonCode): Promise<unknown> {
  const absolute = path.resolve(file);
  const { text } = await readConfinedFile(path.dirname(absolute), absolute);
  return parseBoundedJson(text, `"${file}"`, code, absolute);
}

type JsonCode = 'invalid_collection' | 'invalid_environment' | 'invalid_data_file' | 'invalid_argument';

/** Parses JSON text after an iterative depth check (a deep file cannot overflow the parser), then bounds the value. */
export function parseBoundedJson(text: string, where: string, code: JsonCode, file?: string): unknown {
  if (text.trim() === '') throw new PowerError(code, `${where} is empty`, { hint: 'Export the file again from Postman.' });
  assertJsonTextDepth(text, where, code);
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new PowerError(code, `${where} is not valid JSON: ${parsed.error.message}`, {
      hint: 'Fix the syntax at that position, or export the file again from Postman.',
      details: { ...(file ? { file } : {}), line: parsed.error.line, column: parsed.error.column },
    });
  }
  assertValueBounds(parsed.value, where, code);
  return parsed.value;
}
