// Engine patches (src/core/runner/engine-patches.ts): each still finds its upstream text in the
// installed engine, each is equivalent to the code it replaces (the replaced code, loaded as
// published, is the reference), and a run worker's engine is the patched one unless switched off.
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { ENGINE_PATCHES, patchSource, type EnginePatch } from '../../src/core/runner/engine-patches.js';

const fromRuntime = createRequire(createRequire(path.resolve('package.json')).resolve('postman-runtime'));
const installed = (patch: EnginePatch) => fromRuntime.resolve(patch.module);

/** Compiles `code` as the module at `filename` with Node's own loader (its requires are the real ones). */
function compileAt(filename: string, code: string): any {
  const NodeModule = Module as unknown as { new (id: string): any; _nodeModulePaths(dir: string): string[] };
  const loaded = new NodeModule(filename);
  loaded.filename = filename;
  loaded.paths = NodeModule._nodeModulePaths(path.dirname(filename));
  loaded._compile(code, filename);
  return loaded.exports;
}

describe('engine patches', () => {
  test.each(ENGINE_PATCHES.map((patch) => [patch.module, patch]))('%s: the upstream text is in the installed engine exactly once', (_name, patch) => {
    const code = readFileSync(installed(patch), 'utf8');
    const patched = patchSource(code, patch);
    expect(patched).toBeDefined();
    expect(patched).toContain(patch.replace);
    expect(patched).not.toContain(patch.find);
  });

  test('a file without the upstream text, or with it twice, is left as it is', () => {
    const [patch] = ENGINE_PATCHES;
    expect(patchSource('module.exports = 1;', patch!)).toBeUndefined();
    expect(patchSource(`${patch!.find}\n${patch!.find}`, patch!)).toBeUndefined();
  });

  describe('PropertyBase meta keys', () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module.endsWith('property-base.js'))!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    // Both next to the real file, so `require('../util')` is the engine's own lodash and helpers.
    const Published = compileAt(file, original).PropertyBase as new (definition: unknown) => { _?: object };
    const Patched = compileAt(file, patchSource(original, patch)!).PropertyBase as typeof Published;

    /** Everything about `_` a reader could tell apart: presence, prototype, keys in order, descriptors. */
    const shape = (made: { _?: object }) => {
      if (!Object.prototype.hasOwnProperty.call(made, '_')) return 'absent';
      const meta = made._ as Record<string, unknown>;
      return { prototype: Object.getPrototypeOf(meta), keys: Reflect.ownKeys(meta), descriptors: Object.getOwnPropertyDescriptors(meta) };
    };

    const KEYS = ['_', '__', '___', '_a', '__a', 'a', '_1', '__1', '1', '__proto__', '___proto__', '_constructor', 'constructor', 'prototype', '_prototype', '_length', 'length', '_info', 'info', '__parent', '_postman_id', '_ x.y', '_a[0]'];
    const key = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 }), fc.string({ maxLength: 5 }).map((rest) => `_${rest}`));
    const value = fc.oneof(fc.anything({ maxDepth: 1 }), fc.constant(undefined));
    // Own keys set by defineProperty (so `__proto__` is an own key, as JSON.parse makes it), over a
    // prototype with enumerable keys of its own, perhaps with symbols, perhaps wrapped in `info`.
    const source = fc
      .record({
        own: fc.array(fc.tuple(key, value), { maxLength: 8 }),
        inherited: fc.array(fc.tuple(key, value), { maxLength: 3 }),
        symbols: fc.boolean(),
        array: fc.boolean(),
      })
      .map(({ own, inherited, symbols, array }) => {
        const proto = array ? Array.prototype : {};
        const base = inherited.length ? Object.create(array ? [] : {}) : undefined;
        for (const [name, item] of inherited) Object.defineProperty(base, name, { value: item, enumerable: true, configurable: true, writable: true });
        const target = array ? (base ? Object.setPrototypeOf([1, 2], base) : [1, 2]) : Object.create(base ?? proto);
        // (An array's own `length` cannot be redefined; a plain object's `length` makes it array-like to lodash.)
        for (const [name, item] of own) if (!(array && name === 'length')) Object.defineProperty(target, name, { value: item, enumerable: true, configurable: true, writable: true });
        if (symbols) target[Symbol('_hidden')] = 'symbol';
        return target;
      });
    const definition = fc.oneof(
      { weight: 6, arbitrary: source },
      { weight: 2, arbitrary: source.map((info) => ({ info, _outer: 'ignored when info is set' })) },
      { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)) },
    );

    test('gives every definition the meta the published lodash chain gives (1000 cases)', () => {
      fc.assert(
        fc.property(definition, (input) => {
          expect(shape(new Patched(input))).toEqual(shape(new Published(input)));
        }),
        { numRuns: 1000 },
      );
    });

    test('the keys that differ from a plain copy: `__proto__` dropped, every leading underscore stripped', () => {
      const input = JSON.parse('{"__proto__": {"polluted": true}, "___proto__": "own", "_a": 1, "__a": 2, "_": 3}');
      const made = new Patched(input)._ as Record<string, unknown>;
      expect(shape(new Patched(input))).toEqual(shape(new Published(input)));
      expect(Object.getPrototypeOf(made)).toBe(Object.getPrototypeOf(new Published({ _plain: 1 })._));
      expect(made.a).toBe(2); // `__a` comes after `_a` and wins, as with mapKeys
      expect(Object.keys(made)).toEqual(['proto__', 'a']);
    });
  });

  const inWorker = (env: NodeJS.ProcessEnv) =>
    new Promise<{ outcomes: Array<[string, string]>; propertyBase: string; meta: unknown }>((resolve, reject) => {
      const worker = new Worker(path.resolve('__tests__/support/engine-in-worker.mjs'), { env, stdout: true });
      worker.stdout.resume();
      // The run worker says 'ready' first; the report follows.
      worker.on('message', (message: { outcomes?: unknown }) => {
        if (!message.outcomes) return;
        resolve(message as never);
        void worker.terminate();
      });
      worker.once('error', reject);
    });

  test("a run worker's engine is the patched one, and POSTMAN_POWER_ENGINE_PATCHES=off loads it as published", async () => {
    const { POSTMAN_POWER_ENGINE_PATCHES: _switch, ...env } = process.env;
    const patched = await inWorker(env);
    expect(patched.outcomes).toEqual(ENGINE_PATCHES.map((patch) => [installed(patch), 'patched']));
    expect(patched.propertyBase).toContain('key.charCodeAt(0) !== 95');
    expect(patched.meta).toEqual({ postman_note: 'kept' });
    const published = await inWorker({ ...env, POSTMAN_POWER_ENGINE_PATCHES: 'off' });
    expect(published.outcomes).toEqual([]);
    expect(published.propertyBase).toContain('_(src).pickBy(PropertyBase.propertyIsMeta)');
    expect(published.meta).toEqual({ postman_note: 'kept' });
  }, 60_000);
});
