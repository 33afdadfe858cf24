// Memory and runaway scripts: a script that exhausts memory — objects in a loop, arrays of arrays, one
// huge fill, a growing array — ends its run with out_of_memory and a hint; the run's process ends,
// never the server or the CLI (which exits 2 with its reports written), and the next call is served.
// A huge string is a RangeError in the script, as in newman. A script that never ends is stopped by
// the script timeout when one is set (the run goes on), else by the run timeout (timed_out). The
// limit is lowered through its environment variable so the tests hit it in seconds.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { jsonLength, runHeapMb, runProcessHeapMb, scriptHeapMb, WARM_HEAP_MB, warmProcessHeapMb } from '../../../src/core/engine/heap-limits.js';
import type { RunInput } from '../../../src/core/runs/run-input.js';
import { RunSummarySchema } from '../../../src/core/results/summary.js';
import { ProcessRunner, runProcessScript, type WarmProcess } from '../../../src/core/engine/process-runner.js';
import { runCli } from '../../support/cli.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { connectPair, textOf } from '../../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../../support/temp-workspace.js';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/runs/options.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const HOGS = {
  objects: 'const a = []; for (;;) a.push({ n: a.length, s: String(a.length) });',
  arrays: 'const a = []; for (;;) a.push(new Array(1e6).fill(Math.random()));',
  fill: 'const a = new Array(2 ** 28).fill(0); pm.test("filled", () => pm.expect(a.length).to.be.above(0));',
  growing: 'const a = []; for (let i = 0; i < 4e8; i++) a.push(i);',
};
const LIMIT = { POSTMAN_POWER_RUN_HEAP_MB: '160' };

const run = (collection: string, env: Record<string, string>, extra: string[] = []) =>
  runCli(['run', collection, '--no-history', '-r', 'cli,json', '--reporter-json-export', `${collection}.report.json`, ...extra], ws.dir, env, 90_000);
const reportOf = (collection: string) => RunSummarySchema.parse(JSON.parse(readFileSync(ws.path(`${collection}.report.json`), 'utf8')));

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
  for (const [kind, hog] of Object.entries(HOGS)) ws.write(`${kind}.postman_collection.json`, collection(`Hog ${kind}`, hog));
  ws.write('string.postman_collection.json', collection('Huge string', 'let s = "x"; for (;;) s = s + s;'));
  ws.write('loop.postman_collection.json', collection('Endless loop', 'for (;;) {}'));
  ws.write('pass.postman_collection.json', collection('Passing', "pm.test('fine', () => {});"));
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

it.each(Object.keys(HOGS))('CLI: a script that exhausts memory (%s) ends the run with out_of_memory, exit 2, reports written', async (kind) => {
  const { code, stdout } = await run(`${kind}.postman_collection.json`, LIMIT);
  expect(code).toBe(2);
  expect(stdout).toMatch(/out_of_memory: the run used more than its 160 MB heap, so it stopped/);
  const report = reportOf(`${kind}.postman_collection.json`);
  expect(report.status).toBe('errored');
  expect(report.warnings).toEqual([expect.stringMatching(/^out_of_memory: /)]);
  // Read back by its code, never by its wording (the CLI's exit 2 comes from it).
  expect(report.warningCodes).toEqual({ out_of_memory: report.warnings[0] });
  expect(report.hint).toMatch(/ran out of memory/);
  // The request whose script ran out of memory is named; what ran before it is kept.
  expect(report.failures).toEqual([expect.objectContaining({ kind: 'script_error', request: 'hog', message: expect.stringMatching(/^out_of_memory: /) })]);
  expect(report.stats.assertions).toMatchObject({ total: 1, failed: 0 });
}, 120_000);

it('CLI: a huge string is a RangeError in its script, as in newman, and the run goes on', async () => {
  const { code } = await run('string.postman_collection.json', LIMIT);
  expect(code).toBe(1);
  const report = reportOf('string.postman_collection.json');
  expect(report.failures).toEqual([expect.objectContaining({ kind: 'script_error', request: 'hog', message: expect.stringMatching(/RangeError: Invalid string length/) })]);
  expect(report.stats.assertions).toMatchObject({ total: 2, failed: 0 });
}, 120_000);

it('CLI: a script that never ends is stopped by the script timeout and the run goes on; without one, the run timeout ends the run', async () => {
  const stopped = await run('loop.postman_collection.json', {}, ['--timeout-script', '300']);
  expect(stopped.code).toBe(1);
  const report = reportOf('loop.postman_collection.json');
  expect(report.failures).toEqual([expect.objectContaining({ kind: 'script_error', request: 'hog' })]);
  // The request after it ran, its test in a context booted afresh.
  expect(report.stats.assertions).toMatchObject({ total: 2, failed: 0 });
  const timedOut = await run('loop.postman_collection.json', {}, ['--timeout', '2000']);
  expect(timedOut.code).toBe(2);
  expect(reportOf('loop.postman_collection.json').status).toBe('timed_out');
}, 120_000);

it('MCP: after each runaway script the server answers the next call, and the next run passes', async () => {
  const saved = process.env.POSTMAN_POWER_RUN_HEAP_MB;
  process.env.POSTMAN_POWER_RUN_HEAP_MB = LIMIT.POSTMAN_POWER_RUN_HEAP_MB;
  // A server of its own (not the file's shared processes): the limit is read when its processes start.
  const pair = await connectPair({ env: {}, cwd: ws.dir, watchConfig: false, workers: undefined });
  try {
    for (const [collection, args] of [
      ['objects', {}],
      ['fill', {}],
      ['loop', { run_timeout_ms: 2000 }],
    ] as const) {
      const result = await pair.call('run_collection', { collection: `${collection}.postman_collection.json`, check_health: false, ...args });
      const text = textOf(result);
      if (collection === 'loop') expect(text).toMatch(/timed_out|timed out/i);
      else expect(text).toMatch(/out_of_memory/);
      const next = await pair.call('run_collection', { collection: 'pass.postman_collection.json', check_health: false });
      expect(textOf(next)).toMatch(/^Run passed/m);
    }
  } finally {
    await pair.close();
    if (saved === undefined) delete process.env.POSTMAN_POWER_RUN_HEAP_MB;
    else process.env.POSTMAN_POWER_RUN_HEAP_MB = saved;
  }
}, 180_000);

describe('heap limits sized from the run', () => {
  it("measures a collection as JSON.stringify would write it, without writing it (200 cases each)", () => {
    // Any JSON, strings with every code unit (escapes, control characters, lone surrogates).
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => jsonLength(value) === JSON.stringify(value).length), { numRuns: 200 });
    // What JSON.parse never gives but a caller might: left-out members, nulls in arrays, toJSON, non-finite numbers.
    const odd = fc.dictionary(fc.string(), fc.oneof(fc.constant(undefined), fc.constant(() => 1), fc.constant(Number.NaN), fc.constant(-Infinity), fc.date({ noInvalidDate: true }), fc.array(fc.oneof(fc.constant(undefined), fc.integer(), fc.constant(Symbol('s'))))));
    fc.assert(fc.property(odd, (value) => jsonLength(value) === JSON.stringify(value).length), { numRuns: 200 });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(jsonLength(cyclic)).toBe(Number.POSITIVE_INFINITY);
  });

  const MB = 1024 * 1024;
  const requests = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `r${i}`, request: { method: 'GET', url: `{{baseUrl}}/r${i}` } }));
  const sized = (extra: Partial<RunInput> = {}): RunInput => ({ ...DEFAULT_RUN_OPTIONS, collection: { info: { name: 'Sized', schema: SCHEMA }, item: requests(3) }, source: { kind: 'local', ref: 'sized.json' }, root: ws.dir, envVars: { baseUrl: backend.url }, ...extra });

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

  it('a run process holds the run and its scripts; the environment variables set a limit outright', () => {
    expect(runProcessHeapMb(sized())).toBe(runHeapMb(sized()) + scriptHeapMb(sized()));
    expect(warmProcessHeapMb()).toBe(WARM_HEAP_MB + scriptHeapMb());
    const saved = { ...process.env };
    try {
      process.env.POSTMAN_POWER_RUN_HEAP_MB = '300';
      process.env.POSTMAN_POWER_SCRIPT_HEAP_MB = '64';
      expect(runHeapMb(sized({ maxResponseBytes: 10 * 1024 * MB }))).toBe(300);
      expect(runProcessHeapMb(sized({ maxResponseBytes: 10 * 1024 * MB }))).toBe(300);
      expect(warmProcessHeapMb()).toBe(300);
      expect(scriptHeapMb({ maxResponseBytes: 10 * 1024 * MB })).toBe(64);
    } finally {
      process.env = saved;
    }
  });

  it('a run process gets the limit sized for its run: a script keeping 640 MB passes where a warm process would stop it', async () => {
    const script = runProcessScript();
    if (!script) throw new Error('the run process is not built');
    const runner = new ProcessRunner(script);
    const keep640 = 'const kept = []; for (let i = 0; i < 80; i++) kept.push(new Array(1e6).fill(i + 0.5)); pm.test(\'kept\', () => pm.expect(kept.length).to.eql(80));';
    // 857 MB: room above the 640 MB kept, so a busy machine's late collections do not reach it.
    const input = sized({ maxResponseBytes: 100 * MB });
    input.collection.item = [{ name: 'hog', request: { method: 'GET', url: '{{baseUrl}}/hog' }, event: [{ listen: 'test', script: { exec: [keep640] } }] }];
    try {
      expect(scriptHeapMb(input)).toBe(256 + 6 * 100 + 1);
      const summary = await runner.start(input).promise;
      expect(summary.warnings).toEqual([]);
      expect(summary.stats.assertions).toMatchObject({ total: 1, failed: 0 });
      expect(summary.status).toBe('passed');
    } finally {
      await runner.close();
    }
  }, 60_000);

  it('a run that needs more than a warm process holds gets a process of its own size; a run that fits takes the warm one', async () => {
    const script = runProcessScript();
    if (!script) throw new Error('the run process is not built');
    const limits: number[] = [];
    class Observed extends ProcessRunner {
      protected spawn(heapMb?: number): WarmProcess {
        const spawned = super.spawn(heapMb);
        limits.push(Number(/--max-old-space-size=(\d+)/.exec(spawned.child.spawnargs.join(' '))?.[1] ?? -1));
        return spawned;
      }
    }
    const runner = new Observed(script);
    try {
      runner.prewarm();
      await runner.idle();
      expect(limits).toEqual([warmProcessHeapMb()]);
      const small = await runner.start(sized()).promise;
      expect(small.stats.requests).toMatchObject({ total: 3, failed: 0 });
      expect(limits).toEqual([warmProcessHeapMb()]);
      const big = sized({ maxResponseBytes: 200 * MB });
      expect(runProcessHeapMb(big)).toBeGreaterThan(warmProcessHeapMb());
      const summary = await runner.start(big).promise;
      expect(summary.stats.requests).toMatchObject({ total: 3, failed: 0 });
      expect(limits).toEqual([warmProcessHeapMb(), runProcessHeapMb(big)]);
    } finally {
      await runner.close();
    }
  }, 60_000);
});
