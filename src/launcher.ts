// Cold start. `dist/cli.js` (written by scripts/bundle.mjs) calls `launch` on the bundled CLI,
// dist/postman-power.cjs: one file instead of hundreds of modules, compiled with a V8 code cache
// when one is there (Node 20 has no module compile cache; vm.Script's cachedData is the same thing
// by hand). The cache is used only when authenticated (core/files/code-cache.ts). Anything
// unexpected falls back to compiling without it; nothing here writes to stdout.
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { cacheDirectory, codeIdentity, openCodeCache, type CodeCache } from './core/files/code-cache.js';

/** Compile time after which the cache is written: startup has compiled what a session needs. */
const WRITE_CACHE_AFTER_MS = 1_000;

/** A cache file named for this bundle on this Node and platform (the cache folder as this user's environment names it). */
export function codeCachePath(bundle: string, source: string): string {
  return path.join(cacheDirectory(), `${codeIdentity(source).toString('hex').slice(0, 24)}.v8cache`);
}

export interface CompiledWithCache {
  script: vm.Script;
  /** There was no valid cache to use: `fresh` makes one. */
  stale: boolean;
  fresh: () => { identity: Buffer; data: Buffer } | undefined;
}

/**
 * Compiles CommonJS `source` (the file `filename`) with the cache made for it (and the V8 `flags` the
 * process runs with, when they differ from one start to another) when there is a valid one. `fresh`
 * makes a new cache, once the script has compiled what matters, when there was none to use.
 * `knownSource` names the source by a hash its build recorded (with its size and time, so a file
 * rewritten since is another source), instead of hashing it here.
 */
export function compileWithCache(filename: string, source: string, cache: CodeCache | undefined, flags: readonly string[] = [], knownSource?: { sha256: string }): CompiledWithCache {
  const identity = cache ? codeIdentity(knownSource ?? source, flags) : undefined;
  const cachedData = cache && identity ? cache.read(identity) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
  const stale = identity !== undefined && (!cachedData || script.cachedDataRejected === true);
  return { script, stale, fresh: () => (stale && identity ? { identity, data: script.createCachedData() } : undefined) };
}

/** Runs a compiled CommonJS module as the main program; `module.exports` holds what it exports. */
export function runAsMain(script: vm.Script, filename: string, module: { exports: unknown } = { exports: {} }): void {
  Object.assign(module, { filename, id: '.', loaded: false });
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper(module.exports, createRequire(filename), module, filename, path.dirname(filename));
}

/** Runs the CommonJS bundle at `bundle` as the main program, with this user's code cache. */
export function launch(bundle: string): void {
  const source = readFileSync(bundle, 'utf8');
  const cache = openCodeCache();
  const { script, fresh } = compileWithCache(bundle, source, cache);
  if (cache) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      const made = fresh();
      if (made) cache.write(made.identity, made.data);
    };
    setTimeout(write, WRITE_CACHE_AFTER_MS).unref();
    // A CLI run is often shorter than that: it writes the cache as it exits (once; the next start uses it).
    process.once('exit', write);
  }
  runAsMain(script, bundle);
}
