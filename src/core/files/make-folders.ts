// Makes a folder's missing levels one at a time. Not `mkdir({ recursive: true })`: on Node 20 it
// spins forever (sync or not) under a special file system such as /proc, where this fails cleanly.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function makeFolders(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); path.dirname(at) !== at; at = path.dirname(at)) {
    const stat = statSync(at, { throwIfNoEntry: false });
    if (stat?.isDirectory()) break;
    if (stat) throw Object.assign(new Error(`${at} is a file, not a folder`), { code: 'ENOTDIR' });
    missing.unshift(at);
  }
  for (const level of missing) mkdirSync(level, mode === undefined ? undefined : { mode });
}
