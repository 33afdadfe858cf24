// Heap limits: a script that keeps allocating, or a run that outgrows its thread, ends its run with a
// clear out_of_memory result (the request it was in failed, the verdict errored, the hint says what
// to do) instead of taking the machine's memory and hanging — and the server lives on. The limits
// are lowered through their environment variables so the tests hit them in seconds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runHeapMb, scriptHeapMb, WARM_HEAP_MB } from '../../src/core/runner/heap-limits.js';
import type { RunInput } from '../../src/core/runner/run-collection.js';
import { RunSummarySchema } from '../../src/core/runner/summary.js';
import { WorkerRunner, workerScript, type WarmWorker } from '../../src/core/runner/worker-runner.js';
import { runCli } from '../support/cli.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

const run = (collection: string, env: Record<string, string>) => runCli(['run', collection, '--no-history', '-r', 'cli,json', '--reporter-json-export', `${collection}.report.json`], ws.dir, env, 90_000);

let backend: TestServer;
let ws: TempWorkspace;
beforeAll(async () => {
  backend = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  ws = createTempWorkspace('Test_Task5_');
  ws.write('.postman.json', { baseUrl: backend.url });
  const collection = (name: string, hog: string) => ({
    info: { name, schema: SCHEMA },
    item: [
      { name: 'before', request: { method: 'GET', url: '{{baseUrl}}/a' }, event: [{ listen: 'test', script: { exec: ["pm.test('ok', () => pm.response.to.have.status(200));"] } }] },
      { name: 'hog', request: { method: 'GET', url: '{{baseUrl}}/b' }, event: [{ listen: 'test', script: { exec: [hog] } }] },
      { name: 'after', request: { method: 'GET', url: '{{baseUrl}}/c' }, event: [{ listen: 'test', script: { exec: ["pm.test('ok', () => pm.response.to.have.status(200));"] } }] },
    ],
  });
  ws.write('small.postman_collection.json', collection('Small objects', 'const a = []; for (;;) a.push({ n: a.length, s: String(a.length) });'));
  ws.write('large.postman_collection.json', collection('Large arrays', 'const a = []; for (;;) a.push(new Array(1e6).fill(Math.random()));'));
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

it.each(['small', 'large'])('a script that keeps allocating (%s) ends the run with out_of_memory on the request it was in', async (kind) => {
  const { code, stdout } = await run(`${kind}.postman_collection.json`, { POSTMAN_POWER_SCRIPT_HEAP_MB: '48' });
  expect(code).toBe(1);
  expect(stdout).toMatch(/out_of_memory: a script used more than the script sandbox's 48 MB heap/);
  const report = RunSummarySchema.parse(JSON.parse(readFileSync(ws.path(`${kind}.postman_collection.json.report.json`), 'utf8')));
  expect(report.status).toBe('errored');
  expect(report.failures).toEqual([expect.objectContaining({ kind: 'script_error', request: 'hog', message: expect.stringMatching(/^out_of_memory: /) })]);
  // What ran before it is kept; what came after never ran, and the run does not say it passed.
  expect(report.stats.assertions).toMatchObject({ total: 1, failed: 0 });
  expect(report.stats.scriptErrors).toBe(1);
  expect(report.hint).toMatch(/ran out of memory/);
}, 120_000);

it('a run that outgrows its thread\'s heap ends with out_of_memory, not a crash', async () => {
  const { code, stdout } = await run('small.postman_collection.json', { POSTMAN_POWER_RUN_HEAP_MB: '16' });
  expect(code).toBe(1);
  expect(stdout).toMatch(/out_of_memory: the run used more than its 16 MB heap, so it stopped/);
  expect(stdout).toMatch(/^Run errored/m);
}, 120_000);

describe('heap limits sized from the run', () => {
  const MB = 1024 * 1024;
  const requests = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `r${i}`, request: { method: 'GET', url: `{{baseUrl}}/r${i}` } }));
  const sized = (extra: Partial<RunInput> = {}): RunInput => ({ collection: { info: { name: 'Sized', schema: SCHEMA }, item: requests(3) }, source: { kind: 'local', ref: 'sized.json' }, root: ws.dir, envVars: { baseUrl: backend.url }, ...extra });

  it('grows with the requests sent, the data, the scopes and the response limit, and stops at 4 GB', () => {
    const base = runHeapMb(sized({ maxResponseBytes: 0 }));
    expect(base).toBe(257);
    // 16 KB held per request sent: 1000 requests × 4 iterations.
    expect(runHeapMb(sized({ maxResponseBytes: 0, collection: { info: { name: 'Many' }, item: [{ name: 'folder', item: requests(1000) }] }, iterations: 4 }))).toBeGreaterThanOrEqual(256 + 62);
    // Data is held parsed (×20) and sets the iterations.
    const data = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: 'n'.repeat(500) }));
    expect(runHeapMb(sized({ maxResponseBytes: 0, data }))).toBeGreaterThan(base + 20 + 90);
    // Past 200 rows the data's size is estimated from 200 of them, at golden-ratio steps (see dataBytes).
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: 'm'.repeat(200 + (i % 100)) }));
    const exact = Math.ceil(((JSON.stringify(sized().collection).length + JSON.stringify(sized().envVars).length + JSON.stringify(many).length) * 20 + 3 * 10_000 * 16 * 1024) / MB);
    expect(Math.abs(runHeapMb(sized({ maxResponseBytes: 0, data: many })) - (256 + exact))).toBeLessThanOrEqual(2);
    // Room for six copies of the largest response accepted (the default is 50 MB).
    expect(runHeapMb(sized())).toBe(base + 300);
    expect(runHeapMb(sized({ maxResponseBytes: 10 * 1024 * MB }))).toBe(4096);
    // The sandbox holds the scopes and one data row, not every row.
    expect(scriptHeapMb({ data, maxResponseBytes: 0 })).toBe(257);
    expect(scriptHeapMb({ globals: { name: 'G', values: [{ key: 'g', value: 'g'.repeat(MB) }] }, maxResponseBytes: 0 })).toBe(256 + 21);
  });

  it('the environment variables set a limit outright', () => {
    const saved = { ...process.env };
    try {
      process.env.POSTMAN_POWER_RUN_HEAP_MB = '300';
      process.env.POSTMAN_POWER_SCRIPT_HEAP_MB = '64';
      expect(runHeapMb(sized({ maxResponseBytes: 10 * 1024 * MB }))).toBe(300);
      expect(scriptHeapMb({ maxResponseBytes: 10 * 1024 * MB })).toBe(64);
    } finally {
      process.env = saved;
    }
  });

  it('a sandbox thread gets the limit sized for its run: a script keeping 640 MB passes where the default limit would stop it', async () => {
    const script = workerScript();
    if (!script) throw new Error('the worker is not built');
    const runner = new WorkerRunner(script);
    const keep640 = 'const kept = []; for (let i = 0; i < 80; i++) kept.push(new Array(1e6).fill(i + 0.5)); pm.test(\'kept\', () => pm.expect(kept.length).to.eql(80));';
    // 857 MB: room above the 640 MB kept, so a busy machine's late collections do not reach it.
    const input = sized({ maxResponseBytes: 100 * MB });
    input.collection.item = [{ name: 'hog', request: { method: 'GET', url: '{{baseUrl}}/hog' }, event: [{ listen: 'test', script: { exec: [keep640] } }] }];
    try {
      expect(scriptHeapMb()).toBeLessThan(640);
      expect(scriptHeapMb(input)).toBe(256 + 6 * 100 + 1);
      const summary = await runner.start(input).promise;
      expect(summary.warnings).toEqual([]);
      expect(summary.stats.assertions).toMatchObject({ total: 1, failed: 0 });
      expect(summary.status).toBe('passed');
    } finally {
      await runner.close();
    }
  }, 60_000);

  it('a run that needs more than a warm worker holds gets a worker of its own size; a run that fits takes the warm one', async () => {
    const script = workerScript();
    if (!script) throw new Error('the worker is not built');
    const limits: number[] = [];
    class Observed extends WorkerRunner {
      protected spawn(heapMb?: number): WarmWorker {
        const spawned = super.spawn(heapMb);
        limits.push(spawned.worker.resourceLimits?.maxOldGenerationSizeMb ?? -1);
        return spawned;
      }
    }
    const runner = new Observed(script);
    try {
      runner.prewarm();
      await runner.idle();
      expect(limits).toEqual([WARM_HEAP_MB]);
      const small = await runner.start(sized()).promise;
      expect(small.stats.requests).toMatchObject({ total: 3, failed: 0 });
      expect(limits).toEqual([WARM_HEAP_MB]);
      const big = sized({ maxResponseBytes: 200 * MB });
      expect(runHeapMb(big)).toBeGreaterThan(WARM_HEAP_MB);
      const summary = await runner.start(big).promise;
      expect(summary.stats.requests).toMatchObject({ total: 3, failed: 0 });
      expect(limits).toEqual([WARM_HEAP_MB, runHeapMb(big)]);
    } finally {
      await runner.close();
    }
  }, 60_000);
});

it('a pooled worker that fails while idle leaves the pool, the process lives, and the next run gets a new worker', async () => {
  const spawned: WarmWorker[] = [];
  class Watched extends WorkerRunner {
    protected spawn(heapMb?: number): WarmWorker {
      const worker = super.spawn(heapMb);
      spawned.push(worker);
      return worker;
    }
  }
  const runner = new Watched(path.resolve('__tests__/support/late-throw-worker.mjs'));
  try {
    runner.prewarm();
    // Its 'error' is heard by the pool (unheard, it would be thrown in this process and fail the test).
    await new Promise((resolve) => spawned[0].worker.once('exit', resolve));
    await runner.idle();
    expect(spawned).toHaveLength(2);
  } finally {
    await runner.close();
  }
});
