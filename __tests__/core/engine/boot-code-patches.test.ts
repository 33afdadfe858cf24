// Boot code patches (src/core/engine/boot-code-patches.ts): each still finds its upstream text in
// the installed boot code exactly once; each is equivalent to the code it replaces — the boot code's
// own modules, published and patched, loaded side by side in contexts of their own and given the
// same inputs; and a run's scripts get the patched code unless the patches are switched off.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import fc from 'fast-check';
import { BOOT_CODE_PATCHES, BOOT_CODE_PATCHES_DIGEST, patchBootCode } from '../../../src/core/engine/boot-code-patches.js';
import { browserBootCode } from '../../../src/core/engine/isolated-sandbox.js';
import { ProcessRunner } from '../../../src/core/engine/process-runner.js';
import { runProcessScript } from '../../../src/core/engine/run-process-spawn.js';
import { patchSource } from '../../../src/core/engine/source-patch.js';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/runs/options.js';
import { hasObject, hasPath, metaShape, propertyDefinition } from '../../support/patch-inputs.js';
import { startServer, type TestServer } from '../../support/http-server.js';

const fromSandbox = createRequire(createRequire(createRequire(path.resolve('package.json')).resolve('postman-runtime')).resolve('postman-sandbox'));
const file = fromSandbox.resolve('./.cache/bootcode.browser.js');
const wrapped = readFileSync(file, 'utf8');
// The file is `module.exports=c=>c(null,<the code as a JSON string>)`.
const published = JSON.parse(wrapped.slice('module.exports=c=>c(null,'.length, -1)) as string;
const patched = patchBootCode(published).code;
const patchNamed = (name: string) => BOOT_CODE_PATCHES.find((patch) => patch.name === name)!;

/** The browserify bundle's modules in a context of their own, none of them run yet: `require` loads one by its key. */
function bootModules(code: string): { context: vm.Context; require: (key: string | number) => any } {
  const entries = /\},\{\},\[[\d,]*\]\);?$/;
  expect(code).toMatch(entries);
  // What the context worker's firmware gives the browser build, as far as loading modules needs.
  const context = vm.createContext({ File: class File {}, Blob: class Blob {}, atob, btoa });
  vm.runInContext(code.replace(entries, '},{},[]);'), context);
  return { context, require: vm.runInContext('require', context) };
}

/** The key of the bundle's module whose source holds the patch's upstream text. */
function moduleOf(patchName: string): string {
  const at = published.indexOf(patchNamed(patchName).find);
  let key: string | undefined;
  for (const match of published.slice(0, at).matchAll(/[{,](\d+|"[^"]+"|[\w$-]+):\[function\(e,t,n\)\{/g)) key = match[1];
  return key!.startsWith('"') ? (JSON.parse(key!) as string) : key!;
}

describe('boot code patches', () => {
  test.each(BOOT_CODE_PATCHES.map((patch) => [patch.name, patch]))('%s: the upstream text is in the installed boot code exactly once', (_name, patch) => {
    const once = patchSource(published, patch);
    expect(once).toBeDefined();
    expect(once).not.toContain(patch.find);
    expect(patched).toContain(patch.replace);
  });

  test('applied all together or not at all, and not with POSTMAN_POWER_ENGINE_PATCHES=off', () => {
    expect(patchBootCode(published)).toEqual({ code: patched, patched: true });
    expect(patched).not.toBe(published);
    // One upstream text gone (an upgrade moved it): the boot code runs as published.
    const moved = published.replace(patchNamed('lodash has').find, 'qn.has=function(e,t){return null!=e&&gi(e,t,Cr) }');
    expect(patchBootCode(moved)).toEqual({ code: moved, patched: false });
    const before = process.env.POSTMAN_POWER_ENGINE_PATCHES;
    process.env.POSTMAN_POWER_ENGINE_PATCHES = 'off';
    try {
      expect(patchBootCode(published)).toEqual({ code: published, patched: false });
    } finally {
      if (before === undefined) delete process.env.POSTMAN_POWER_ENGINE_PATCHES;
      else process.env.POSTMAN_POWER_ENGINE_PATCHES = before;
    }
  });

  test("what a run process boots, and the name of its code cache: a cache made for the published code never serves the patched (V8 checks only a cache's source length)", () => {
    const before = process.env.POSTMAN_POWER_ENGINE_PATCHES;
    const booted = browserBootCode();
    process.env.POSTMAN_POWER_ENGINE_PATCHES = 'off';
    let asPublished: ReturnType<typeof browserBootCode>;
    try {
      asPublished = browserBootCode();
    } finally {
      if (before === undefined) delete process.env.POSTMAN_POWER_ENGINE_PATCHES;
      else process.env.POSTMAN_POWER_ENGINE_PATCHES = before;
    }
    expect(booted.code).toBe(patched);
    expect(asPublished.code).toBe(published);
    expect(asPublished.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(booted.sha256).toBe(`${asPublished.sha256} patched ${BOOT_CODE_PATCHES_DIGEST}`);
  });

  describe("uniscope's scope for each script", () => {
    const key = moduleOf('uniscope exec');
    // Each context records every function its scopes compile: the names they bind, the values those
    // get (a context's global by its name, so two contexts compare), and the scope object's entries.
    const RECORDER = `(() => {
      const Real = Function;
      const label = (value) => {
        if (value === undefined || (typeof value !== 'object' && typeof value !== 'function')) return typeof value === 'string' ? 'string:' + value : String(value);
        const name = Object.getOwnPropertyNames(globalThis).find((global) => { try { return globalThis[global] === value; } catch { return false; } });
        return name ? 'global:' + name : typeof value;
      };
      globalThis.trace = [];
      globalThis.pending = [];
      globalThis.Function = new Proxy(Real, {
        apply(target, scope, args) {
          const compiled = Reflect.apply(target, scope, args);
          // (uniscope finds the global by Function('return this'): no names, nothing to record.)
          if (args.length < 2) return compiled;
          const call = { names: args.slice(0, -1), scope: Object.entries(scope).map(([name, value]) => name + '=' + label(value)) };
          trace.push(call);
          return new Proxy(compiled, { apply(fn, self, values) { call.values = values.slice(0, -1).map(label); return Reflect.apply(fn, self, values); } });
        },
      });
    })()`;
    const load = (code: string) => {
      const { context, require } = bootModules(code);
      vm.runInContext(RECORDER, context);
      return { context, Scope: require(Number(key)) as { create(options: object): any } };
    };

    const GLOBAL = fc.constantFrom('JSON', 'Array', 'crypto', 'Blob', 'URL', 'atob', 'globalThis', 'eval', 'console', 'require', 'Function', 'undefined', 'NaN', 'constructor', 'toString');
    const OWN = fc.constantFrom('pm', 'tests', 'x1', 'x2', 'bridge', 'require', 'responseBody');
    const NAME = fc.oneof(GLOBAL, OWN);
    const BODY = fc.constantFrom<string>('', 'x1 = 1', 'x2 = typeof JSON', 'var y = 2', 'pm = 3', 'missing.property', 'globalThis.x3 = [typeof Array, typeof crypto]', '"use strict"; x2 = 1', 'eval("x1 = 4")', 'tests = typeof tests');
    const operation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), name: NAME, value: fc.oneof(fc.integer(), fc.string({ maxLength: 3 })) }),
      fc.record({ op: fc.constant('unset' as const), name: NAME }),
      // A global appears or goes, as a script's `x = 1` or `delete` makes it.
      fc.record({ op: fc.constant('define' as const), name: OWN }),
      fc.record({ op: fc.constant('delete' as const), name: OWN }),
      { arbitrary: fc.record({ op: fc.constant('exec' as const), body: BODY, async: fc.boolean(), block: fc.option(fc.array(NAME, { maxLength: 3 }), { nil: undefined }), finish: fc.boolean() }), weight: 4 },
      fc.record({ op: fc.constant('finish' as const) }),
      fc.record({ op: fc.constant('reset' as const), locals: fc.boolean(), context: fc.boolean() }),
    );
    const scenario = fc.record({
      options: fc.record({ eval: fc.boolean(), console: fc.boolean(), strict: fc.boolean(), ignore: fc.array(NAME, { maxLength: 3 }), block: fc.array(NAME, { maxLength: 3 }) }),
      operations: fc.array(operation, { minLength: 1, maxLength: 10 }),
    });

    type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;
    /** Plays the operations on a new scope in `loaded`'s context: what it compiled, called back and kept as locals. */
    function play(loaded: ReturnType<typeof load>, options: object, operations: Operation[]) {
      const { context, Scope } = loaded;
      vm.runInContext('trace.length = 0; pending.length = 0; for (const name of ["pm", "tests", "x1", "x2", "x3", "bridge", "responseBody"]) delete globalThis[name]', context);
      const scope = Scope.create(options);
      const heard: string[] = [];
      const callback = (error?: Error) => heard.push(error ? `${error.name}: ${error.message}` : 'done');
      for (const step of operations) {
        if (step.op === 'set') scope.set(step.name, step.value);
        else if (step.op === 'unset') scope.unset(step.name);
        else if (step.op === 'define') vm.runInContext(`globalThis[${JSON.stringify(step.name)}] = 'defined'`, context);
        else if (step.op === 'delete') vm.runInContext(`delete globalThis[${JSON.stringify(step.name)}]`, context);
        else if (step.op === 'finish') vm.runInContext('pending.shift()?.()', context);
        else if (step.op === 'reset') scope.reset(step.locals, step.context);
        else {
          // Every global is a bound name in the script (undefined unless allowed): a sloppy function's
          // `this` reaches the context's `pending` (strict scopes fail there, the same way before and after).
          const code = step.async ? `${step.body};\n${step.finish ? '__exitscope()' : '(function () { return this; })().pending.push(__exitscope)'}` : step.body;
          scope.exec(code, { async: step.async, ...(step.block ? { block: step.block } : {}) }, callback);
        }
        heard.push(`locals: ${scope._locals.join(',')}`);
      }
      vm.runInContext('while (pending.length) pending.shift()()', context);
      return { trace: JSON.parse(vm.runInContext('JSON.stringify(trace)', context)), heard, locals: [...scope._locals] };
    }

    test('every script is compiled with the names, values and scope the published exec gives (500 cases)', () => {
      const before = load(published);
      const after = load(patched);
      let compiled = 0;
      fc.assert(
        fc.property(scenario, ({ options, operations }) => {
          const expected = play(before, options, operations);
          expect(play(after, options, operations)).toEqual(expected);
          compiled += expected.trace.length;
        }),
        { numRuns: 500 },
      );
      // The recorder heard the scopes compile (a strict scope binding `eval` does not compile at all).
      expect(compiled).toBeGreaterThan(250);
    });

    test("a script's scope: allowed globals bound, others and blocked names undefined, imports set, new globals become locals", () => {
      const run = (code: string) => {
        const loaded = load(code);
        // As postman-sandbox creates its scope.
        return play(loaded, { eval: true, ignore: ['require'], block: ['bridge'] }, [
          { op: 'set', name: 'pm', value: 7 },
          { op: 'set', name: 'JSON', value: 'shadowed' },
          { op: 'exec', body: 'x1 = typeof Array', async: false, block: ['crypto'], finish: true },
          { op: 'exec', body: '', async: true, block: undefined, finish: false },
          { op: 'define', name: 'x2' },
          { op: 'finish' },
        ]);
      };
      const expected = run(published);
      expect(run(patched)).toEqual(expected);
      const [first] = expected.trace as Array<{ names: string[]; values: string[]; scope: string[] }>;
      const valueOf = (name: string) => first!.values[first!.names.indexOf(name)];
      expect(valueOf('Array')).toBe('global:Array');
      expect(valueOf('pm')).toBe('7');
      expect(valueOf('JSON')).toBe('string:shadowed');
      expect(valueOf('crypto')).toBe('undefined');
      expect(valueOf('bridge')).toBe('undefined');
      expect(first!.names).not.toContain('require');
      // Globals left out of the first script's names (require ignored, eval allowed by the options) and x1,
      // which it made, are locals now; x2, which appeared while the second was pending, too.
      expect([...expected.locals].sort()).toEqual(['eval', 'require', 'x1', 'x2']);
      expect(expected.locals.at(-1)).toBe('x2');
    });
  });

  test("lodash's has answers every object and path as the published has does (1000 cases)", () => {
    const before = bootModules(published).require('lodash').has as (object: unknown, path: unknown) => boolean;
    const after = bootModules(patched).require('lodash').has as typeof before;
    fc.assert(
      fc.property(hasObject, fc.array(hasPath, { minLength: 1, maxLength: 6 }), (target, paths) => {
        for (const asked of paths) expect(after(target, asked)).toBe(before(target, asked));
      }),
      { numRuns: 1000 },
    );
  });

  test("postman-collection's PropertyBase gives every definition the meta the published chain gives (1000 cases)", () => {
    const key = moduleOf('postman-collection PropertyBase');
    const load = (code: string) => {
      const { context, require } = bootModules(code);
      return { PropertyBase: require(Number(key)).PropertyBase as new (definition: unknown) => { _?: object }, objectPrototype: vm.runInContext('Object.prototype', context) as object };
    };
    const before = load(published);
    const after = load(patched);
    fc.assert(
      fc.property(propertyDefinition, (input) => {
        expect(metaShape(new after.PropertyBase(input), after.objectPrototype)).toEqual(metaShape(new before.PropertyBase(input), before.objectPrototype));
      }),
      { numRuns: 1000 },
    );
  });

  describe("a run's scripts", () => {
    let backend: TestServer;
    beforeAll(async () => {
      backend = await startServer((_req, res) => res.end('{}'));
    });
    afterAll(() => backend.close());

    /** Whether a run's script sees the patched lodash `has` in its context (the switch as given, in the run process's environment). */
    async function scriptSeesPatchedHas(patches: 'off' | undefined): Promise<boolean> {
      const before = process.env.POSTMAN_POWER_ENGINE_PATCHES;
      if (patches === undefined) delete process.env.POSTMAN_POWER_ENGINE_PATCHES;
      else process.env.POSTMAN_POWER_ENGINE_PATCHES = patches;
      const runner = new ProcessRunner(runProcessScript()!, { keepWarm: false });
      try {
        const script = ["pm.test('patched', () => pm.expect(require('lodash').has.toString()).to.include(" + JSON.stringify(patchNamed('lodash has').replace.slice('qn.has='.length)) + '));'];
        const collection = { info: { name: 'Boot code' }, item: [{ name: 'one', request: { method: 'GET', url: backend.url }, event: [{ listen: 'test', script: { exec: script } }] }] };
        const summary = await runner.start({ ...DEFAULT_RUN_OPTIONS, collection, source: { kind: 'local', ref: 'boot-code' }, root: process.cwd() }).promise;
        expect(summary.stats.assertions.total).toBe(1);
        return summary.stats.assertions.failed === 0;
      } finally {
        await runner.close();
        if (before === undefined) delete process.env.POSTMAN_POWER_ENGINE_PATCHES;
        else process.env.POSTMAN_POWER_ENGINE_PATCHES = before;
      }
    }

    test('run the patched boot code, and the published one with POSTMAN_POWER_ENGINE_PATCHES=off', async () => {
      expect(await scriptSeesPatchedHas(undefined)).toBe(true);
      expect(await scriptSeesPatchedHas('off')).toBe(false);
    }, 60_000);
  });
});
