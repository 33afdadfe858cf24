// Engine patches (src/core/engine/engine-patches.ts): each still finds its upstream text in the
// installed engine, each is equivalent to the code it replaces (the replaced code, loaded as
// published, is the reference), and a run worker's engine is the patched one unless switched off.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { ENGINE_PATCHES, patchFile, patchSource, resolvePatchTarget, type EnginePatch } from '../../../src/core/engine/engine-patches.js';
import { runProcessScript } from '../../../src/core/engine/process-runner.js';
import { argumentsOf, hasObject, hasPath, metaShape, propertyDefinition } from '../../support/patch-inputs.js';

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

  test("a file's patches: each text found in the file as given, in any order; none applied when one is missing or two overlap", () => {
    const code = 'const a = 1; const b = 2; const c = 3;';
    const patches = [{ find: 'const c = 3', replace: 'const c = 30' }, { find: 'const a = 1', replace: 'const a = 10' }];
    expect(patchFile(code, patches)).toBe('const a = 10; const b = 2; const c = 30;');
    expect(patchFile(code, [])).toBe(code);
    // The second text is the first's replacement, not upstream text: not found.
    expect(patchFile(code, [{ find: 'a = 1;', replace: 'a = 1; x();' }, { find: 'x();', replace: '' }])).toBeUndefined();
    expect(patchFile(code, [...patches, { find: 'const d', replace: '' }])).toBeUndefined();
    expect(patchFile(code, [{ find: 'a = 1; const b', replace: '' }, { find: 'const b = 2', replace: '' }])).toBeUndefined();
  });

  describe('PropertyBase meta keys', () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module.endsWith('property-base.js'))!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    // Both next to the real file, so `require('../util')` is the engine's own lodash and helpers.
    const Published = compileAt(file, original).PropertyBase as new (definition: unknown) => { _?: object };
    const Patched = compileAt(file, patchSource(original, patch)!).PropertyBase as typeof Published;

    test('gives every definition the meta the published lodash chain gives (1000 cases)', () => {
      fc.assert(
        fc.property(propertyDefinition, (input) => {
          expect(metaShape(new Patched(input))).toEqual(metaShape(new Published(input)));
        }),
        { numRuns: 1000 },
      );
    });

    test('the keys that differ from a plain copy: `__proto__` dropped, every leading underscore stripped', () => {
      const input = JSON.parse('{"__proto__": {"polluted": true}, "___proto__": "own", "_a": 1, "__a": 2, "_": 3}');
      const made = new Patched(input)._ as Record<string, unknown>;
      expect(metaShape(new Patched(input))).toEqual(metaShape(new Published(input)));
      expect(Object.getPrototypeOf(made)).toBe(Object.getPrototypeOf(new Published({ _plain: 1 })._));
      expect(made.a).toBe(2); // `__a` comes after `_a` and wins, as with mapKeys
      expect(Object.keys(made)).toEqual(['proto__', 'a']);
    });
  });

  describe('uuid v4 from crypto.randomUUID', () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module === 'uuid/dist/v4.js')!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    type V4 = (options?: { random?: Uint8Array; rng?: () => Uint8Array }, buf?: Uint8Array, offset?: number) => string | Uint8Array;
    const published = compileAt(file, original).default as V4;
    const patched = compileAt(file, patchSource(original, patch)!).default as V4;
    const nodeCrypto = createRequire(file)('crypto') as { randomUUID(): string };

    test('an id without arguments is a distinct RFC 4122 version 4 id, from randomUUID', () => {
      const ids = Array.from({ length: 5000 }, () => patched());
      expect(new Set(ids).size).toBe(5000);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // Compiled while randomUUID is a stub: the patched module takes it at load.
      const native = jest.spyOn(nodeCrypto, 'randomUUID').mockReturnValue('00000000-0000-4000-8000-000000000000');
      try {
        const fresh = compileAt(file, patchSource(original, patch)!).default as V4;
        expect(fresh()).toBe('00000000-0000-4000-8000-000000000000');
        expect(native).toHaveBeenCalledTimes(1);
      } finally {
        native.mockRestore();
      }
    });

    test('ids with arguments (random bytes, an rng, a buffer to fill) are made as published (1000 cases)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constantFrom('random', 'rng', 'buffer', 'null'), fc.nat(4), (bytes, form, offset) => {
          const call = (v4: V4) => {
            if (form === 'random') return v4({ random: Uint8Array.from(bytes) });
            if (form === 'rng') return v4({ rng: () => Uint8Array.from(bytes) });
            if (form === 'null') return typeof v4(null as never);
            return [...(v4({ random: Uint8Array.from(bytes) }, new Uint8Array(24), offset) as Uint8Array)];
          };
          expect(call(patched)).toEqual(call(published));
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe("lodash's has", () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module === 'lodash/lodash.js')!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    type Has = (object: unknown, path: unknown) => boolean;
    const published = (compileAt(file, original) as { has: Has }).has;
    const patched = (compileAt(file, patchSource(original, patch)!) as { has: Has }).has;

    test('answers every object and path as the published has does (1000 cases)', () => {
      fc.assert(
        fc.property(hasObject, fc.array(hasPath, { minLength: 1, maxLength: 6 }), (target, paths) => {
          for (const asked of paths) expect(patched(target, asked)).toBe(published(target, asked));
        }),
        { numRuns: 1000 },
      );
    });

    test('the cases where a key is not simply own or not: dotted own keys, indexes of sparse arrays and arguments', () => {
      const cases: Array<[unknown, unknown]> = [
        [{ 'a.b': 1 }, 'a.b'],
        [{ a: { b: 1 } }, 'a.b'],
        [[1, , 3], '1'],
        [[1, , 3], 1],
        [argumentsOf(1, 2), '1'],
        ['abc', 'length'],
        ['abc', '1'],
        [Object.create({ a: 1 }), 'a'],
      ];
      for (const [target, asked] of cases) expect(patched(target, asked)).toBe(published(target, asked));
      expect(cases.map(([target, asked]) => published(target, asked))).toEqual([true, true, true, true, true, true, true, false]);
    });
  });

  describe('mime information remembered', () => {
    const patch = ENGINE_PATCHES.find((candidate) => candidate.module.endsWith('content-info/index.js'))!;
    const file = installed(patch);
    const original = readFileSync(file, 'utf8');
    type ContentInfo = (response: unknown) => Record<string, string>;
    const published = (compileAt(file, original) as { contentInfo: ContentInfo }).contentInfo;
    const patched = (compileAt(file, patchSource(original, patch)!) as { contentInfo: ContentInfo }).contentInfo;
    const sdk = fromRuntime('postman-collection') as { Response: new (definition: unknown) => unknown };

    const TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/html; charset=ISO-8859-1', 'text/csv;charset=windows-1252', 'application/vnd.api+json', 'application/problem+xml', 'image/png', 'image/jpeg', 'text/plain', 'multipart/form-data; boundary=x', 'application/octet-stream', 'garbage', ' ', 'text/', ';charset=utf-16'];
    const BODIES = [Buffer.from('{"ok":true}'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('%PDF-1.4 x'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), Buffer.alloc(0)];
    const response = fc.record({
      type: fc.option(fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 12 })), { nil: undefined }),
      disposition: fc.option(fc.constantFrom('attachment; filename="report.csv"', 'inline', "attachment; filename*=UTF-8''na%C3%AFve.txt"), { nil: undefined }),
      body: fc.constantFrom(...BODIES),
    });
    const build = ({ type, disposition, body }: { type?: string; disposition?: string; body: Buffer }) =>
      new sdk.Response({ code: 200, stream: body, header: [...(type === undefined ? [] : [{ key: 'Content-Type', value: type }]), ...(disposition ? [{ key: 'Content-Disposition', value: disposition }] : [])] });

    test('every response gets the content info the published code gives, asked once or again (1000 cases)', () => {
      fc.assert(
        fc.property(fc.array(response, { minLength: 1, maxLength: 4 }), (responses) => {
          for (const definition of [...responses, ...responses]) expect(patched(build(definition))).toEqual(published(build(definition)));
        }),
        { numRuns: 1000 },
      );
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

  const inRunProcess = (env: NodeJS.ProcessEnv) =>
    new Promise<{ outcomes: Array<[string, string]>; propertyBase: string; meta: unknown }>((resolve, reject) => {
      const child = fork(path.resolve('__tests__/support/engine-in-run-process.mjs'), [], { env, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      // The run process says 'ready' first; the report follows.
      child.on('message', (message: { outcomes?: unknown }) => {
        if (!message.outcomes) return;
        resolve(message as never);
        child.kill();
      });
      child.once('error', reject);
    });

  test("a run process's engine is the patched one, and POSTMAN_POWER_ENGINE_PATCHES=off loads it as published", async () => {
    const { POSTMAN_POWER_ENGINE_PATCHES: _switch, NODE_OPTIONS: _options, ...env } = process.env;
    const patched = await inRunProcess(env);
    expect(new Map(patched.outcomes)).toEqual(new Map(ENGINE_PATCHES.map((patch) => [patch.module, 'patched'])));
    expect(patched.propertyBase).toContain('key.charCodeAt(0) !== 95');
    expect(patched.meta).toEqual({ postman_note: 'kept' });
    const published = await inRunProcess({ ...env, POSTMAN_POWER_ENGINE_PATCHES: 'off' });
    expect(published.outcomes).toEqual([]);
    expect(published.propertyBase).toContain('_(src).pickBy(PropertyBase.propertyIsMeta)');
    expect(published.meta).toEqual({ postman_note: 'kept' });
  }, 60_000);

  test('the run-process bundle (what runs use) was built with every patch applied', () => {
    // scripts/bundle.mjs applies the same patchFile to the same files and records what came out.
    const built = JSON.parse(readFileSync(path.resolve('dist/run-process.patches.json'), 'utf8')) as Record<string, string>;
    expect(built).toEqual(Object.fromEntries(ENGINE_PATCHES.map((patch) => [patch.module, 'patched'])));
    expect(runProcessScript()).toBe(path.resolve('dist/run-process-loader.cjs'));
    const { POSTMAN_POWER_ENGINE_PATCHES: before } = process.env;
    process.env.POSTMAN_POWER_ENGINE_PATCHES = 'off';
    try {
      expect(runProcessScript()).toBe(path.resolve('dist/core/engine/run-process.js'));
    } finally {
      if (before === undefined) delete process.env.POSTMAN_POWER_ENGINE_PATCHES;
      else process.env.POSTMAN_POWER_ENGINE_PATCHES = before;
    }
  });
});
