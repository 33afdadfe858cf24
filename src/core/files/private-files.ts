// Writing files nobody else can steer. Everything the project writes (history, reports, the code
// cache) goes through here: the folder is checked with lstat (a real folder, not a link, this user's,
// not writable by others), the content goes to a temp file with a random name created exclusively
// (O_EXCL: a planted file or link of that name makes the create fail, never a write through it), and
// the temp file is renamed into place (rename replaces a planted link, it does not follow it). Files
// are 0600 and the folders made here 0700: reports and history hold response data.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, promises as fs, readSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/** This process's user, where the platform has one (not on Windows). */
export const currentUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined);

/** Why a folder is not this user's own, or undefined when it is (an lstat, so a link is refused). */
export function foreignFolderReason(stat: Stats, uid = currentUid()): string | undefined {
  if (stat.isSymbolicLink()) return 'is a symbolic link';
  if (!stat.isDirectory()) return 'is not a folder';
  if (uid === undefined) return undefined;
  if (stat.uid !== uid) return `is owned by another user (uid ${stat.uid})`;
  if (stat.mode & 0o022) return `can be written by other users (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Why an opened file is not one this user alone wrote, or undefined when it is. */
export function foreignFileReason(stat: Stats, uid = currentUid()): string | undefined {
  if (!stat.isFile()) return 'is not a regular file';
  if (uid === undefined) return undefined;
  if (stat.uid !== uid) return `is owned by another user (uid ${stat.uid})`;
  if (stat.mode & 0o077) return `can be read or written by other users (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

export class UnsafeFolderError extends Error {
  constructor(readonly folder: string, readonly reason: string) {
    super(`${folder} ${reason}`);
    this.name = 'UnsafeFolderError';
  }
}

/**
 * The folder `relative` inside `root`, made level by level (0700) where missing. Every level below the
 * root must be a real folder (never a link, even one pointing inside), owned by this user; a level of
 * ours that others may read or write is narrowed to 0700. Throws UnsafeFolderError otherwise.
 */
export async function privateFolder(root: string, relative: string): Promise<string> {
  const realRoot = await fs.realpath(root);
  const parts = path.normalize(relative).split(/[\\/]/).filter((part) => part && part !== '.');
  if (parts.includes('..') || path.isAbsolute(relative)) throw new UnsafeFolderError(relative, 'is not inside the workspace');
  let current = realRoot;
  for (const part of parts) {
    current = path.join(current, part);
    let stat = await fs.lstat(current).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
    if (!stat) {
      await fs.mkdir(current, { mode: PRIVATE_FOLDER_MODE }).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
      stat = await fs.lstat(current);
    }
    const uid = currentUid();
    if (stat.isDirectory() && uid !== undefined && stat.uid === uid && stat.mode & 0o077) {
      await fs.chmod(current, PRIVATE_FOLDER_MODE);
      stat = await fs.lstat(current);
    }
    const reason = foreignFolderReason(stat);
    if (reason) throw new UnsafeFolderError(path.relative(realRoot, current), reason);
  }
  return current;
}

const temporaryName = (file: string): string => `${file}.${randomBytes(8).toString('hex')}.tmp`;

/** Writes `content` to `file` through a fresh exclusively created temp file renamed into place. */
export async function replaceFile(file: string, content: string | Uint8Array, mode = PRIVATE_FILE_MODE): Promise<void> {
  const temporary = temporaryName(file);
  const handle = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  try {
    await handle.writeFile(content);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await fs.rename(temporary, file).catch(async (error) => {
    await fs.unlink(temporary).catch(() => undefined);
    throw error;
  });
}

/** replaceFile for the few places that cannot wait (the launcher, before anything is loaded). */
export function replaceFileSync(file: string, content: Uint8Array, mode = PRIVATE_FILE_MODE): void {
  const temporary = temporaryName(file);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  try {
    for (let written = 0; written < content.length; ) written += writeSync(fd, content, written);
  } catch (error) {
    closeSync(fd);
    try { unlinkSync(temporary); } catch { /* already gone */ }
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temporary, file);
  } catch (error) {
    try { unlinkSync(temporary); } catch { /* already gone */ }
    throw error;
  }
}

/**
 * A private file's bytes, or undefined when it is missing, a link, too big, or not this user's alone
 * (opened with O_NOFOLLOW and checked on the open descriptor, so it cannot be swapped after the check).
 */
export function readPrivateFileSync(file: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (foreignFileReason(stat) || stat.size > maxBytes) return undefined;
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === buffer.length ? buffer : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A folder of this user's made (0700) where missing, checked like privateFolder; the reason when unsafe. */
export function privateFolderSync(folder: string): string | undefined {
  try {
    mkdirSync(folder, { mode: PRIVATE_FOLDER_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot be made (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  try {
    return foreignFolderReason(lstatSync(folder));
  } catch (error) {
    return `cannot be checked (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}
