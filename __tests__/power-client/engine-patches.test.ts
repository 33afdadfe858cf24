// Engine patches (src/core/runner/engine-patches.ts): each still finds its upstream text in the
// installed engine, each is equivalent to the code it replaces (the replaced code, loaded as
// published, is the reference), and a run worker's engine is the patched one unless switched off.
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { ENGINE_PATCHES, patchSource, resolvePatchTarget, type EnginePatch } from '../../src/core/runner/engine-patches.js';

const fromRuntime = createRequire(createRequire(path.resolve('package.json')).resolve('postman-runtime'));
const installed = (patch: EnginePatch) => resolvePatchTarget(fromRuntime.resolve, patch.module);

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

  describe('uuid random pool', () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module === 'uuid/dist/rng.js')!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    const nodeCrypto = createRequire(file)('crypto') as { randomFillSync(buffer: Uint8Array): Uint8Array };

    /** `count` ids' bytes from the module, and every byte the (stubbed, counting) fill wrote. */
    const draw = (code: string, count: number) => {
      let next = 0;
      const filled: number[] = [];
      const fill = jest.spyOn(nodeCrypto, 'randomFillSync').mockImplementation((buffer: Uint8Array) => {
        for (let index = 0; index < buffer.length; index++) buffer[index] = (next++ * 7919) % 251;
        filled.push(...buffer);
        return buffer;
      });
      try {
        const rng = compileAt(file, code).default as () => Uint8Array;
        const ids = Array.from({ length: count }, () => rng());
        return { ids, filled, fills: fill.mock.calls.length };
      } finally {
        fill.mockRestore();
      }
    };

    test('hands out the filled bytes in order, 16 per id, each once, refilling once per 1024 ids', () => {
      const patched = draw(patchSource(original, patch)!, 3000);
      expect(patched.ids.every((id) => id instanceof Uint8Array && id.length === 16)).toBe(true);
      expect(patched.ids.flatMap((id) => [...id])).toEqual(patched.filled.slice(0, 3000 * 16));
      expect(patched.fills).toBe(3);
      const published = draw(original, 3000);
      expect(published.ids.flatMap((id) => [...id])).toEqual(published.filled.slice(0, 3000 * 16));
      expect(published.fills).toBe(188);
    });

    test('real ids from the patched pool are distinct', () => {
      const rng = compileAt(file, patchSource(original, patch)!).default as () => Uint8Array;
      const ids = new Set(Array.from({ length: 5000 }, () => Buffer.from(rng()).toString('hex')));
      expect(ids.size).toBe(5000);
    });
  });

  describe('public suffixes remembered', () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module.endsWith('pubsuffix-psl.js'))!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    type Lookup = (domain: string, options?: object) => string | null;
    const published = compileAt(file, original).getPublicSuffix as Lookup;
    const patched = compileAt(file, patchSource(original, patch)!).getPublicSuffix as Lookup;
    const outcome = (lookup: Lookup, domain: string, options: object) => {
      try {
        return { suffix: lookup(domain, options) };
      } catch (error) {
        return { threw: (error as Error).message };
      }
    };

    const label = fc.oneof(fc.constantFrom('www', 'api', 'co', 'uk', 'com', 'local', 'localhost', 'example', 'test', 'invalid', 'github', 'io', 'blogspot', 'xn--p1ai', '127', '0', '1', 'Example', ''), fc.stringMatching(/^[a-z0-9-]{1,8}$/));
    const domain = fc.oneof(fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')), fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => `${labels.join('.')}.`));
    const options = fc.record({ allowSpecialUseDomain: fc.boolean(), ignoreError: fc.boolean() }, { requiredKeys: [] });

    test('every host gets the suffix the published lookup gives, asked once or again (1000 cases)', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(domain, options), { minLength: 1, maxLength: 5 }), (lookups) => {
          for (const [name, choice] of [...lookups, ...lookups]) expect(outcome(patched, name, choice)).toEqual(outcome(published, name, choice));
        }),
        { numRuns: 1000 },
      );
    });

    test('past a thousand hosts it forgets and still answers right', () => {
      const hosts = Array.from({ length: 2500 }, (_, index) => `host${index}.example${index % 3 ? '.co.uk' : '.com'}`);
      for (const host of [...hosts, ...hosts.reverse()]) expect(patched(host)).toBe(published(host));
    });
  });

  describe("a script result's response, built when read", () => {
    type Held = { held: string; enumerable?: boolean; isResponse?: boolean; sameOnRereading?: boolean; json?: unknown };
    type Seen = { from: 'script' } & Held | { from: 'test'; scripts: Held[] };
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<Seen[]>((resolve, reject) => {
        const worker = new Worker(path.resolve('__tests__/support/runtime-in-worker.mjs'), { env, stdout: true, stderr: true });
        worker.stdout.resume();
        worker.stderr.resume();
        worker.once('message', (message: { seen: Seen[] }) => {
          resolve(message.seen);
          void worker.terminate();
        });
        worker.once('error', reject);
      });

    test('the callbacks see the same responses as with the engine as published, one Response per script', async () => {
      const { POSTMAN_POWER_ENGINE_PATCHES: _switch, ...env } = process.env;
      const [patched, published] = await Promise.all([run(env), run({ ...env, POSTMAN_POWER_ENGINE_PATCHES: 'off' })]);
      const flat = (seen: Seen[]) => seen.flatMap((entry) => (entry.from === 'test' ? entry.scripts : [entry]));
      // Two requests × three test scripts, each heard by the script callback and again in the test callback.
      expect(flat(patched)).toHaveLength(12);
      expect(flat(patched).map(({ held }) => held)).toEqual(Array(12).fill('getter'));
      expect(flat(published).map(({ held }) => held)).toEqual(Array(12).fill('value'));
      // A response's id is the run's own (random per run), the same for every script of a request.
      const comparable = (seen: Seen[]) => {
        const ids = new Map<string, string>();
        return flat(seen).map(({ held: _held, json, ...rest }) => {
          const { id, ...body } = json as { id: string };
          if (!ids.has(id)) ids.set(id, `response ${ids.size + 1}`);
          return { ...rest, id: ids.get(id), json: body };
        });
      };
      expect(comparable(patched)).toEqual(comparable(published));
      expect(flat(patched).every((entry) => entry.isResponse && entry.enumerable && entry.sameOnRereading)).toBe(true);
      const codes = flat(patched).map((entry) => (entry.json as { code: number }).code);
      expect(codes).toEqual([200, 200, 200, 200, 200, 200, 404, 404, 404, 404, 404, 404]);
    }, 60_000);
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
    expect(new Map(patched.outcomes)).toEqual(new Map(ENGINE_PATCHES.map((patch) => [installed(patch), 'patched'])));
    expect(patched.propertyBase).toContain('key.charCodeAt(0) !== 95');
    expect(patched.meta).toEqual({ postman_note: 'kept' });
    const published = await inWorker({ ...env, POSTMAN_POWER_ENGINE_PATCHES: 'off' });
    expect(published.outcomes).toEqual([]);
    expect(published.propertyBase).toContain('_(src).pickBy(PropertyBase.propertyIsMeta)');
    expect(published.meta).toEqual({ postman_note: 'kept' });
  }, 60_000);
});
