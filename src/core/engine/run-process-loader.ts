// A run process's first code (dist/run-process-loader.cjs, what ProcessRunner forks): compiles the
// engine bundle (dist/run-process.cjs) with this user's code cache — compiling its 5 MB was a sixth
// of a run process's start — and starts it. This process writes no file (Node's permission model):
// when there was no cache to use, the run process makes one once its boot is done and sends it to
// its parent before saying 'ready', before any collection's script exists here; the parent writes it.
// Built by esbuild only (scripts/bundle.mjs); tsconfig.build.json leaves it out of tsc's output.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Module from 'node:module';
import { runAsMain } from '../../launcher.js';
import { builtSource, compileWithCache, readOnlyCodeCache, type CompiledWithCache } from '../files/code-cache.js';
import type { startRunProcess } from './run-process.js';

// Beside this file's bundle (scripts/bundle.mjs builds both into dist/).
const bundle = fileURLToPath(new URL('./run-process.cjs', import.meta.url));
// The folder the parent names (this process's environment holds no HOME; run-process-spawn.ts).
const folder = process.env.POSTMAN_POWER_CACHE_DIR;
const codeCache = folder ? readOnlyCodeCache(folder) : undefined;
declare const __RUN_PROCESS_BUNDLE_SHA256__: string;
const exported = { exports: {} as { startRunProcess?: typeof startRunProcess } };

/** Loads and compiles the engine bundle, or says to the server why it cannot (a run that could not start, with what to do). */
function load(): { start: typeof startRunProcess; compiled: CompiledWithCache } | undefined {
  try {
    const compiled = compileWithCache(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cache: codeCache, flags: process.execArgv, knownSource: builtSource(bundle, __RUN_PROCESS_BUNDLE_SHA256__) });
    runAsMain(compiled.script, bundle, exported);
    const start = exported.exports.startRunProcess;
    if (typeof start !== 'function') throw new Error('it does not export startRunProcess');
    return { start, compiled };
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? String(error);
    const message = `The run process could not load its engine (${bundle}: ${why}). Reinstall postman-power, or run \`npm run build\` in a checkout.`;
    if (process.send) process.send({ type: 'error', message }, () => process.exit(1));
    else process.exit(1);
    return undefined;
  }
}

const loaded = load();
loaded?.start({ ...(codeCache ? { codeCache } : {}), bundleCache: loaded.compiled });
