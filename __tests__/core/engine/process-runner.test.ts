// The pool of warm run processes and how they start: one that fails while idle leaves it; after a run in lanes over two
// processes, two are kept warm, so the next parallel run does not wait for a process to boot when one
// was retired or failed in between.
import os from 'node:os';
import path from 'node:path';
import { runProcessScript, spawnRunProcess, type WarmProcess } from '../../../src/core/engine/run-process-spawn.js';
import { ProcessRunner } from '../../../src/core/engine/process-runner.js';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/runs/options.js';
import type { RunInput } from '../../../src/core/runs/run-input.js';
import { startServer, type TestServer } from '../../support/http-server.js';

let backend: TestServer;
beforeAll(async () => {
  backend = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
afterAll(() => backend.close());

/** A runner that keeps every process it spawns, and says how many are warm. */
class Watched extends ProcessRunner {
  readonly spawned: WarmProcess[] = [];
  protected spawn(heapMb?: number): WarmProcess {
    const started = super.spawn(heapMb);
    this.spawned.push(started);
    return started;
  }
  get warm(): number {
    return this.idleProcesses.length;
  }
}

it('a pooled process that fails while idle leaves the pool, the server lives, and the next run gets a new process', async () => {
  const runner = new Watched(path.resolve('__tests__/support/late-throw-process.mjs'));
  try {
    runner.prewarm();
    await new Promise((resolve) => runner.spawned[0].child.once('exit', resolve));
    await runner.idle();
    expect(runner.spawned.length).toBe(2);
  } finally {
    await runner.close();
  }
});

const folder = (name: string) => ({ name, item: [{ name: `${name}-1`, request: { method: 'GET', url: `${backend.url}/${name}` } }] });
const input = (): RunInput => ({ ...DEFAULT_RUN_OPTIONS, collection: { info: { name: 'Lanes' }, item: [folder('A'), folder('B')] }, source: { kind: 'local', ref: 'lanes' }, root: process.cwd() });

// Lanes go to as many processes as cores: one core has nothing to keep warm for.
(os.availableParallelism() >= 2 ? it : it.skip)('after a run over two processes, one that fails while idle is replaced at once and the next parallel run boots nothing', async () => {
  const runner = new Watched(runProcessScript()!);
  const { spawned } = runner;
  try {
    const first = await runner.start(input(), 2).promise;
    expect(first.stats.requests).toEqual({ total: 2, failed: 0 });
    await runner.idle();
    expect(spawned.length).toBe(2);
    expect(runner.warm).toBe(2);
    const failing = spawned[0].child;
    failing.kill('SIGKILL');
    await new Promise((resolve) => (failing.exitCode !== null || failing.signalCode !== null ? resolve(undefined) : failing.once('exit', resolve)));
    await runner.idle();
    expect(spawned.length).toBe(3);
    expect(runner.warm).toBe(2);
    const second = await runner.start(input(), 2).promise;
    expect(second.stats.requests).toEqual({ total: 2, failed: 0 });
    expect(spawned.length).toBe(3);
  } finally {
    await runner.close();
  }
}, 60_000);

it("run processes start with V8's memory reducer off (a warm heap is kept for the run after a pause), on again with POSTMAN_POWER_MEMORY_REDUCER=on", () => {
  const flags = (env?: string) => {
    const before = process.env.POSTMAN_POWER_MEMORY_REDUCER;
    if (env === undefined) delete process.env.POSTMAN_POWER_MEMORY_REDUCER;
    else process.env.POSTMAN_POWER_MEMORY_REDUCER = env;
    const started = spawnRunProcess(path.resolve('__tests__/support/late-throw-process.mjs'), 64);
    try {
      return started.child.spawnargs;
    } finally {
      started.child.kill('SIGKILL');
      if (before === undefined) delete process.env.POSTMAN_POWER_MEMORY_REDUCER;
      else process.env.POSTMAN_POWER_MEMORY_REDUCER = before;
    }
  };
  expect(flags()).toContain('--no-memory-reducer');
  expect(flags('on')).not.toContain('--no-memory-reducer');
});
