// Warm sandbox hosts: a run on a pooled host has the same results as a run on a host of its own (as
// newman boots one per run), a host is lent again only when no script of the run could have changed
// it, and a timed-out or cancelled host never serves another run.
import { loadEngine, startRun, type Engine, type RunInput } from '../../src/core/runner/run-collection.js';
import { EventEmitter } from 'node:events';
import { scriptHeapMb } from '../../src/core/runner/heap-limits.js';
import { loadSandbox, SandboxHostPool } from '../../src/core/runner/host-pool.js';
import type { RunSummary } from '../../src/core/runner/summary.js';
import { startServer, type TestServer } from '../support/http-server.js';

let backend: TestServer;
let engine: Engine;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, items: [1, 2, 3] }));
  });
  engine = await loadEngine();
});
afterAll(() => backend.close());

/** A pool over the real sandbox that counts the hosts it boots. */
function countingPool(): { pool: SandboxHostPool; boots: () => number; heaps: number[] } {
  const sandbox = loadSandbox();
  const heaps: number[] = [];
  const pool = new SandboxHostPool({
    createContext: (options, callback) => {
      heaps.push((options as { heapMb: number }).heapMb);
      sandbox.createContext(options, callback);
    },
  });
  return { pool, boots: () => heaps.length, heaps };
}

const script = (listen: 'prerequest' | 'test', ...exec: string[]) => ({ listen, script: { exec } });
const input = (item: unknown[], extra: Partial<RunInput> = {}): RunInput => ({
  collection: { info: { name: 'Pool' }, item },
  source: { kind: 'local', ref: 'pool.json' },
  root: '/',
  ...extra,
});

/** What a run says, without what differs between any two runs (ids, times). */
function comparable(summary: RunSummary) {
  // Which path each script took is said by runs on pooled hosts only.
  const { scripts: _paths, ...stats } = summary.stats;
  return {
    status: summary.status,
    stats,
    failures: summary.failures.map(({ response, ...failure }) => ({ ...failure, url: failure.url, code: response?.code })),
    console: summary.console,
  };
}

const EVERYTHING = [
  {
    name: 'variables and assertions',
    request: { method: 'GET', url: '{{base}}/one' },
    event: [
      script('prerequest', "pm.variables.set('n', 2); console.log('before', pm.variables.get('n'));"),
      script(
        'test',
        "pm.test('status', () => pm.response.to.have.status(200));",
        "pm.test('fails', () => pm.expect(pm.response.json().items).to.have.lengthOf(4));",
        "pm.environment.set('seen', pm.response.json().path);",
        "console.warn('after', pm.environment.get('seen'));",
      ),
    ],
  },
  {
    name: 'skipped',
    request: { method: 'GET', url: '{{base}}/skipped' },
    event: [script('prerequest', "console.log('about to skip'); pm.execution.skipRequest(); console.log('after the skip');")],
  },
  {
    name: 'throws',
    request: { method: 'GET', url: '{{base}}/two' },
    event: [script('test', "pm.test('before the throw', () => {}); undefinedFunction();")],
  },
];

async function run(runInput: RunInput, withEngine: Engine): Promise<RunSummary> {
  return startRun(runInput, withEngine).promise;
}

describe('SandboxHostPool', () => {
  it('a run on a pooled host says exactly what a run on its own host says, and the next run boots nothing', async () => {
    const { pool, boots } = countingPool();
    try {
      const runInput = () => input(EVERYTHING, { envVars: { base: backend.url } });
      const own = comparable(await run(runInput(), engine));
      const pooled = await run(runInput(), { ...engine, hosts: pool });
      // The variables-and-assertions scripts run on the fast path; the skip and the throw-after-test in the sandbox.
      expect(pooled.stats.scripts).toEqual({ fast: 2, sandbox: 2 });
      const first = comparable(pooled);
      const second = comparable(await run(runInput(), { ...engine, hosts: pool }));
      expect(first).toEqual(own);
      expect(second).toEqual(own);
      expect(own.console.map((line) => line.message)).toEqual(['before 2', 'after /one', 'about to skip']);
      expect(own.stats.assertions).toEqual({ total: 3, failed: 1, skipped: 0 });
      expect(boots()).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a run gets a sandbox whose heap is sized for it: a pooled host whose limit holds it, else one of its own', async () => {
    const { pool, heaps } = countingPool();
    const sandboxed = (extra: Partial<RunInput>) => input([{ name: 's', request: `${backend.url}/s`, event: [script('test', "pm.test('ok', () => pm.response.to.have.status(200));")] }], { scriptPath: 'sandbox', ...extra });
    const small = sandboxed({ maxResponseBytes: 1024 });
    const big = sandboxed({ maxResponseBytes: 200 * 1024 * 1024, environment: { name: 'E', values: [{ key: 'blob', value: 'x'.repeat(4 * 1024 * 1024) }] } });
    try {
      expect(scriptHeapMb(small)).toBe(257);
      expect(scriptHeapMb(big)).toBe(256 + 6 * 200 + 80 + 1);
      expect((await run(small, { ...engine, hosts: pool })).stats.assertions).toMatchObject({ total: 1, failed: 0 });
      expect((await run(big, { ...engine, hosts: pool })).stats.assertions).toMatchObject({ total: 1, failed: 0 });
      // The big run's host is pooled after it: the small run fits in it.
      expect((await run(small, { ...engine, hosts: pool })).stats.assertions).toMatchObject({ total: 1, failed: 0 });
      // A run needing less than the default limit gets the default (a pooled host then holds any usual run).
      expect(heaps).toEqual([scriptHeapMb(), scriptHeapMb(big)]);
    } finally {
      await pool.close();
    }
  });

  it('a run whose script changes a built-in leaves a host nobody else gets: the next run sees nothing of it', async () => {
    const { pool, boots } = countingPool();
    try {
      const polluting = input([{ name: 'p', request: `${backend.url}/p`, event: [script('test', 'Object.prototype.leaked = 1; Array.prototype.extra = 2;')] }]);
      const looking = input([{ name: 'l', request: `${backend.url}/l`, event: [script('test', "const o = {}; const a = []; pm.test('nothing leaked', () => { pm.expect(o.leaked).to.be.undefined; pm.expect(a.extra).to.be.undefined; });")] }]);
      await run(polluting, { ...engine, hosts: pool });
      const after = await run(looking, { ...engine, hosts: pool });
      expect(after.stats.assertions).toEqual({ total: 1, failed: 0, skipped: 0 });
      expect(boots()).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('concurrent runs on one pool each hear only their own console lines and assertions', async () => {
    const { pool } = countingPool();
    try {
      await pool.prewarm();
      const lane = (tag: string) =>
        input(
          Array.from({ length: 5 }, (_, i) => ({ name: `${tag}${i}`, request: `${backend.url}/${tag}/${i}`, event: [script('test', `console.log('${tag}', ${i}); pm.test('${tag}${i}', () => {});`)] })),
        );
      const [a, b] = await Promise.all([run(lane('a'), { ...engine, hosts: pool }), run(lane('b'), { ...engine, hosts: pool })]);
      expect(a.console.map((line) => line.message)).toEqual([0, 1, 2, 3, 4].map((i) => `a ${i}`));
      expect(b.console.map((line) => line.message)).toEqual([0, 1, 2, 3, 4].map((i) => `b ${i}`));
      expect(a.stats.assertions.total).toBe(5);
      expect(b.stats.assertions.total).toBe(5);
    } finally {
      await pool.close();
    }
  });

  it('after a script timeout the pool still serves runs', async () => {
    const { pool } = countingPool();
    try {
      const hanging = input([{ name: 'h', request: `${backend.url}/h`, event: [script('test', 'while (true) {}')] }], { scriptTimeoutMs: 300 });
      const timedOut = await run(hanging, { ...engine, hosts: pool });
      expect(timedOut.stats.scriptErrors).toBe(1);
      const fine = await run(input([{ name: 'f', request: `${backend.url}/f`, event: [script('test', "pm.test('runs', () => {});")] }]), { ...engine, hosts: pool });
      expect(fine.status).toBe('passed');
      expect(fine.stats.assertions.total).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a cancelled run gives its host back to nobody', async () => {
    const { pool, boots } = countingPool();
    try {
      await pool.prewarm();
      // The script announces itself to the backend, then waits: the cancel comes while it runs.
      const inScript = new Promise<void>((resolve) => backend.server.once('request', () => backend.server.once('request', () => resolve())));
      const handle = startRun(
        input([{ name: 'slow', request: `${backend.url}/s`, event: [script('test', `pm.sendRequest('${backend.url}/inside-script', () => setTimeout(() => {}, 60000));`)] }]),
        { ...engine, hosts: pool },
      );
      await inScript;
      handle.cancel('enough');
      expect((await handle.promise).status).toBe('cancelled');
      const fine = await run(input([{ name: 'f', request: `${backend.url}/f` }]), { ...engine, hosts: pool });
      expect(fine.status).toBe('passed');
      expect(boots()).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('a sandbox that answers one execution twice is heard once (postman-sandbox does after a re-boot that timed out)', async () => {
    let secondAnswers = 0;
    let bothRepeated: () => void = () => undefined;
    const repeated = new Promise<void>((resolve) => (bothRepeated = resolve));
    class TwiceAnswering extends EventEmitter {
      executionTimeout?: number;
      execute(_event: unknown, _options: unknown, callback: (error: unknown, result: unknown) => void): void {
        setImmediate(() => callback(new Error('first answer'), undefined));
        setTimeout(() => {
          callback(new Error('second answer'), undefined);
          if ((secondAnswers += 1) === 2) bothRepeated();
        }, 5);
      }
      dispatch(): void {}
      dispose(callback?: () => void): void {
        callback?.();
      }
    }
    const pool = new SandboxHostPool({ createContext: (_options, callback) => callback(null, new TwiceAnswering() as never) });
    try {
      const summary = await run(
        input([
          { name: 'one', request: `${backend.url}/one`, event: [script('test', "tests['one'] = true;")] },
          { name: 'two', request: `${backend.url}/two`, event: [script('test', "tests['two'] = true;")] },
        ]),
        { ...engine, hosts: pool },
      );
      // Each second answer would otherwise be thrown by postman-runtime into this thread ("Callback was already called").
      await repeated;
      expect(summary.stats.requests.total).toBe(2);
      expect(summary.failures.map((failure) => failure.message)).toEqual(['test script: Error: first answer', 'test script: Error: first answer']);
    } finally {
      await pool.close();
    }
  });

  it('a sandbox that cannot boot fails the scripts that need it with why; fast-path scripts and the run go on', async () => {
    const pool = new SandboxHostPool({ createContext: (_options, callback) => callback(new Error('no threads left'), undefined as never) });
    try {
      const summary = await run(
        input(
          [
            { name: 'legacy', request: `${backend.url}/legacy`, event: [script('test', "tests['legacy'] = responseCode.code === 200;")] },
            { name: 'fast', request: `${backend.url}/fast`, event: [script('test', "pm.test('fast', () => pm.response.to.have.status(200));")] },
            { name: 'legacy again', request: `${backend.url}/again`, event: [script('test', "tests['again'] = true;")] },
          ],
          { envVars: { base: backend.url } },
        ),
        { ...engine, hosts: pool },
      );
      expect(summary.stats.requests.total).toBe(3);
      expect(summary.stats.scripts).toEqual({ fast: 1, sandbox: 2 });
      expect(summary.stats.assertions).toEqual({ total: 1, failed: 0, skipped: 0 });
      expect(summary.failures.map((failure) => failure.message)).toEqual([
        "test script: Error: The run's script sandbox did not start: no threads left",
        "test script: Error: The run's script sandbox did not start: no threads left",
      ]);
    } finally {
      await pool.close();
    }
  });
});
