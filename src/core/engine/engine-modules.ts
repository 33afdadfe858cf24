// Where a run process gets the engine (postman-runtime, postman-collection, postman-sandbox, uvm,
// tough-cookie, flatted). Every module of the run wing asks here, never `require`s the engine
// itself, so there are exactly two ways in:
// - this file: Node's loader, from the installed packages (dist/core/engine/run-process.js, which
//   runs with POSTMAN_POWER_ENGINE_PATCHES=off, in the bench's in-process peer and in tests of the
//   loader path); the engine patches are a require hook (engine-patches.ts);
// - engine-modules.bundled.ts, which scripts/bundle.mjs puts in this file's place in the run-process
//   bundle (dist/run-process.cjs, what runs use): the engine compiled into one file (loading its ~400
//   modules one by one was most of a run process's start), the patches applied when it was built.
import { createRequire } from 'node:module';
import type sdkTypes from 'postman-collection';
import { enginePatchOutcomes, installEnginePatches, type PatchOutcome } from './engine-patches.js';

/** What uvm's worker module must export for the context worker to take its place. */
export interface UvmWorkerClass {
  __self?: unknown;
  __exceptionHandler?: unknown;
  __bootCodeExecutor?: unknown;
}

export interface EngineModules {
  /** Applies the engine patches to what loads next (Node's loader; the bundle has them already). */
  installPatches(): void;
  /** What each patched file (by its ENGINE_PATCHES module name) came out as. */
  patchOutcomes(): ReadonlyMap<string, PatchOutcome>;
  runtime(): typeof import('postman-runtime').default;
  sdk(): typeof sdkTypes;
  toughCookie(): { CookieJar: { new (): unknown; deserializeSync(json: unknown): unknown } };
  /** uvm's serialiser. */
  flatted(): { parse(text: string): unknown; stringify(value: unknown): string };
  /** postman-sandbox; `replaceUvmWorker` must have run first. */
  sandbox(): unknown;
  /** The file of postman-sandbox's browser boot code (.cache/bootcode.browser.js), read as text (isolated-sandbox.ts). */
  browserBootCodeFile(): string;
  /**
   * Makes uvm build its workers from `worker` instead of its own class. Returns a reason when uvm's
   * layout is not what this relies on (it was loaded already, its worker module moved or changed).
   */
  replaceUvmWorker(worker: UvmWorkerClass): string | undefined;
}

// The engine's own copies, as postman-runtime resolves them (not whichever this package might hoist);
// resolved when first asked (the server imports this module's users but never loads the engine).
let resolvers: { fromRuntime: NodeRequire; fromSandbox: NodeRequire } | undefined;
function engineRequire(from: 'fromRuntime' | 'fromSandbox'): NodeRequire {
  if (!resolvers) {
    const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
    resolvers = { fromRuntime, fromSandbox: createRequire(fromRuntime.resolve('postman-sandbox')) };
  }
  return resolvers[from];
}

export const engineModules: EngineModules = {
  installPatches: installEnginePatches,
  patchOutcomes: enginePatchOutcomes,
  runtime: () => engineRequire('fromRuntime')('postman-runtime') as never,
  sdk: () => engineRequire('fromRuntime')('postman-collection') as never,
  toughCookie: () => engineRequire('fromRuntime')('@postman/tough-cookie') as never,
  flatted: () => createRequire(engineRequire('fromSandbox').resolve('uvm'))('flatted') as never,
  sandbox: () => engineRequire('fromRuntime')('postman-sandbox'),
  browserBootCodeFile: () => engineRequire('fromSandbox').resolve('./.cache/bootcode.browser.js'),
  replaceUvmWorker(worker) {
    const fromSandbox = engineRequire('fromSandbox');
    const workerPath = fromSandbox.resolve('uvm/lib/worker.js');
    if (fromSandbox.cache[fromSandbox.resolve('uvm/lib/bridge.js')]) return 'uvm was loaded before its worker could be replaced';
    const original = fromSandbox(workerPath) as UvmWorkerClass & (() => void);
    if (typeof original !== 'function' || typeof original.__self !== 'string' || typeof original.__exceptionHandler !== 'string' || typeof original.__bootCodeExecutor !== 'function') {
      return 'uvm/lib/worker.js no longer exports the worker class uvm builds its firmware from';
    }
    const cached = fromSandbox.cache[workerPath];
    if (!cached) return 'uvm/lib/worker.js is not a CommonJS module';
    cached.exports = worker;
    return undefined;
  },
};
