// What changed since the last run: every run is compared with the previous one of the same
// collection, environment and selection (kept under .postman-power/history/, bounded, masked).
import { readdirSync, readFileSync } from 'node:fs';
import { compareRuns, HISTORY_DIR, HISTORY_FILES_KEPT, HISTORY_RUNS_KEPT, historyEntry, recordHistory, rerunSelection } from '../../../src/core/results/history.js';
import { SecretSet } from '../../../src/core/redact.js';
import { RunSummarySchema, type RequestRecord, type RunSummary } from '../../../src/core/results/summary.js';
import { connectPair } from '../../support/mcp-client.js';
import { createRunWorkspace, type RunWorkspace } from '../../support/run-workspace.js';
import { createTempWorkspace } from '../../support/temp-workspace.js';

const record = (name: string, extra: Partial<RequestRecord> = {}): RequestRecord => ({ iteration: 0, folder: 'F', name, method: 'GET', url: 'http://x/', assertions: { passed: 1, failed: 0, skipped: 0 }, ...extra });
function summary(failing: Array<[number, string]>, extra: Partial<RunSummary> = {}): RunSummary {
  return RunSummarySchema.parse({
    runId: `run-${Math.random()}`,
    status: failing.length ? 'failed' : 'passed',
    collection: { name: 'C', source: { kind: 'local', ref: 'c.json' } },
    startedAt: '2026-11-30T10:00:00.000Z',
    endedAt: '2026-11-30T10:00:01.000Z',
    durationMs: 1000,
    progress: { done: 3, total: 3 },
    stats: { iterations: 1, requests: { total: 3, failed: 0 }, assertions: { total: 3, failed: failing.length, skipped: 0 }, scriptErrors: 0 },
    failures: failing.map(([requestIndex, assertion]) => ({ kind: 'assertion', iteration: 0, folder: 'F', request: `r${requestIndex}`, requestIndex, assertion, message: `${assertion} failed` })),
    ...extra,
  });
}

describe('comparing two runs', () => {
  it('keys requests by folder path and name, numbering repeats', () => {
    const entry = historyEntry(summary([[1, 'ok']]), [record('a'), record('a', { assertions: { passed: 0, failed: 1, skipped: 0 } }), record('b')]);
    expect(entry.requests).toEqual([
      { key: 'F/a', failed: [] },
      { key: 'F/a (2)', failed: ['ok'] },
      { key: 'F/b', failed: [] },
    ]);
  });
  it('new failures, fixed ones, those already there, new and gone requests, and one line saying so', () => {
    const before = historyEntry(summary([[0, 'status'], [1, 'body']], { endedAt: '2026-11-30T09:56:00.000Z' }), [record('a'), record('b'), record('c')]);
    const nowSummary = summary([[1, 'body'], [2, 'schema']]);
    const now = historyEntry(nowSummary, [record('a'), record('b'), record('d')]);
    expect(compareRuns(before, now, nowSummary)).toMatchObject({
      verdict: 'Since the run 4 min ago: 1 new failure; 1 failure was already there; 1 fixed (1 requests new, 1 gone).',
      newlyFailing: [{ request: 'F/d', assertion: 'schema', message: 'schema failed' }],
      fixed: ['F/a'],
      stillFailing: 1,
      added: ['F/d'],
      removed: ['F/c'],
    });
  });
});

describe('rerunSelection', () => {
  it('each failed request with those before it in its folder, in collection order; iterations and repeats folded', () => {
    const requests = ['Auth/login', 'Auth/me', 'Users/create', 'Users/get', 'Users/delete', 'ping'];
    const last = { runId: 'r', endedAt: 'e', status: 'failed', requests: [
      { key: 'Auth/login', failed: [] }, { key: 'Auth/me', failed: [] },
      { key: 'Users/create', failed: [] }, { key: 'Users/get [iteration 2]', failed: ['status'] }, { key: 'Users/delete', failed: [] },
      { key: 'ping (2)', failed: ['ok'] }, { key: 'gone/request', failed: ['x'] },
    ] };
    expect(rerunSelection(requests, last)).toEqual({ paths: ['Users/create', 'Users/get', 'ping'], failed: ['Users/get', 'ping'] });
  });
});

describe('the history files', () => {
  it(`keeps the last ${HISTORY_RUNS_KEPT} runs per history and at most ${HISTORY_FILES_KEPT} histories, with no secret in them`, async () => {
    const ws = createTempWorkspace('Test_Task3_');
    try {
      const secrets = new SecretSet().add('s3cr3t-token-value');
      for (let i = 0; i < HISTORY_RUNS_KEPT + 5; i += 1) {
        await recordHistory(ws.dir, summary([[0, 'token is s3cr3t-token-value']]), [record('login s3cr3t-token-value', { assertions: { passed: 0, failed: 1, skipped: 0 } })], {}, secrets);
      }
      const [file] = readdirSync(ws.path(HISTORY_DIR));
      const text = readFileSync(ws.path(HISTORY_DIR, file), 'utf8');
      expect(JSON.parse(text).runs).toHaveLength(HISTORY_RUNS_KEPT);
      expect(text).not.toContain('s3cr3t-token-value');
      for (let i = 0; i < HISTORY_FILES_KEPT + 3; i += 1) await recordHistory(ws.dir, summary([]), [record('a')], { folders: [`folder ${i}`] }, secrets);
      expect(readdirSync(ws.path(HISTORY_DIR))).toHaveLength(HISTORY_FILES_KEPT);
      // A cancelled run is neither compared nor kept.
      expect(await recordHistory(ws.dir, summary([], { status: 'cancelled' }), [record('a')], { folders: ['other'] }, secrets)).toBeUndefined();
    } finally {
      ws.cleanup();
    }
  });
});

describe('since_last over MCP: fail → fix → new failure', () => {
  let rw: RunWorkspace;
  beforeAll(async () => {
    rw = await createRunWorkspace('Test_Task3_');
    const check = (name: string, flag: string) => ({
      name,
      request: { method: 'GET', url: '{{baseUrl}}/health' },
      event: [{ listen: 'test', script: { exec: [`pm.test('${name} holds', () => pm.expect(pm.environment.get('${flag}')).to.not.eql('yes'));`] } }],
    });
    rw.ws.write('postman/collections/flags.postman_collection.json', { info: { name: 'Flags' }, item: [check('A', 'breakA'), check('B', 'breakB')] });
  });
  afterAll(() => rw.close());

  it('each run says what changed since the one before', async () => {
    const pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
    try {
      const run = async (envVars: Record<string, string>) => {
        const result = await pair.call('run_collection', { collection: 'postman/collections/flags.postman_collection.json', env_vars: envVars, check_health: false });
        return { summary: RunSummarySchema.parse(result.structuredContent), text: (result.content[0] as { text: string }).text };
      };
      const first = await run({ breakA: 'yes' });
      expect(first.summary.sinceLast).toBeUndefined();
      const second = await run({});
      expect(second.summary.sinceLast).toMatchObject({ newlyFailingCount: 0, fixed: ['A'], stillFailing: 0 });
      expect(second.text.split('\n')[1]).toMatch(/^Since the run \d+ s ago: no new failures; 1 fixed\. Fixed: A\.$/);
      const third = await run({ breakB: 'yes' });
      expect(third.summary.sinceLast).toMatchObject({ newlyFailing: [{ request: 'B', assertion: 'B holds' }], fixed: [], stillFailing: 0, previousRunId: second.summary.runId });
      expect(third.text).toContain('1 new failure');
    } finally {
      await pair.close();
    }
  });

  it('rerun: "failed" runs what failed last time with the requests its folder chains, and says so', async () => {
    rw.ws.write('postman/collections/chain.postman_collection.json', {
      info: { name: 'Chain' },
      item: [
        { name: 'Other', item: [{ name: 'ping', request: '{{baseUrl}}/health' }] },
        {
          name: 'Users',
          item: [
            { name: 'create', request: { method: 'POST', url: '{{baseUrl}}/users', body: { mode: 'raw', raw: '{"name":"Ada"}', options: { raw: { language: 'json' } } } }, event: [{ listen: 'test', script: { exec: ["pm.environment.set('userId', pm.response.json().id);"] } }] },
            { name: 'get', request: '{{baseUrl}}/users/{{userId}}', event: [{ listen: 'test', script: { exec: ["pm.test('found', () => pm.response.to.have.status(200));", "pm.test('not broken', () => pm.expect(pm.environment.get('breakGet')).to.not.eql('yes'));"] } }] },
          ],
        },
      ],
    });
    const pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
    try {
      const run = async (args: Record<string, unknown>) => pair.call('run_collection', { collection: 'postman/collections/chain.postman_collection.json', check_health: false, ...args });
      const none = await run({ rerun: 'failed' });
      expect(none.structuredContent).toMatchObject({ error: { code: 'nothing_to_rerun' } });
      expect(RunSummarySchema.parse((await run({ env_vars: { breakGet: 'yes' } })).structuredContent).status).toBe('failed');
      const rerun = RunSummarySchema.parse((await run({ rerun: 'failed', env_vars: { breakGet: 'yes' } })).structuredContent);
      // create ran first (the chained id resolved: get answered 200), ping did not run.
      expect(rerun.stats.requests.total).toBe(2);
      expect(rerun.failures.map((failure) => failure.assertion)).toEqual(['not broken']);
      expect(rerun.warnings.join(' ')).toMatch(/Reran what failed in run .*: Users\/get, with the 1 request before them in their folders\./);
      expect(RunSummarySchema.parse((await run({})).structuredContent).status).toBe('passed');
      expect((await run({ rerun: 'failed' })).structuredContent).toMatchObject({ error: { code: 'nothing_to_rerun', message: expect.stringContaining('Nothing failed') } });
    } finally {
      await pair.close();
    }
  });
});
