// Cold start. `dist/cli.cjs` (src/bin.ts, bundled by scripts/bundle.mjs) calls `launch` on a bundle —
// the server's (dist/postman-power-server.cjs) or the CLI's (dist/postman-power.cjs), which the server
// also loads for its core: one file instead of hundreds of modules, compiled with a V8 code cache
// when one is there (Node 20 has no module compile cache; vm.Script's cachedData is the same thing
// by hand). The cache is used only when authenticated (core/files/code-cache.ts). Anything
// unexpected falls back to compiling without it; nothing here writes to stdout.
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import type vm from 'node:vm';
import { builtSource, cacheDirectory, codeCacheFile, codeIdentity, compileWithCache, openCodeCache } from './core/files/code-cache.js';

/** Compile time after which the cache is written: startup has compiled what a session needs. */
const WRITE_CACHE_AFTER_MS = 1_000;

/** A cache file named for this bundle on this Node and platform (the cache folder as this user's environment names it). */
export function codeCachePath(source: string): string {
  return codeCacheFile(cacheDirectory(), codeIdentity(Module.wrap(source)));
}

/** Runs a compiled CommonJS module as the main program; `module.exports` holds what it exports. */
export function runAsMain(script: vm.Script, filename: string, module: { exports: unknown } = { exports: {} }): void {
  Object.assign(module, { filename, id: '.', loaded: false });
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper(module.exports, createRequire(filename), module, filename, path.dirname(filename));
}

/**
 * Runs the CommonJS bundle at `bundle` with this user's code cache and returns what it exports (the
 * binary runs the server's bundle and the CLI's this way; the server loads the CLI's for its core).
 * `sha256`: the bundle's hash as the build recorded it (the binary carries it), so a start does not
 * hash megabytes (~5 ms); without it the source is hashed here.
 */
export function launch(bundle: string, sha256?: string): unknown {
  const source = readFileSync(bundle, 'utf8');
  const cache = openCodeCache();
  const knownSource = sha256 && cache ? builtSource(bundle, sha256) : undefined;
  const { script, fresh } = compileWithCache(Module.wrap(source), { filename: bundle, cache, ...(knownSource ? { knownSource } : {}) });
  if (cache) {
    const write = () => {
      const made = fresh();
      if (made) cache.write(made.identity, made.data);
    };
    setTimeout(write, WRITE_CACHE_AFTER_MS).unref();
    // A CLI run is often shorter than that: it writes the cache as it exits (once; the next start uses it).
    process.once('exit', write);
  }
  const module = { exports: {} };
  runAsMain(script, bundle, module);
  return module.exports;
}
