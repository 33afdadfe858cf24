// Faster, equivalent code for the engine's hottest spots, written into its source as it loads (a
// require hook from pirates). Found by CPU profiles of the bench's workload A: postman-collection
// builds every header, URL, request and response through PropertyBase, whose lodash chain alone cost
// ≈ 4% of a run's CPU and a share of its garbage (≈ 30% less CPU building a response and a request);
// the runtime rebuilt a Response after every script for callbacks that may never read it (≈ 2%);
// lodash's `has` built a path for every key it was asked about (≈ 2.5%, 4% of the garbage); uuid
// made each of the dozens of ids per request from 16 sliced random bytes (≈ 2%); every
// pm.response.json() worked out the same content type's mime information again, and tough-cookie
// the public suffix of the same host on every request (≈ 1% each). Each patch names the exact
// upstream text it replaces: when an upgrade changes that text the file loads untouched (the runtime
// never depends on a patch), and the test that checks every patch still applies goes red. The
// sandbox's own bundled copy is not patched: scripts that go to postman-sandbox run newman's code
// unchanged.
// POSTMAN_POWER_ENGINE_PATCHES=off loads the engine exactly as published.
import { createRequire } from 'node:module';
import path from 'node:path';
import { addHook } from 'pirates';
import { patchFile, type SourcePatch } from './source-patch.js';

export { patchFile, patchSource } from './source-patch.js';

export interface EnginePatch extends SourcePatch {
  /** The file, as `require.resolve` names it from postman-runtime (or as `<package>/<path in it>`). */
  module: string;
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
  // A script's result carries the response for the runtime's script/test callbacks, built on first
  // read instead of eagerly after every script: the same Response from the same definition (nothing
  // changes the response's JSON after the request; each script's context gets its own copy).
  {
    module: 'postman-runtime/lib/runner/extensions/event.command.js',
    find: `                            result && payload.context && payload.context.response &&
                                (result.response = new sdk.Response(payload.context.response));`,
    replace: `                            result && payload.context && payload.context.response &&
                                (function (target, definition) {
                                    var made = false,
                                        built;

                                    Object.defineProperty(target, 'response', {
                                        configurable: true,
                                        enumerable: true,
                                        get: function () {
                                            if (!made) {
                                                made = true;
                                                built = new sdk.Response(definition);
                                            }

                                            return built;
                                        },
                                        set: function (value) {
                                            made = true;
                                            built = value;
                                        }
                                    });
                                }(result, payload.context.response));`,
  },
  // A version 4 id without arguments from Node's crypto.randomUUID (the same format, from the same
  // CSPRNG, with an entropy cache and one flat string) instead of 16 sliced random bytes turned into
  // hex piece by piece; the engine asks for dozens per request. Ids with arguments (random bytes,
  // an rng, a buffer to fill) are made as published.
  {
    module: 'uuid/dist/v4.js',
    find: `function v4(options, buf, offset) {
  options = options || {};`,
    replace: `const nativeRandomUUID = require("crypto").randomUUID;

function v4(options, buf, offset) {
  if (options === undefined && buf === undefined && typeof nativeRandomUUID === "function") {
    return nativeRandomUUID();
  }

  options = options || {};`,
  },
  // lodash's `has` answers a string key the object owns, or a plain non-index key it does not own,
  // without building a path: the answers its path walk gives (an own key is found whatever its
  // characters; a plain key never names an index) for a fraction of the work and no garbage.
  // postman-collection asks it for every list, header and property it builds.
  {
    module: 'lodash/lodash.js',
    find: `    function has(object, path) {
      return object != null && hasPath(object, path, baseHas);
    }`,
    replace: `    function has(object, path) {
      if (typeof path == 'string' && object != null) {
        if (hasOwnProperty.call(object, path)) {
          return true;
        }
        if (reIsPlainProp.test(path) && !reIsUint.test(path)) {
          return false;
        }
      }
      return object != null && hasPath(object, path, baseHas);
    }`,
  },
  // The mime information of a content type, remembered (mime-format's lookup and mime's extension
  // are pure functions of the string): every pm.response.text() and json() asks for it. Detected
  // types (no header; sniffed from the body) are worked out as published.
  {
    module: 'postman-collection/lib/content-info/index.js',
    find: `        normalized = mimeFormat.lookup(contentType);

        return {
            contentType: normalized.source,
            mimeType: normalized.type, // sanitized mime type base
            mimeFormat: normalized.format, // format specific to the type returned
            charset: normalized.charset || CHARSET_UTF8,
            extension: detectedExtension || mime.getExtension(normalized.source) || E
        };`,
    replace: `        var knownTypes = getMimeInfo.knownTypes || (getMimeInfo.knownTypes = new Map()),
            cacheable = !detectedExtension && typeof contentType === 'string',
            known = cacheable ? knownTypes.get(contentType) : undefined;

        if (!known) {
            normalized = mimeFormat.lookup(contentType);
            known = {
                source: normalized.source,
                type: normalized.type,
                format: normalized.format,
                charset: normalized.charset,
                extension: detectedExtension || mime.getExtension(normalized.source)
            };

            if (cacheable) {
                knownTypes.size >= 1000 && knownTypes.clear();
                knownTypes.set(contentType, known);
            }
        }

        return {
            contentType: known.source,
            mimeType: known.type, // sanitized mime type base
            mimeFormat: known.format, // format specific to the type returned
            charset: known.charset || CHARSET_UTF8,
            extension: known.extension || E
        };`,
  },
  // The public suffix of a host, remembered (psl.get is a pure function of the name): the cookie
  // jar asks for it for every request, almost always for the same few hosts.
  {
    module: '@postman/tough-cookie/lib/pubsuffix-psl.js',
    find: `  return psl.get(domain);
}
`,
    replace: `  return knownSuffix(domain);
}

const suffixes = new Map();

function knownSuffix(domain) {
  if (!suffixes.has(domain)) {
    if (suffixes.size >= 1000) suffixes.clear();
    suffixes.set(domain, psl.get(domain));
  }
  return suffixes.get(domain);
}
`,
  },
  // uvm's bridge between the runner and a script context sends every message through flatted (JSON
  // with references, for cycles): both ways, for every execution's context and result, it was ≈ 15%
  // of a run. A message is sent as JSON (prefixed J) and only one with a cycle falls back to flatted;
  // each side reads both. The four changes below go together (installIsolatedSandbox checks both
  // files were patched, or neither); the context's side keeps JSON's functions from before any
  // script runs, as flatted does.
  {
    module: 'uvm/lib/bridge.js',
    find: `            try { bridge.emit(...Flatted.parse(__emit_uvm)); }`,
    replace: `            try { bridge.emit(...(__emit_uvm.charCodeAt(0) === 74 ? JSON.parse(__emit_uvm.slice(1)) : Flatted.parse(__emit_uvm))); }`,
  },
  {
    module: 'uvm/lib/bridge.js',
    find: `                __emit_uvm: Flatted.stringify(Array.prototype.slice.call(arguments)),`,
    replace: `                __emit_uvm: (function (args) {
                    try { return 'J' + JSON.stringify(args); }
                    catch (e) { return Flatted.stringify(args); }
                }(Array.prototype.slice.call(arguments))),`,
  },
  {
    module: 'uvm/lib/bridge-client.js',
    find: `        dispatch(...args) {
            emit(Flatted.stringify(args));
        },`,
    replace: `        dispatch(...args) {
            let text;
            try { text = 'J' + __uvmJson.stringify(args); }
            catch (e) { text = Flatted.stringify(args); }
            emit(text);
        },`,
  },
  {
    module: 'uvm/lib/bridge-client.js',
    find: `    __uvm_dispatch = (function (bridge, bridgeEmit) { // ensure global by not using var statement
        return function (args) {
            bridgeEmit.apply(bridge, Flatted.parse(args));
        };`,
    replace: `    const __uvmJson = { stringify: JSON.stringify, parse: JSON.parse, slice: Function.prototype.call.bind(String.prototype.slice) };
    __uvm_dispatch = (function (bridge, bridgeEmit) { // ensure global by not using var statement
        return function (args) {
            bridgeEmit.apply(bridge, args[0] === 'J' ? __uvmJson.parse(__uvmJson.slice(args, 1)) : Flatted.parse(args));
        };`,
  },
];

/**
 * The file `spec` names, as `resolve` finds it. A package whose `exports` hide its files (uuid) is
 * found by its package.json.
 */
export function resolvePatchTarget(resolve: NodeRequire['resolve'], spec: string): string {
  try {
    return resolve(spec);
  } catch (error) {
    const parts = spec.split('/');
    const name = parts.slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    if (parts.length === name.split('/').length) throw error;
    return path.join(path.dirname(resolve(`${name}/package.json`)), spec.slice(name.length + 1));
  }
}

/** The files the engine loads, as resolved from postman-runtime (and from here, if installed apart). */
export function patchTargets(): Map<string, EnginePatch[]> {
  const fromHere = createRequire(import.meta.url);
  const fromRuntime = createRequire(fromHere.resolve('postman-runtime'));
  const fromSandbox = createRequire(fromRuntime.resolve('postman-sandbox'));
  const targets = new Map<string, EnginePatch[]>();
  for (const patch of ENGINE_PATCHES) {
    for (const resolve of [fromRuntime.resolve, fromSandbox.resolve, fromHere.resolve]) {
      try {
        const file = resolvePatchTarget(resolve, patch.module);
        const list = targets.get(file) ?? [];
        if (!list.includes(patch)) list.push(patch);
        targets.set(file, list);
      } catch {
        // Not installed on this path: nothing loads it from there.
      }
    }
  }
  return targets;
}

export type PatchOutcome = 'patched' | 'unchanged';

/** By patch module name (as ENGINE_PATCHES names it). */
const outcomes = new Map<string, PatchOutcome>();
let installed = false;

/**
 * Installs the patches for this process's later requires of the engine through Node's loader (the
 * run-process bundle has them applied when it was built, by the same patchFile). A file already
 * loaded stays as it was.
 */
export function installEnginePatches(): void {
  if (installed || process.env.POSTMAN_POWER_ENGINE_PATCHES === 'off') return;
  installed = true;
  const targets = patchTargets();
  addHook(
    (code, filename) => {
      const patches = targets.get(filename)!;
      const patched = patchFile(code, patches);
      for (const patch of patches) outcomes.set(patch.module, patched === undefined ? 'unchanged' : 'patched');
      return patched ?? code;
    },
    { exts: ['.js'], ignoreNodeModules: false, matcher: (filename) => targets.has(filename) },
  );
}

/** What the hook did to each patched module this process loaded. */
export function enginePatchOutcomes(): ReadonlyMap<string, PatchOutcome> {
  return outcomes;
}
