// run_collection as an MCP task (protocol revision 2025-11-25): a client that asks gets a task at
// once, reads its progress with tasks/get, its result with tasks/result (the answer a blocking call
// gives), stops it with tasks/cancel; a client that does not ask keeps wait_ms / get_run. Driven by
// the SDK's own client, and on the wire as raw JSON-RPC. No timing: the backend holds each request
// until the test lets it go.
import { CallToolResultSchema, CreateTaskResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { connectPair, type ConnectedPair } from '../support/mcp-client.js';
import { INITIALIZE, spawnServer } from '../support/raw-stdio.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

/** A backend whose /held requests wait until released; it says when one arrives and when one is dropped. */
class HeldBackend {
  server!: TestServer;
  private waiting: Array<() => void> = [];
  private arrivals: Array<() => void> = [];
  private drops: Array<() => void> = [];
  async start(): Promise<void> {
    this.server = await startServer((req: IncomingMessage, res: ServerResponse) => {
      if (!req.url?.startsWith('/held')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"ok":true}');
      }
      res.on('close', () => {
        if (!res.writableEnded) for (const dropped of this.drops.splice(0)) dropped();
      });
      this.waiting.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
      this.arrivals.shift()?.();
    });
  }
  /** Resolves when a held request has arrived (now, if one is waiting). */
  arrived(): Promise<void> {
    return this.waiting.length ? Promise.resolve() : new Promise((resolve) => this.arrivals.push(resolve));
  }
  /** Resolves when a held request's connection is closed before its answer (the run was stopped). */
  dropped(): Promise<void> {
    return new Promise((resolve) => this.drops.push(resolve));
  }
  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

let backend: HeldBackend;
let ws: TempWorkspace;
beforeAll(async () => {
  backend = new HeldBackend();
  await backend.start();
  ws = createTempWorkspace('Test_Task5_');
  const request = (name: string, url: string, test: string) => ({ name, request: { method: 'GET', url }, event: [{ listen: 'test', script: { exec: [test] } }] });
  ws.write('held.postman_collection.json', {
    info: { name: 'Held', schema: SCHEMA },
    item: [
      request('first', `${backend.server.url}/ok`, "pm.test('ok', () => pm.response.to.have.status(200));"),
      request('held', `${backend.server.url}/held`, "pm.test('held ok', () => pm.response.to.have.status(200));"),
      request('last', `${backend.server.url}/ok`, "pm.test('fails on purpose', () => pm.expect(1).to.eql(2));"),
    ],
  });
});
afterAll(async () => {
  backend.releaseAll();
  ws.cleanup();
  await backend.server.close();
});

const ARGS = { collection: 'held.postman_collection.json', check_health: false };

describe('an SDK client', () => {
  let pair: ConnectedPair;
  beforeEach(async () => {
    pair = await connectPair({ cwd: ws.dir, watchConfig: false });
  });
  afterEach(async () => {
    backend.releaseAll();
    await pair.close();
  });

  it('lists run_collection with taskSupport "optional" and the server declares tasks', async () => {
    expect(pair.client.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await pair.client.listTools();
    expect(tools.find((tool) => tool.name === 'run_collection')?.execution).toEqual({ taskSupport: 'optional' });
    expect(tools.filter((tool) => tool.execution).map((tool) => tool.name)).toEqual(['run_collection']);
  });

  it('creates a task at once, reports progress while the run works, gives the blocking call\'s answer as its result', async () => {
    const arrived = backend.arrived();
    const created = await pair.client.request({ method: 'tools/call', params: { name: 'run_collection', arguments: ARGS, task: { ttl: 60_000 } } }, CreateTaskResultSchema);
    expect(created.task).toMatchObject({ status: 'working', pollInterval: expect.any(Number), createdAt: expect.any(String) });
    const { taskId } = created.task;
    await arrived;
    // The run's process tells the server over IPC, the backend sees the request over TCP: poll as a client would.
    let working = await pair.client.experimental.tasks.getTask(taskId);
    while (!working.statusMessage?.includes('now: held')) working = await pair.client.experimental.tasks.getTask(taskId);
    expect(working.status).toBe('working');
    expect(working.statusMessage).toMatch(/^Run [0-9a-f]+: 1\/3 requests done; now: held\.$/);
    expect((await pair.client.experimental.tasks.listTasks()).tasks.map((task) => task.taskId)).toContain(taskId);

    backend.releaseAll();
    const result = (await pair.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema)) as CallToolResult;
    const summary = RunSummarySchema.parse(result.structuredContent);
    expect(summary).toMatchObject({ status: 'failed', stats: { requests: { total: 3 }, assertions: { total: 3, failed: 1 } } });
    // A failing run is a result, not an error: the task completed.
    expect(result.isError).toBeFalsy();
    expect((await pair.client.experimental.tasks.getTask(taskId)).status).toBe('completed');

    // The same answer a blocking call gives, but for the run's own id, times and since-last.
    const blocking = pair.call('run_collection', ARGS);
    await backend.arrived();
    backend.releaseAll();
    const plain = RunSummarySchema.parse((await blocking).structuredContent);
    const comparable = ({ runId: _r, startedAt: _s, endedAt: _e, durationMs: _d, sinceLast: _l, ...rest }: typeof summary) => JSON.parse(JSON.stringify(rest, (key, value) => (key === 'timeMs' ? undefined : value)));
    expect(comparable(summary)).toEqual(comparable(plain));
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Run failed/) });
  }, 60_000);

  it('tasks/cancel stops the run: the held request is dropped, the task is cancelled, its result is the stopped run', async () => {
    const arrived = backend.arrived();
    const { task } = await pair.client.request({ method: 'tools/call', params: { name: 'run_collection', arguments: ARGS, task: {} } }, CreateTaskResultSchema);
    await arrived;
    const dropped = backend.dropped();
    const cancelled = await pair.client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    const result = (await pair.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(RunSummarySchema.parse(result.structuredContent).status).toBe('cancelled');
    await dropped;
    expect((await pair.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
    // A finished task cannot be cancelled again.
    await expect(pair.client.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/terminal status/);
  }, 60_000);

  it('a task whose arguments are wrong fails with the same error a blocking call gives', async () => {
    const { task } = await pair.client.request({ method: 'tools/call', params: { name: 'run_collection', arguments: { collection: 'missing.json', check_health: false }, task: {} } }, CreateTaskResultSchema);
    const result = (await pair.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: { code: 'file_not_found' } });
    expect((await pair.client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
    const unknown = await pair.client.request({ method: 'tools/call', params: { name: 'run_collection', arguments: { folder: 'x' }, task: {} } }, CreateTaskResultSchema);
    const refused = (await pair.client.experimental.tasks.getTaskResult(unknown.task.taskId, CallToolResultSchema)) as CallToolResult;
    expect(refused.structuredContent).toMatchObject({ error: { code: 'invalid_argument', message: expect.stringMatching(/Unknown argument.*"folder"/) } });
  }, 60_000);

  it('a tool without task support refuses a task with -32601; a client that does not ask for a task keeps wait_ms and get_run', async () => {
    await expect(pair.client.request({ method: 'tools/call', params: { name: 'activate_power', arguments: {}, task: {} } }, CreateTaskResultSchema)).rejects.toThrow(/does not run as a task/);
    const arrived = backend.arrived();
    const running = await pair.call('run_collection', { ...ARGS, wait_ms: 0 });
    const summary = RunSummarySchema.parse(running.structuredContent);
    expect(summary.status).toBe('running');
    await arrived;
    backend.releaseAll();
    const done = RunSummarySchema.parse((await pair.call('get_run', { run_id: summary.runId, wait_ms: 60_000 })).structuredContent);
    expect(done.status).toBe('failed');
  }, 60_000);
});

it('on the wire: the task messages as the 2025-11-25 revision writes them', async () => {
  const server = spawnServer(ws.dir);
  try {
    server.send({ ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion: '2025-11-25' } });
    const init = await server.waitFor((m) => m.id === 'init');
    expect(init.result.capabilities.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    server.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
    const listed = await server.waitFor((m) => m.id === 'list');
    expect(listed.result.tools.find((tool: { name: string }) => tool.name === 'run_collection').execution).toEqual({ taskSupport: 'optional' });

    const arrived = backend.arrived();
    server.send({ jsonrpc: '2.0', id: 'call', method: 'tools/call', params: { name: 'run_collection', arguments: ARGS, task: { ttl: 60_000 } } });
    const created = await server.waitFor((m) => m.id === 'call');
    expect(created.result).toEqual({ task: { taskId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 'working', statusMessage: expect.any(String), ttl: null, createdAt: expect.any(String), lastUpdatedAt: expect.any(String), pollInterval: 1000 } });
    const { taskId } = created.result.task;
    await arrived;
    let got: Record<string, any> = {};
    for (let poll = 0; !/now: held/.test(got.statusMessage ?? ''); poll += 1) {
      server.send({ jsonrpc: '2.0', id: `get-${poll}`, method: 'tasks/get', params: { taskId } });
      got = (await server.waitFor((m) => m.id === `get-${poll}`)).result;
    }
    expect(got).toMatchObject({ taskId, status: 'working', statusMessage: expect.stringMatching(/^Run [0-9a-f]+: 1\/3 requests done; now: held\.$/) });

    server.send({ jsonrpc: '2.0', id: 'result', method: 'tasks/result', params: { taskId } });
    backend.releaseAll();
    const result = await server.waitFor((m) => m.id === 'result', 60_000);
    expect(result.result._meta[RELATED_TASK]).toEqual({ taskId });
    expect(result.result.structuredContent).toMatchObject({ status: 'failed' });
    const status = await server.waitFor((m) => m.method === 'notifications/tasks/status' && m.params.taskId === taskId);
    expect(status.params).toMatchObject({ taskId, status: 'completed' });

    server.send({ jsonrpc: '2.0', id: 'gone', method: 'tasks/get', params: { taskId: 'nope' } });
    expect((await server.waitFor((m) => m.id === 'gone')).error).toMatchObject({ code: -32602 });
    expect(server.junk).toEqual([]);
  } finally {
    await server.close();
  }
}, 90_000);
