// A run process's engine, installed in the one order that works, each change probed: the engine
// patches first (with Node's loader they hook files as they load; the bundle has them, and
// isolated-sandbox checks uvm's bridge took them on both sides), then postman-sandbox made to build
// every host from a script context (uvm's worker replaced, its boot code and firmware checked), then
// postman-runtime loaded. A change an upgrade moved fails the run process's start with
// engine_layout_changed in its message, never runs scripts elsewhere.
import type { CodeCache } from '../files/code-cache.js';
import { engineModules } from './engine-modules.js';
import { installIsolatedSandbox, type IsolatedSandbox } from './isolated-sandbox.js';
import { loadEngine, type Engine } from './run-collection.js';

export async function installEngine(options: { codeCache?: CodeCache } = {}): Promise<{ engine: Engine; contexts: IsolatedSandbox }> {
  engineModules.installPatches();
  const contexts = installIsolatedSandbox(options);
  return { engine: await loadEngine(), contexts };
}
