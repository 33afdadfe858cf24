// Cold start. `dist/cli.js` (written by scripts/bundle.mjs) calls `launch` on the bundled CLI,
// dist/postman-power.cjs: one file instead of hundreds of modules, compiled with a V8 code cache
// when one is there (Node 20 has no module compile cache; vm.Script's cachedData is the same thing
// by hand). The cache lives in the user's own cache directory (never a shared temp directory: code
// from there would run as this user), is keyed by the bundle, Node and the platform, and V8 itself
// rejects one that does not match. Anything unexpected falls back to compiling without it; nothing
// here writes to stdout.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { makeFolders } from './core/make-folders.js';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** Compile time after which the cache is written: startup has compiled what a session needs. */
const WRITE_CACHE_AFTER_MS = 1_000;
/**
 * Caches kept: each build (each upgrade) writes its own, about a megabyte. The most recently written
 * stay, so a few versions in use side by side keep theirs; one pruned rewrites itself at its next start.
 */
const CACHES_KEPT = 4;

function cacheDirectory(): string {
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined) || path.join(os.homedir(), '.cache');
  return path.join(base, 'postman-power');
}

/** A cache file named for this bundle on this Node and platform. */
export function codeCachePath(bundle: string, source: string): string {
  const key = createHash('sha256').update(source).update(process.version).update(process.arch).update(process.platform).digest('hex').slice(0, 24);
  return path.join(cacheDirectory(), `${key}.v8cache`);
}

function readCache(file: string): Buffer | undefined {
  try {
    // Only a cache this user wrote: a file another account could write is not run.
    const stat = statSync(file);
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeCache(file: string, data: Buffer): void {
  try {
    makeFolders(path.dirname(file), 0o700);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, data, { mode: 0o600 });
    renameSync(temporary, file);
    pruneCaches(path.dirname(file));
  } catch {
    // A read-only home or a full disk: the next start compiles without a cache, as now.
  }
}

/** Removes this user's caches (files, not links) beyond the CACHES_KEPT most recently written. */
function pruneCaches(directory: string): void {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const caches = readdirSync(directory)
    .filter((name) => name.endsWith('.v8cache'))
    .map((name) => {
      const file = path.join(directory, name);
      return { file, stat: lstatSync(file) };
    })
    .filter(({ stat }) => stat.isFile() && (uid === undefined || stat.uid === uid))
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs);
  for (const { file } of caches.slice(CACHES_KEPT)) unlinkSync(file);
}

/** Runs the CommonJS bundle at `bundle` as the main program. */
export function launch(bundle: string): void {
  const source = readFileSync(bundle, 'utf8');
  const cacheFile = process.env.POSTMAN_POWER_CODE_CACHE === '0' ? undefined : codeCachePath(bundle, source);
  const cachedData = cacheFile ? readCache(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    setTimeout(() => writeCache(cacheFile, script.createCachedData()), WRITE_CACHE_AFTER_MS).unref();
  }
  const module = { exports: {} as unknown, filename: bundle, id: '.', loaded: false };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
}
