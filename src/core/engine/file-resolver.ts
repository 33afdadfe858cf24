// The runtime reads form-data files and certificates through a "file resolver"; ours confines every
// read to the workspace root (symlinks resolved), like newman's SecureFS without its escape hatch.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

/** The refusal's text; the run recorder recognises it and fails the request that wanted the file. */
export const FILE_REFUSED = 'postman-power: file access outside the workspace root is not allowed';
const DENIED = FILE_REFUSED;

/** Sync twin of the confined reader's checks (the runtime's resolver API is callback/sync): inside the root, a regular file. */
export function confinedPath(root: string, given: string, trusted: ReadonlySet<string> = new Set()): string {
  const realRoot = fs.realpathSync(root);
  const absolute = path.resolve(realRoot, given);
  let real = absolute;
  try {
    real = fs.realpathSync(absolute);
  } catch {
    // A missing file: the read itself reports ENOENT.
  }
  const relative = path.relative(realRoot, real);
  const inside = !(relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative));
  if (!inside && !trusted.has(real)) throw new Error(`${DENIED}: ${given}`);
  const stat = fs.statSync(real, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new Error(`${DENIED}: ${given} is not a regular file`);
  return real;
}

/** `trustedFiles`: files a person named on the command line (certificates, CAs), allowed wherever they are. */
export function confinedFileResolver(root: string, trustedFiles: string[] = []) {
  const trusted = new Set(trustedFiles.map((file) => {
    try {
      return fs.realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  }));
  const guard = <T>(given: string, callback: (error: Error | null, value?: T) => void, action: (file: string) => void) => {
    let file: string;
    try {
      file = confinedPath(root, given, trusted);
    } catch (error) {
      return callback(error as Error);
    }
    action(file);
  };
  return {
    stat(given: string, callback: (error: Error | null, stats?: fs.Stats) => void) {
      guard(given, callback, (file) => fs.stat(file, callback));
    },
    readFile(given: string, ...rest: unknown[]) {
      const callback = rest[rest.length - 1] as (error: Error | null, data?: Buffer) => void;
      guard(given, callback, (file) => fs.readFile(file, callback));
    },
    createReadStream(given: string) {
      try {
        return fs.createReadStream(confinedPath(root, given, trusted));
      } catch (error) {
        return new Readable({
          read() {
            this.destroy(error as Error);
          },
        });
      }
    },
  };
}
