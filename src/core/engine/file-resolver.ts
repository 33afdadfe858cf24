// The runtime reads form-data files and certificates through a "file resolver"; ours confines every
// read to the workspace root (symlinks resolved), like newman's SecureFS without its escape hatch.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

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
  if (!inside && !trusted.has(real)) throw new FileRefusedError(given, 'outside_root');
  const stat = fs.statSync(real, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new FileRefusedError(given, 'not_a_file');
  return real;
}

/**
 * `trustedFiles`: files a person named on the command line (certificates, CAs), allowed wherever they
 * are. `onRefused` hears every refusal.
 */
export function confinedFileResolver(root: string, trustedFiles: string[] = [], onRefused?: (refusal: FileRefusedError) => void) {
  const trusted = new Set(trustedFiles.map((file) => {
    try {
      return fs.realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  }));
  const confined = (given: string): string => {
    try {
      return confinedPath(root, given, trusted);
    } catch (error) {
      if (error instanceof FileRefusedError) onRefused?.(error);
      throw error;
    }
  };
  const guard = <T>(given: string, callback: (error: Error | null, value?: T) => void, action: (file: string) => void) => {
    let file: string;
    try {
      file = confined(given);
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
        return fs.createReadStream(confined(given));
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
