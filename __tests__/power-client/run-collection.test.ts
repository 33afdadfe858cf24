// Plan task 3 (part 2): run_collection over MCP against the test backend, with fixture collections
// covering chained variables, assertions, flow control, data files, folders, bail, timeouts, errors,
// auth, uploads, long runs, cancellation, concurrency, reports and the health gate.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { RunSummarySchema, type RunSummary } from '../../src/core/results/summary.js';
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { closedPort } from '../support/http-server.js';
import { collectionPath, createRunWorkspace, type RunWorkspace } from '../support/run-workspace.js';
import { CHAIN_SCRIPT } from '../support/cross-talk.js';

let rw: RunWorkspace;
let pair: ConnectedPair;

async function setup(config: Record<string, unknown> = {}) {
  rw = await createRunWorkspace('Test_Task3_', config);
  pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
}
afterEach(async () => {
  await pair?.close();
  await rw?.close();
});

async function run(args: Record<string, unknown>): Promise<RunSummary> {
  const result = await pair.call('run_collection', args);
  if (result.isError) throw new Error(textOf(result));
  return RunSummarySchema.parse(result.structuredContent);
}

const failedNames = (summary: RunSummary) => summary.failures.filter((f) => f.kind === 'assertion').map((f) => f.assertion).sort();

describe('results shaped for an agent', () => {
  beforeEach(() => setup());

  it('chains variables across requests and reports failing assertions with expected/actual and the response', async () => {
    const result = await pair.call('run_collection', { collection: collectionPath('crud-chain') });
    expect(result.isError).toBeFalsy();
    const summary = RunSummarySchema.parse(result.structuredContent);
    expect(summary.status).toBe('failed');
    expect(summary.stats).toEqual({ iterations: 1, requests: { total: 4, failed: 0 }, assertions: { total: 11, failed: 2, skipped: 0 }, scriptErrors: 0 });
    expect(failedNames(summary)).toEqual(['status is 200 (fails)', 'wrong count']);
    const wrongCount = summary.failures.find((f) => f.assertion === 'wrong count')!;
    expect(wrongCount).toMatchObject({ kind: 'assertion', folder: 'Users', request: 'List users', method: 'GET', expected: 5, actual: 1 });
    expect(wrongCount.url).toBe(`${rw.backend.url}/users`);
    expect(wrongCount.response).toMatchObject({ code: 200, contentType: 'application/json' });
    expect(wrongCount.response!.bodyExcerpt).toContain('"name":"Grace"');
    const text = textOf(result);
    expect(text).toMatch(/^Run failed: 4 requests, 11 assertions \(2 failed\), [\d.]+ s\.$/m);
    // One line per cause: the assertion and its message, the request with what it answered.
    expect(text).toMatch(/^1\. "wrong count": expected 1 to deeply equal 5 — Users\/List users \[GET [^\]]+ → 200\]$/m);
    expect(summary.causes.map((cause) => cause.assertion)).toEqual(['wrong count', 'status is 200 (fails)']);
    expect(summary.failures[0]).toMatchObject({ assertion: 'wrong count', message: 'expected 1 to deeply equal 5', expected: 5, actual: 1 });
    expect(summary.requests).toBeUndefined();
  });

  it('setNextRequest, pm.execution.skipRequest and pm.test.skip', async () => {
    const summary = await run({ collection: collectionPath('flow-control'), detail: 'full' });
    expect(summary.status).toBe('passed');
    expect(summary.stats.requests.total).toBe(3);
    expect(summary.stats.assertions).toEqual({ total: 4, failed: 0, skipped: 1 });
    expect(summary.requests!.map((r) => r.name)).toEqual(['First', 'Third', 'Skipped by script', 'Last']);
    expect(summary.requests!.find((r) => r.name === 'Skipped by script')?.skipped).toBe(true);
    expect(rw.backend.seen.filter((s) => s === 'GET /users')).toHaveLength(1);
    // detail "full" reaches the JSON the model reads too, not only structuredContent.
    const answer = await pair.call('run_collection', { collection: collectionPath('flow-control'), detail: 'full' });
    expect(JSON.parse((answer.content[1] as { text: string }).text).requests.map((r: { name: string }) => r.name)).toEqual(['First', 'Third', 'Skipped by script', 'Last']);
  });

  it('iterations from a CSV data file', async () => {
    const summary = await run({ collection: collectionPath('iterations'), data: 'data/users.csv' });
    expect(summary.stats.iterations).toBe(3);
    expect(summary.stats.requests.total).toBe(3);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ iteration: 2, assertion: 'expected status', expected: 404, actual: 201 });
  });

  it('folder selection, and an unknown folder lists those that exist', async () => {
    const summary = await run({ collection: collectionPath('crud-chain'), folders: ['Users'] });
    expect(summary.stats.requests.total).toBe(2);
    const unknown = await pair.call('run_collection', { collection: collectionPath('crud-chain'), folders: ['Nope'] });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/^unknown_folder: [\s\S]*Folders: Users/);
  });

  it('bail on failure and bail on error', async () => {
    const onFailure = await run({ collection: collectionPath('bail'), bail: 'failure' });
    expect(onFailure.stats.requests.total).toBe(1);
    const onError = await run({ collection: collectionPath('bail'), bail: 'error' });
    expect(onError.stats.requests.total).toBe(2);
    expect(onError.failures.map((f) => f.kind)).toEqual(['assertion', 'request_error']);
    const noBail = await run({ collection: collectionPath('bail') });
    expect(noBail.stats.requests.total).toBe(3);
  });

  it('a request timeout, a closed port and a script syntax error are errors of their own kind', async () => {
    const port = await closedPort();
    const summary = await run({ collection: collectionPath('errors'), request_timeout_ms: 300, env_vars: { deadPort: String(port) } });
    expect(summary.status).toBe('errored');
    const kinds = summary.failures.map((f) => `${f.request}:${f.kind}`);
    expect(kinds).toEqual(expect.arrayContaining(['Closed port:request_error', 'Syntax error:script_error', 'Slow request:request_error']));
    expect(summary.failures.find((f) => f.request === 'Closed port')!.message).toContain('ECONNREFUSED');
    expect(summary.failures.find((f) => f.request === 'Slow request')!.message).toMatch(/timed out|ETIMEDOUT|ESOCKETTIMEDOUT/);
    expect(summary.stats.scriptErrors).toBe(1);
    expect(summary.stats.requests).toEqual({ total: 4, failed: 2 });
    expect(summary.hint).toContain('check_backend_health');
  });

  it('inherited auth: bearer from the collection, basic from a folder, apikey, noauth', async () => {
    const summary = await run({ collection: collectionPath('auth') });
    expect(summary.failures).toEqual([]);
    expect(summary.status).toBe('passed');
    expect(summary.stats.assertions.total).toBe(4);
  });

  it('a form-data upload of a workspace file; a file outside the workspace is refused', async () => {
    expect((await run({ collection: collectionPath('upload') })).status).toBe('passed');
    const outside = JSON.parse(readFileSync(rw.ws.path(collectionPath('upload')), 'utf8'));
    outside.item[0].request.body.formdata[0].src = '/etc/hostname';
    rw.ws.write('postman/collections/outside.postman_collection.json', outside);
    const refused = await run({ collection: 'postman/collections/outside.postman_collection.json' });
    expect(refused.status).not.toBe('passed');
    expect(JSON.stringify(refused)).toMatch(/outside the workspace root/);
  });

  it('writes JUnit and JSON reports and returns their paths', async () => {
    const summary = await run({ collection: collectionPath('crud-chain'), reporters: ['junit', 'json'] });
    expect(summary.reports?.junit).toMatch(/^\.postman-power\/reports\/run-.*\.xml$/);
    const xml = readFileSync(rw.ws.path(summary.reports!.junit!), 'utf8');
    expect(xml).toContain('<testsuite name="CRUD chain" tests="4" failures="2"');
    expect(xml).toContain('wrong count');
    const json = JSON.parse(readFileSync(rw.ws.path(summary.reports!.json!), 'utf8'));
    expect(json.requests).toHaveLength(4);
  });

  it('secret environment values never appear in results or reports', async () => {
    const summary = await run({ collection: collectionPath('auth'), reporters: ['json'] });
    const everything = JSON.stringify(summary) + readFileSync(rw.ws.path(summary.reports!.json!), 'utf8');
    expect(everything).not.toContain('lovelace');
    expect(everything).not.toContain('test-token');
  });
});

describe('long runs never block', () => {
  beforeEach(() => setup());

  it('a run longer than wait_ms returns running, then completes through polling and the resource', async () => {
    const first = await run({ collection: collectionPath('slow'), env_vars: { slowMs: '150' }, wait_ms: 100 });
    expect(first.status).toBe('running');
    expect(first.progress.total).toBe(5);
    const listed = await pair.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`postman://runs/${first.runId}`);
    // Polling is the read-only get_run (auto-approvable); wait_ms 0 answers at once.
    const now = RunSummarySchema.parse((await pair.call('get_run', { run_id: first.runId, wait_ms: 0 })).structuredContent);
    expect(['running', 'passed']).toContain(now.status);
    const done = RunSummarySchema.parse((await pair.call('get_run', { run_id: first.runId, wait_ms: 20_000 })).structuredContent);
    expect(done.status).toBe('passed');
    expect(done.stats.requests.total).toBe(5);
    const read = await pair.client.readResource({ uri: `postman://runs/${first.runId}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text).status).toBe('passed');
    // The same presenter as the tools: the verdict line.
    expect(read.contents[1]).toMatchObject({ mimeType: 'text/plain', text: expect.stringMatching(/^Run passed: 5 requests/) });
  });

  it('cancel ends an in-flight request at once, with partial results', async () => {
    // The request would take two minutes: only ending it at once lets the cancel answer within the test's time.
    const first = await run({ collection: collectionPath('slow'), env_vars: { slowMs: '120000' }, wait_ms: 200 });
    expect(first.status).toBe('running');
    const cancelled = await run({ run_id: first.runId, cancel: true });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.progress.done).toBe(0);
  });

  it('the client\'s cancellation (AbortSignal) cancels the run', async () => {
    const controller = new AbortController();
    // The abort comes once the slow request reached the backend (an event, not a sleep).
    const reached = new Promise<void>((resolve) => rw.backend.server.on('request', (req) => req.url?.startsWith('/slow') && resolve()));
    const call = pair.client.callTool({ name: 'run_collection', arguments: { collection: collectionPath('slow'), env_vars: { slowMs: '120000' } } }, undefined, { signal: controller.signal });
    await reached;
    controller.abort();
    await expect(call).rejects.toThrow();
    const { client } = await pair.power.core();
    const [id] = client.runs.ids();
    const summary = await client.runs.get(id)!.promise;
    expect(summary.status).toBe('cancelled');
  });

  it('sends progress notifications when the client gives a progress token', async () => {
    const seen: number[] = [];
    const result = await pair.client.callTool(
      { name: 'run_collection', arguments: { collection: collectionPath('crud-chain') } },
      undefined,
      { onprogress: (progress) => seen.push(progress.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((value) => value >= 1 && value <= 4)).toBe(true);
  });

  it('concurrent runs share no variables: each writes its own values and reads back only those', async () => {
    rw.ws.write('postman/collections/echo.postman_collection.json', {
      info: { name: 'Echo' },
      item: [1, 2, 3].map((n) => ({
        name: `Echo ${n}`,
        request: { method: 'GET', url: '{{baseUrl}}/echo?marker={{marker}}', header: [{ key: 'X-Marker', value: '{{marker}}' }] },
        // Every request writes a run-specific value to the environment, globals and collection
        // variables, and the next checks it reads its own run's value back: shared scopes would fail.
        event: [{ listen: 'test', script: { exec: CHAIN_SCRIPT } }],
      })),
    });
    const markers = Array.from({ length: 6 }, (_, i) => `m${i}`);
    const summaries = await Promise.all(markers.map((marker) => run({ collection: 'postman/collections/echo.postman_collection.json', env_vars: { marker } })));
    expect(summaries.map((s) => s.status)).toEqual(markers.map(() => 'passed'));
    expect(summaries.every((s) => s.stats.assertions.total === 12)).toBe(true);
  }, 120_000);
});

describe('parallel lanes', () => {
  beforeEach(() => setup());

  it('runs top-level folders in lanes and merges results in collection order', async () => {
    const folder = (name: string) => ({
      name,
      item: [1, 2, 3].map((n) => ({
        name: `${name} ${n}`,
        request: { method: 'GET', url: `{{baseUrl}}/slow?ms=50&lane=${name}` },
        event: [{ listen: 'test', script: { exec: [`pm.test('${name} ${n} ok', () => pm.response.to.have.status(${name === 'C' && n === 2 ? 500 : 200}));`, "pm.environment.set('seen', (pm.environment.get('seen') || '') + pm.info.requestName + ',');"] } }],
      })),
    });
    rw.ws.write('postman/collections/lanes.postman_collection.json', { info: { name: 'Lanes' }, item: [folder('A'), folder('B'), folder('C'), folder('D')] });
    const summary = await run({ collection: 'postman/collections/lanes.postman_collection.json', parallel: 4, detail: 'full' });
    expect(summary.stats.requests.total).toBe(12);
    expect(summary.requests!.map((r) => r.name)).toEqual(['A', 'B', 'C', 'D'].flatMap((f) => [1, 2, 3].map((n) => `${f} ${n}`)));
    expect(summary.failures.map((f) => f.assertion)).toEqual(['C 2 ok']);
    expect(summary.warnings).toContain('Ran in 4 parallel lanes; each lane had its own copy of the variables.');
    expect(summary.warningCodes).toMatchObject({ parallel_lanes: 'Ran in 4 parallel lanes; each lane had its own copy of the variables.' });
    expect(summary.progress.done).toBe(12);
  });

  it('splits iterations into lanes when there are no folders to split', async () => {
    const summary = await run({ collection: collectionPath('iterations'), data: 'data/users.csv', parallel: 2 });
    expect(summary.stats.iterations).toBe(3);
    expect(summary.stats.requests.total).toBe(3);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ iteration: 2, assertion: 'expected status' });
  });
});

describe('the health gate', () => {
  it('an unhealthy configured backend: the run does not start, a normal result says why', async () => {
    rw = await createRunWorkspace('Test_Task3_');
    const port = await closedPort();
    rw.ws.write('.postman.json', { baseUrl: `http://127.0.0.1:${port}`, environment: 'postman/environments/local.postman_environment.json' });
    pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
    const result = await pair.call('run_collection', { collection: collectionPath('crud-chain') });
    expect(result.isError).toBeFalsy();
    const summary = RunSummarySchema.parse(result.structuredContent);
    expect(summary.status).toBe('backend_unhealthy');
    expect(summary.health?.targets[0].outcome).toBe('connection_refused');
    expect(summary.stats.requests.total).toBe(0);
    expect(textOf(result)).toMatch(/^Run not started: Backend is unhealthy/);
    // check_health: false skips the gate (and the requests then fail).
    const skipped = await run({ collection: collectionPath('crud-chain'), check_health: false });
    expect(skipped.status).toBe('errored');
  });

  it('no report is written when no reporter is asked (only the run history)', async () => {
    await setup();
    await run({ collection: collectionPath('flow-control') });
    expect(existsSync(rw.ws.path('.postman-power/reports'))).toBe(false);
    expect(readdirSync(rw.ws.path('.postman-power'))).toEqual(['history']);
  });
});
