// Faults: the Postman API resetting, hanging, failing in storms and rate-limiting in bursts; the
// backend killed mid-run, hanging, and the run-level timeout. Each ends in a clear result, the server
// lives, and nothing is lost.
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { startFakePostmanApi, type FakePostmanApi } from '../support/fake-postman-api.js';
import { startServer } from '../support/http-server.js';
import { createRunWorkspace, type RunWorkspace } from '../support/run-workspace.js';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { ProcessRunner } from '../../src/core/engine/process-runner.js';
import { DEFAULT_RUN_OPTIONS } from '../../src/core/runs/options.js';
import { createTempWorkspace } from '../support/temp-workspace.js';
import { tools } from '../../src/tools/index.js';

const API_KEY = 'PMAK-faults-0000000000000000-000000000000000000000000000000000f';
const UID = '12345678-5b7c3e2a-1f0d-4c1e-9d3e-2a1b0c9d8e7f';

let rw: RunWorkspace;
let api: FakePostmanApi;
let pair: ConnectedPair;
beforeEach(async () => {
  rw = await createRunWorkspace('Test_Task5_');
  api = await startFakePostmanApi({ apiKey: API_KEY });
  api.collections.set(UID, { info: { name: 'Cloud' }, item: [{ name: 'Health', request: '{{baseUrl}}/health' }] });
  pair = await connectPair({ env: { POSTMAN_API_KEY: API_KEY, POSTMAN_API_BASE_URL: api.url }, cwd: rw.ws.dir, watchConfig: false, api: { timeoutMs: 500 } });
});
afterEach(async () => {
  await pair.close();
  await api.close();
  await rw.close();
});

describe('the Postman API', () => {
  it.each([
    ['resets on every attempt', () => api.fault('GET /collections/:id', ...Array(4).fill({ reset: true })), 'network_error', 4],
    ['hangs', () => api.fault('GET /collections/:id', { hang: true }), 'timeout', 1],
    ['a 5xx storm', () => api.fault('GET /collections/:id', ...Array(4).fill({ status: 503, body: { error: { name: 'serviceUnavailable', message: 'down' } } })), 'upstream_error', 4],
  ] as const)('%s → %s, then the next call works', async (_label, arrange, code, attempts) => {
    arrange();
    const text = textOf(await pair.call('get_collection', { collection: UID }));
    expect(text).toMatch(new RegExp(`^${code}: `));
    expect(api.log).toHaveLength(attempts);
    expect((await pair.call('get_collection', { collection: UID })).isError).toBeFalsy();
  }, 30_000);

  it('a 429 burst with short Retry-After is ridden out', async () => {
    api.fault('GET /collections/:id', ...Array(2).fill({ status: 429, body: { error: 'rateLimited', message: 'slow down' }, headers: { 'retry-after': '0' } }));
    expect((await pair.call('get_collection', { collection: UID })).isError).toBeFalsy();
    expect(api.log).toHaveLength(3);
  });
});

describe('the backend', () => {
  it('killed mid-run: the run ends with each request\'s error and the server lives', async () => {
    const item = (n: number) => ({ name: `Slow ${n}`, request: '{{baseUrl}}/slow?ms=200', event: [{ listen: 'test', script: { exec: ["pm.test('ok', () => pm.response.to.have.status(200));"] } }] });
    rw.ws.write('postman/collections/dying.postman_collection.json', { info: { name: 'Dying' }, item: [1, 2, 3, 4, 5].map(item) });
    // Kill the backend once the second request reached it (an event, not a sleep).
    let seen = 0;
    const second = new Promise<void>((resolve) => rw.backend.server.on('request', (req) => req.url?.startsWith('/slow') && ++seen === 2 && resolve()));
    const first = RunSummarySchema.parse((await pair.call('run_collection', { collection: 'postman/collections/dying.postman_collection.json', wait_ms: 0 })).structuredContent);
    await second;
    await rw.backend.close();
    const done = RunSummarySchema.parse((await pair.call('get_run', { run_id: first.runId, wait_ms: 20_000 })).structuredContent);
    expect(done.status).toBe('errored');
    expect(done.stats.requests.total).toBe(5);
    expect(done.failures.filter((f) => f.kind === 'request_error').length).toBeGreaterThanOrEqual(1);
    expect(done.failures.filter((f) => f.kind === 'request_error').every((f) => /ECONNREFUSED|ECONNRESET|socket hang up/.test(f.message))).toBe(true);
    expect((await pair.client.listTools()).tools).toHaveLength(tools.length);
  }, 30_000);

  it('hanging: each request hits the request timeout', async () => {
    const hanging = await startServer(() => undefined);
    try {
      rw.ws.write('postman/collections/hang.postman_collection.json', { info: { name: 'Hang' }, item: [{ name: 'Hang', request: `${hanging.url}/x` }] });
      const summary = RunSummarySchema.parse((await pair.call('run_collection', { collection: 'postman/collections/hang.postman_collection.json', request_timeout_ms: 300, check_health: false })).structuredContent);
      expect(summary.status).toBe('errored');
      expect(summary.failures[0].message).toMatch(/timed out|ETIMEDOUT|ESOCKETTIMEDOUT/);
    } finally {
      await hanging.close();
    }
  });

  it('the run-level timeout stops a run and keeps what it did', async () => {
    rw.ws.write('postman/collections/long.postman_collection.json', {
      info: { name: 'Long' },
      // Two minutes: only the run timeout (not the request's end) lets the call answer within the test's time.
      item: [{ name: 'Quick', request: '{{baseUrl}}/health' }, { name: 'Long', request: '{{baseUrl}}/slow?ms=120000' }],
    });
    const summary = RunSummarySchema.parse((await pair.call('run_collection', { collection: 'postman/collections/long.postman_collection.json', run_timeout_ms: 1500 })).structuredContent);
    expect(summary.status).toBe('timed_out');
    expect(summary.hint).toContain('run_timeout_ms');
  });
});

it('a run process whose engine bundle is missing fails its run with what to do', async () => {
  // The loader alone, in a folder without dist/run-process.cjs beside it (a broken install).
  const lonely = createTempWorkspace('Test_Task5_');
  const loader = path.join(lonely.dir, 'run-process-loader.cjs');
  copyFileSync(path.resolve('dist/run-process-loader.cjs'), loader);
  const runner = new ProcessRunner(loader);
  try {
    const summary = await runner.start({ ...DEFAULT_RUN_OPTIONS, collection: { info: { name: 'Lonely', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [{ name: 'r', request: { method: 'GET', url: 'http://127.0.0.1:9/' } }] }, source: { kind: 'local', ref: 'lonely.json' }, root: lonely.dir }).promise;
    expect(summary.status).toBe('errored');
    expect(summary.warnings.join('\n')).toMatch(/could not load its engine \(.*run-process\.cjs: ENOENT\)\. Reinstall postman-power/);
    // Not "a script threw": nothing ran.
    expect(summary.hint).toMatch(/warnings say why/);
  } finally {
    await runner.close();
    lonely.cleanup();
  }
}, 60_000);
