// The runtime reads form-data files and certificates through a "file resolver"; ours confines every
// read to the workspace root (symlinks resolved) with the confined reader's sync check, like newman's
// SecureFS without its escape hatch.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileRefusedError, resolveInsideRootSync } from '../files/workspace-files.js';

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
      return resolveInsideRootSync(root, given, trusted);
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
