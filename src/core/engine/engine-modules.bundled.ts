// engine-modules.ts as the run-process bundle has it (scripts/bundle.mjs puts this file in its place
// and compiles the engine in): plain requires the bundler follows. Built into dist/run-process.cjs
// only, never loaded by Node's loader (tsconfig.build.json leaves it out).
//
// The bundle's build did what Node's loader does at run time: it applied the engine patches (their
// outcomes are __POSTMAN_POWER_ENGINE_PATCHES__), checked uvm's worker module is the class this
// relies on, and made uvm's `./worker` this file's `uvmWorker()` — so uvm gets whatever
// replaceUvmWorker installed, and nothing if it was not installed first.
import { createRequire } from 'node:module';
import type { EngineModules, UvmWorkerClass } from './engine-modules.js';
import type { PatchOutcome } from './engine-patches.js';

declare const __POSTMAN_POWER_ENGINE_PATCHES__: Record<string, PatchOutcome>;

let worker: UvmWorkerClass | undefined;

/** uvm's worker class, as uvm's `require('./worker')` reads it in the bundle. */
export function uvmWorker(): UvmWorkerClass {
  if (!worker) throw new Error('uvm was loaded before its worker was replaced by the context worker');
  return worker;
}

/* eslint-disable @typescript-eslint/no-require-imports -- plain requires are what the bundler follows into the bundle */
export const engineModules: EngineModules = {
  installPatches: () => undefined,
  patchOutcomes: () => new Map(Object.entries(__POSTMAN_POWER_ENGINE_PATCHES__)),
  runtime: () => require('postman-runtime'),
  sdk: () => require('postman-collection'),
  toughCookie: () => require('@postman/tough-cookie'),
  flatted: () => require('flatted'),
  sandbox: () => require('postman-sandbox'),
  // Read at run time, not bundled: 2 MB the bundle's own cache would carry again (it has its own).
  browserBootCodeFile: () => createRequire(createRequire(createRequire(import.meta.url).resolve('postman-runtime')).resolve('postman-sandbox')).resolve('./.cache/bootcode.browser.js'),
  replaceUvmWorker(replacement) {
    if (worker) return 'uvm\'s worker was replaced twice';
    worker = replacement;
    return undefined;
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */
