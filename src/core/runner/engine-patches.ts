// Faster, equivalent code for the engine's hottest pure functions, written into its source as it
// loads (a require hook from pirates). postman-collection builds every header, URL, request and
// response through PropertyBase, whose lodash chain alone cost ≈ 4% of a run's CPU and a share of
// its garbage (CPU profile of the bench's workload A; ≈ 30% less CPU building a response and a
// request). Each patch names the exact upstream text it replaces: when an
// upgrade changes that text the file loads untouched (the runtime never depends on a patch), and
// the test that checks every patch still applies goes red. The sandbox's own bundled copy is not
// patched: scripts that go to postman-sandbox run newman's code unchanged.
// POSTMAN_POWER_ENGINE_PATCHES=off loads the engine exactly as published.
import { createRequire } from 'node:module';
import { addHook } from 'pirates';

export interface EnginePatch {
  /** The file, as `require.resolve` names it from postman-runtime. */
  module: string;
  /** The upstream text, which must occur exactly once. */
  find: string;
  replace: string;
}

export const ENGINE_PATCHES: readonly EnginePatch[] = [
  // PropertyBase's meta keys (`_x` → `x`) by one for…in instead of lodash's pickBy/mapKeys chain: the
  // same keys (own and inherited enumerable; symbols never match), in the same order, with the same
  // values; `__proto__` skipped as lodash's baseSet skips it (trimStart drops every leading `_`, so no
  // other key can become `__proto__`).
  {
    module: 'postman-collection/lib/collection/property-base.js',
    find: `    var src = definition && definition.info || definition,
        meta = _(src).pickBy(PropertyBase.propertyIsMeta).mapKeys(PropertyBase.propertyUnprefixMeta).value();

    if (_.keys(meta).length) {`,
    replace: `    var src = definition && definition.info || definition,
        meta = {},
        found = false,
        key;

    for (key in src) {
        if (key.length < 2 || key.charCodeAt(0) !== 95 || key === '__proto__') { continue; }
        meta[_.trimStart(key, '_')] = src[key];
        found = true;
    }

    if (found) {`,
  },
];

/** The patched source, or undefined when the upstream text is not there exactly once. */
export function patchSource(code: string, patch: EnginePatch): string | undefined {
  const at = code.indexOf(patch.find);
  if (at < 0 || code.indexOf(patch.find, at + 1) >= 0) return undefined;
  return code.slice(0, at) + patch.replace + code.slice(at + patch.find.length);
}

/** The files the engine loads, as resolved from postman-runtime (and from here, if installed apart). */
function patchTargets(): Map<string, EnginePatch> {
  const fromHere = createRequire(import.meta.url);
  const fromRuntime = createRequire(fromHere.resolve('postman-runtime'));
  const targets = new Map<string, EnginePatch>();
  for (const patch of ENGINE_PATCHES) {
    for (const resolve of [fromRuntime.resolve, fromHere.resolve]) {
      try {
        targets.set(resolve(patch.module), patch);
      } catch {
        // Not installed on this path: nothing loads it from there.
      }
    }
  }
  return targets;
}

const outcomes = new Map<string, 'patched' | 'unchanged'>();
let installed = false;

/**
 * Installs the patches for this thread's later requires of the engine. Every place that loads
 * postman-runtime, postman-sandbox or postman-collection calls it first (loadEngine, loadSandbox,
 * the fast path's modules): a file already loaded stays as it was.
 */
export function installEnginePatches(): void {
  if (installed || process.env.POSTMAN_POWER_ENGINE_PATCHES === 'off') return;
  installed = true;
  const targets = patchTargets();
  addHook(
    (code, filename) => {
      const patched = patchSource(code, targets.get(filename)!);
      outcomes.set(filename, patched === undefined ? 'unchanged' : 'patched');
      return patched ?? code;
    },
    { exts: ['.js'], ignoreNodeModules: false, matcher: (filename) => targets.has(filename) },
  );
}

/** What the hook did to each file it saw in this thread. */
export function enginePatchOutcomes(): ReadonlyMap<string, 'patched' | 'unchanged'> {
  return outcomes;
}
