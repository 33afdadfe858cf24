// The isolated executor against newman 6's sandbox: every fixture collection, and 1 000 scripts
// generated from a grammar of pm calls and legacy APIs, give the same results through our run
// processes (each script in a context of its own) as through newman.run (postman-sandbox 4 in a
// node:vm context): per request, every assertion with its outcome and every script error; after the
// run, the environment and globals.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import newman from 'newman';
import type { RunInput } from '../../../src/core/runs/run-input.js';
import { parseDataText } from '../../../src/core/runs/data-file.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { createRunWorkspace, RUN_FIXTURES } from '../../support/run-workspace.js';
import { BODY, generatedScript, mixedScript } from '../../support/script-grammar.js';
import { sharedWorkers } from '../../support/shared-workers.js';
import { DEFAULT_RUN_OPTIONS } from '../../../src/core/runs/options.js';

type Json = { name?: string; values: Array<{ key: string; value: unknown; enabled?: boolean; disabled?: boolean }> };

interface Said {
  /** Per request, in order: its name, its assertions as name → outcome, its script errors. */
  requests: Array<{ name: string; assertions: string[]; scriptErrors: number }>;
  environment: Record<string, unknown>;
  globals: Record<string, unknown>;
}

const values = (scope: Json | undefined) => Object.fromEntries((scope?.values ?? []).map((v) => [v.key, v.value]));

async function ours(input: RunInput): Promise<Said> {
  const runner = sharedWorkers();
  if (!runner) throw new Error('the run process is not built');
  const handle = runner.start({ ...input, exchanges: true, exportState: true });
  await handle.promise;
  const state = handle.state?.();
  return {
    // A request a script skipped is on our record (marked skipped); newman lists no execution for it.
    requests: handle.records().filter((record) => !record.skipped).map((record) => ({
      name: record.name,
      assertions: (record.exchange?.assertions ?? []).map((a) => `${a.name} → ${a.outcome}`),
      scriptErrors: (record.failures ?? []).filter((failure) => failure.kind === 'script_error').length,
    })),
    environment: values(state?.environment as Json),
    globals: values(state?.globals as Json),
  };
}

function theirs(input: RunInput): Promise<Said> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: input.collection,
        environment: { ...input.environment, values: [...(input.environment?.values ?? []), ...Object.entries(input.envVars ?? {}).map(([key, value]) => ({ key, value }))] },
        ...(input.data ? { iterationData: input.data } : {}),
        ...(input.folders ? { folder: input.folders } : {}),
        ...(input.bail ? { bail: true } : {}),
        ...(input.requestTimeoutMs ? { timeoutRequest: input.requestTimeoutMs } : {}),
        workingDir: input.root,
        reporters: [],
      } as never,
      (error: Error | null, summary: any) => {
        if (error) return reject(error);
        resolve({
          requests: summary.run.executions.map((execution: any) => ({
            name: execution.item.name,
            assertions: (execution.assertions ?? []).map((a: any) => `${a.assertion} → ${a.skipped ? 'skipped' : a.error ? 'failed' : 'passed'}`),
            scriptErrors: [...(execution.prerequestScript ?? []), ...(execution.testScript ?? [])].filter((script: any) => script.error).length,
          })),
          environment: values(summary.environment.toJSON()),
          globals: values(summary.globals.toJSON()),
        });
      },
    );
  });
}

const FIXTURES: Array<{ fixture: string; data?: string; folders?: string[]; bail?: 'failure' }> = [
  ...readdirSync(RUN_FIXTURES)
    // slow.json only waits on its backend (10 s): nothing of it is about scripts.
    .filter((file) => file.endsWith('.postman_collection.json') && file !== 'slow.postman_collection.json')
    .map((file) => ({ fixture: file.replace('.postman_collection.json', '') })),
  { fixture: 'iterations', data: 'users.csv' },
  { fixture: 'crud-chain', folders: ['Users'] },
];

describe('every fixture collection gives what newman gives', () => {
  it.each(FIXTURES.map((c) => [`${c.fixture}${c.data ? ' with data' : ''}${c.folders ? ' (folder)' : ''}`, c] as const))(
    '%s',
    async (_label, c) => {
      const collection = JSON.parse(readFileSync(path.join(RUN_FIXTURES, `${c.fixture}.postman_collection.json`), 'utf8'));
      const environment = JSON.parse(readFileSync(path.join(RUN_FIXTURES, 'local.postman_environment.json'), 'utf8'));
      const data = c.data ? await parseDataText(readFileSync(path.join(RUN_FIXTURES, c.data), 'utf8'), c.data) : undefined;
      const said: Said[] = [];
      for (const run of [ours, theirs]) {
        // Fresh backends: the collections create users, so each runner starts from the same state.
        const rw = await createRunWorkspace('Test_Task3_');
        try {
          const outcome = await run({
            ...DEFAULT_RUN_OPTIONS,
            collection,
            environment,
            source: { kind: 'local', ref: c.fixture },
            root: rw.ws.dir,
            envVars: { baseUrl: rw.backend.url, deadPort: '9' },
            requestTimeoutMs: 2_000,
            ...(data ? { data } : {}),
            ...(c.folders ? { folders: c.folders } : {}),
          });
          expect(outcome.requests.length).toBeGreaterThan(0);
          said.push(JSON.parse(JSON.stringify(outcome).replaceAll(rw.backend.url, 'http://backend')) as Said);
        } finally {
          await rw.close();
        }
      }
      expect(said[0]).toEqual(said[1]);
    },
    60_000,
  );
});

let backend: TestServer;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.sendDate = false;
    res.writeHead(status, { 'content-type': 'application/json', 'x-trace': 'abc-123', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ ...BODY, path: req.url }));
  });
});
afterAll(() => backend.close());

describe('scripts generated from a grammar of pm calls and legacy APIs agree with newman', () => {
  const PER_RUN = 50;
  const RUNS = 20; // 1 000 test scripts, and as many optional pre-request scripts
  it(`${PER_RUN * RUNS} generated scripts`, async () => {
    const script = fc.oneof(generatedScript, mixedScript);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(script, fc.option(script, { nil: undefined }), fc.constantFrom(200, 201, 404)), { minLength: PER_RUN, maxLength: PER_RUN }), async (scripts) => {
        const collection = {
          info: { name: 'Generated' },
          item: scripts.map(([test, prerequest, status], i) => ({
            name: `request ${i}`,
            request: { method: 'GET', url: `{{base}}/r${i}?status=${status}&token={{token}}&user={{user}}` },
            event: [{ listen: 'test', script: { exec: test.split('\n') } }, ...(prerequest ? [{ listen: 'prerequest', script: { exec: prerequest.replaceAll('"test"', '"prerequest"').split('\n') } }] : [])],
          })),
          variable: [{ key: 'token', value: 'from-collection' }],
        };
        const input: RunInput = {
          ...DEFAULT_RUN_OPTIONS,
          collection,
          source: { kind: 'local', ref: 'generated' },
          root: '/',
          environment: { name: 'env', values: [{ key: 'base', value: backend.url }, { key: 'user', value: 'ada' }] },
          data: [{ user: 'data-user', count: 3 }],
        };
        const [mine, newmans] = await Promise.all([ours(input), theirs(input)]);
        expect(mine).toEqual(newmans);
      }),
      // No shrinking: each step is two runs of 50 requests; the diff names the request that differs.
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 300_000);
});

it('values with cycles and shared references cross the bridge as with newman (the JSON bridge falls back to flatted)', async () => {
  const scripts = [
    "const a = { name: 'a' }; a.self = a; pm.variables.set('cyclic', a); pm.environment.set('shared', { left: a, right: a });",
    "pm.test('a cycle survives its own script', () => { const v = pm.variables.get('cyclic'); pm.expect(v.self.name).to.eql('a'); });",
    "console.log(pm.variables.get('cyclic'));",
  ];
  const collection = {
    info: { name: 'Cycles' },
    item: [0, 1].map((i) => ({ name: `request ${i}`, request: { method: 'GET', url: `{{base}}/c${i}` }, event: [{ listen: 'test', script: { exec: scripts } }] })),
  };
  const input: RunInput = { ...DEFAULT_RUN_OPTIONS, collection, source: { kind: 'local', ref: 'cycles' }, root: '/', environment: { name: 'env', values: [{ key: 'base', value: backend.url }] } };
  const [mine, newmans] = await Promise.all([ours(input), theirs(input)]);
  expect(mine.requests.map((request) => request.scriptErrors)).toEqual([0, 0]);
  expect(mine).toEqual(newmans);
}, 60_000);
