// Load: 20 concurrent run_collection calls on one connection, each with its own environment value
// echoed by the backend — no cross-talk, all complete. Cancel leaves no sockets or timers behind.
import path from 'node:path';
import { connectPair, type ConnectedPair } from '../../support/mcp-client.js';
import { createRunWorkspace, type RunWorkspace } from '../../support/run-workspace.js';
import { RunSummarySchema } from '../../../src/core/results/summary.js';
import { CHAIN_SCRIPT } from '../../support/cross-talk.js';

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
            // Run-specific values written to every scope and read back by the next request.
            exec: CHAIN_SCRIPT,
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
  const summaries = results.map((result) => RunSummarySchema.parse(result.structuredContent));
  expect(summaries.map((s) => s.status)).toEqual(markers.map(() => 'passed'));
  expect(summaries.every((s) => s.stats.assertions.total === 12 && s.stats.requests.total === 3)).toBe(true);
  expect(new Set(summaries.map((s) => s.runId)).size).toBe(20);
}, 180_000);

it('cancel during an in-flight slow request ends it and leaves no sockets, timers or workers behind', async () => {
  rw.ws.write('postman/collections/slow1.postman_collection.json', { info: { name: 'Slow' }, item: [{ name: 'Slow', request: '{{baseUrl}}/slow?ms=10000' }] });
  rw.ws.write('.postman.json', { baseUrl: rw.backend.url, collection: 'postman/collections/slow1.postman_collection.json' });
  // In a process of its own: it exits by itself only if nothing of the cancelled runs is left
  // (a ref'd socket, timer or worker would keep it alive until the test's timeout).
  const { execFile } = await import('node:child_process');
  const code = await new Promise<number | null>((resolve) => {
    const child = execFile(process.execPath, [path.resolve('__tests__/support/cancel-and-exit.mjs'), rw.ws.dir, 'postman/collections/slow1.postman_collection.json'], { timeout: 60_000 }, () => undefined);
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  expect(code).toBe(0);
  // The backend saw the in-flight requests' sockets close rather than waiting out the 10 s.
  const open = await new Promise<number>((resolve) => rw.backend.server.getConnections((_error, count) => resolve(count)));
  expect(open).toBe(0);
}, 90_000);
