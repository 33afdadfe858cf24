// Load: 20 concurrent run_collection calls on one connection, each with its own environment value
// echoed by the backend — no cross-talk, all complete. Cancel leaves no sockets or timers behind.
import { connectPair, type ConnectedPair } from '../support/mcp-client.js';
import { createRunWorkspace, type RunWorkspace } from '../support/run-workspace.js';
import type { RunSummary } from '../../src/core/runner/summary.js';

let rw: RunWorkspace;
let pair: ConnectedPair;
beforeAll(async () => {
  rw = await createRunWorkspace('Test_Task5_');
  rw.ws.write('postman/collections/echo.postman_collection.json', {
    info: { name: 'Echo' },
    item: [1, 2, 3].map((n) => ({
      name: `Echo ${n}`,
      request: { method: 'GET', url: '{{baseUrl}}/echo?marker={{marker}}', header: [{ key: 'X-Marker', value: '{{marker}}' }] },
      event: [
        {
          listen: 'test',
          script: {
            exec: [
              "const body = pm.response.json();",
              "pm.test('own header', () => pm.expect(body.headers['x-marker']).to.eql(pm.environment.get('marker')));",
              "pm.test('own query', () => pm.expect(body.query.marker).to.eql(pm.environment.get('marker')));",
              "pm.environment.set('last', body.query.marker);",
            ],
          },
        },
      ],
    })),
  });
  pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
});
afterAll(async () => {
  await pair.close();
  await rw.close();
});

it('20 concurrent runs on one connection: all complete, no cross-talk', async () => {
  const markers = Array.from({ length: 20 }, (_, i) => `marker-${i}`);
  const results = await Promise.all(
    markers.map((marker) => pair.call('run_collection', { collection: 'postman/collections/echo.postman_collection.json', env_vars: { marker }, wait_ms: 120_000, detail: 'full' })),
  );
  const summaries = results.map((result) => result.structuredContent as unknown as RunSummary);
  expect(summaries.map((s) => s.status)).toEqual(markers.map(() => 'passed'));
  expect(summaries.every((s) => s.stats.assertions.total === 6 && s.stats.requests.total === 3)).toBe(true);
  expect(new Set(summaries.map((s) => s.runId)).size).toBe(20);
}, 180_000);

it('cancel during an in-flight slow request returns promptly and leaves no sockets or timers', async () => {
  rw.ws.write('postman/collections/slow1.postman_collection.json', { info: { name: 'Slow' }, item: [{ name: 'Slow', request: '{{baseUrl}}/slow?ms=10000' }] });
  for (const isolation of ['worker', 'inline'] as const) {
    const local = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false, isolation });
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const started = (await local.call('run_collection', { collection: 'postman/collections/slow1.postman_collection.json', wait_ms: 800 })).structuredContent as unknown as RunSummary;
    expect(started.status).toBe('running');
    const t0 = Date.now();
    const cancelled = (await local.call('run_collection', { run_id: started.runId, cancel: true })).structuredContent as unknown as RunSummary;
    expect(cancelled.status).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(2000);
    await local.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    expect(sockets).toBeLessThanOrEqual(before);
  }
  // The backend saw the in-flight requests' sockets close rather than waiting out the 10 s.
  const open = await new Promise<number>((resolve) => rw.backend.server.getConnections((_error, count) => resolve(count)));
  expect(open).toBe(0);
}, 30_000);
