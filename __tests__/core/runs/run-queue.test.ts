// Runs share the machine: at most one run worker per core executes at once (lanes counted), the rest
// wait as `queued` — visible, and cancellable while they wait. Twenty runs on a machine kept busy by
// two CPU-burning processes all pass: queued, not errored by a sandbox boot timeout.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { RunQueue } from '../../../src/core/runs/run-queue.js';
import type { RunInput } from '../../../src/core/runs/run-input.js';
import type { RunHandle } from '../../../src/core/runs/run-lifecycle.js';
import { RunSummarySchema, type RunSummary } from '../../../src/core/results/summary.js';
import { connectPair } from '../../support/mcp-client.js';
import { createRunWorkspace, type RunWorkspace } from '../../support/run-workspace.js';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/runs/options.js';

const input = (): RunInput & { runId: string } => ({
  ...DEFAULT_RUN_OPTIONS,
  runId: randomUUID(),
  collection: { info: { name: 'Q' }, item: [{ name: 'one', request: 'http://127.0.0.1:9/' }] },
  source: { kind: 'local', ref: 'q.json' },
  root: '/',
});

/** A run handle the test finishes by hand. */
function manualRun(id: string): RunHandle & { finish(): void } {
  let resolve: (summary: RunSummary) => void = () => undefined;
  const promise = new Promise<RunSummary>((r) => (resolve = r));
  const summary = { runId: id, status: 'passed' } as RunSummary;
  return { id, promise, snapshot: () => summary, cancel: () => resolve({ ...summary, status: 'cancelled' }), records: () => [], onProgress: () => () => undefined, finish: () => resolve(summary) };
}

describe('RunQueue', () => {
  it('starts runs in order as slots free; the rest are queued and can be cancelled without ever starting', async () => {
    const queue = new RunQueue(1);
    const started: string[] = [];
    const runs = new Map<string, ReturnType<typeof manualRun>>();
    const begin = (id: string) => () => {
      started.push(id);
      const run = manualRun(id);
      runs.set(id, run);
      return run;
    };
    const [a, b, c] = [input(), input(), input()];
    const first = queue.enqueue(a, 1, begin('a'));
    const second = queue.enqueue(b, 1, begin('b'));
    const third = queue.enqueue(c, 1, begin('c'));
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual(['a']);
    expect(second.snapshot().status).toBe('queued');
    expect(queue.queued).toBe(2);
    second.cancel('not needed');
    expect((await second.promise).status).toBe('cancelled');
    runs.get('a')!.finish();
    expect((await first.promise).status).toBe('passed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'c']);
    runs.get('c')!.finish();
    expect((await third.promise).status).toBe('passed');
  });

  it('a run wider than the machine takes every slot, and others wait for it', async () => {
    const queue = new RunQueue(2);
    const started: string[] = [];
    const wide = manualRun('wide');
    queue.enqueue(input(), 8, () => (started.push('wide'), wide));
    queue.enqueue(input(), 1, () => (started.push('narrow'), manualRun('narrow')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['wide']);
    wide.finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started).toEqual(['wide', 'narrow']);
  });
});

describe('twenty runs on a busy machine', () => {
  let rw: RunWorkspace;
  const burners: ChildProcess[] = [];
  beforeAll(async () => {
    rw = await createRunWorkspace('Test_Task5_');
    rw.ws.write('postman/collections/small.postman_collection.json', {
      info: { name: 'Small' },
      item: [1, 2].map((n) => ({
        name: `r${n}`,
        request: { method: 'GET', url: '{{baseUrl}}/health' },
        event: [{ listen: 'test', script: { exec: ["pm.test('200', () => pm.response.to.have.status(200));"] } }],
      })),
    });
    for (let i = 0; i < 2; i += 1) burners.push(spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }));
  });
  afterAll(async () => {
    for (const burner of burners) burner.kill('SIGKILL');
    await rw.close();
  });

  it('all pass; those beyond the cores wait as queued', async () => {
    const pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false, runSlots: 2 });
    try {
      const started = await Promise.all(
        Array.from({ length: 20 }, () => pair.call('run_collection', { collection: 'postman/collections/small.postman_collection.json', check_health: false, wait_ms: 0 })),
      );
      const first = started.map((result) => RunSummarySchema.parse(result.structuredContent));
      expect(first.filter((summary) => summary.status === 'queued').length).toBeGreaterThan(0);
      const finals = await Promise.all(
        first.map(async (summary) => {
          for (;;) {
            const polled = RunSummarySchema.parse((await pair.client.callTool({ name: 'get_run', arguments: { run_id: summary.runId, wait_ms: 30_000 } }, undefined, { timeout: 120_000 })).structuredContent);
            if (polled.status !== 'running' && polled.status !== 'queued') return polled;
          }
        }),
      );
      expect(finals.map((summary) => summary.status)).toEqual(Array(20).fill('passed'));
    } finally {
      await pair.close();
    }
  }, 240_000);
});
