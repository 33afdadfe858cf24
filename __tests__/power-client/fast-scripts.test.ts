// The fast script path is a contract: every fixture collection, and scripts generated from a grammar
// of the pm calls it supports, give the same results through it as through postman-sandbox (newman's
// engine), field for field. A script the property generates that the fast path would not take is a
// failure too, never a silent fallback.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { SandboxHostPool, type ScriptPath } from '../../src/core/runner/host-pool.js';
import { loadEngine, startRun, type Engine, type RunInput, type RunState } from '../../src/core/runner/run-collection.js';
import { parseDataText } from '../../src/core/runner/data-file.js';
import { fastPathEligible, fastPlan } from '../../src/core/runner/script-analysis.js';
import type { RequestRecord, RunSummary } from '../../src/core/runner/summary.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { createRunWorkspace, RUN_FIXTURES } from '../support/run-workspace.js';

let engine: Engine;
let pool: SandboxHostPool;
beforeAll(async () => {
  engine = { ...(await loadEngine()), hosts: (pool = new SandboxHostPool()) };
});
afterAll(() => pool.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Outcome {
  summary: RunSummary;
  records: RequestRecord[];
  state?: RunState;
}

async function runOn(path: ScriptPath, input: Omit<RunInput, 'scriptPath'>): Promise<Outcome> {
  const handle = startRun({ ...input, scriptPath: path, exchanges: true, exportState: true }, engine);
  const summary = await handle.promise;
  return { summary, records: handle.records(), state: handle.state?.() };
}

/** Everything a run says, but what differs between any two runs (ids, times, the backend's port) and which path ran. */
function comparable({ summary, records, state }: Outcome, baseUrl: string) {
  const { scripts: _paths, ...stats } = summary.stats;
  const said = {
    status: summary.status,
    stats,
    failures: summary.failures.map(({ response, ...failure }) => ({ ...failure, code: response?.code, body: response?.bodyExcerpt })),
    console: summary.console,
    warnings: summary.warnings,
    records: records.map(({ timeMs: _time, sizeBytes: _size, exchange, ...record }) => ({ ...record, assertions: exchange?.assertions, console: exchange?.console, sent: exchange?.request?.body })),
    environment: state?.environment.values,
    globals: state?.globals.values,
  };
  // Times and the random ids the runtime gives requests differ between any two runs.
  const text = JSON.stringify(said, (key, value: unknown) => (key === 'timeMs' ? undefined : typeof value === 'string' && UUID.test(value) ? 'uuid' : value));
  return JSON.parse(text.replaceAll(baseUrl, 'http://backend')) as unknown;
}

describe('fastPathEligible: the static analysis that decides the path', () => {
  it.each([
    "pm.test('ok', () => pm.response.to.have.status(200));",
    "pm.test('id', function () { const body = pm.response.json(); pm.expect(body.items[0]).to.eql(1); });",
    "pm.environment.set('token', pm.response.json().token); pm.variables.set('n', 2);",
    "console.log(pm.info.requestName, pm.iterationData.get('user'));",
    "pm.request.headers.add({ key: 'X-Id', value: pm.variables.replaceIn('{{id}}') });",
    "const items = pm.response.json().items; pm.test('count', () => pm.expect(items.filter(Boolean).length).to.be.above(0));",
    "pm.test.skip('later', () => {});",
    "if (pm.response.code === 200) { pm.collectionVariables.unset('x'); } else { console.warn('no'); }",
    // Locals named like the sandbox's legacy globals, used within their scope.
    "const data = pm.response.json(); pm.test('id', function () { pm.expect(data.id).to.eql(7); });",
  ])('takes %s', (source) => expect(fastPathEligible(source)).toBe(true));

  it.each([
    ['pm.sendRequest', "pm.sendRequest('http://x', () => {});"],
    ['require', "const _ = require('lodash');"],
    ['cookies', "pm.cookies.get('a');"],
    ['vault', "pm.vault.get('a');"],
    ['visualizer', "pm.visualizer.set('<b/>');"],
    ['setNextRequest', "postman.setNextRequest('x');"],
    ['pm.execution', 'pm.execution.skipRequest();'],
    ['legacy tests[]', "tests['ok'] = responseCode.code === 200;"],
    ['legacy responseBody', 'JSON.parse(responseBody);'],
    ['timers', 'setTimeout(() => {}, 10);'],
    ['async test', "pm.test('a', async () => {});"],
    ['a test with done', "pm.test('a', (done) => done());"],
    ['await', 'await 1;'],
    ['a loop', 'for (let i = 0; i < 3; i++) {}'],
    ['a while loop', 'while (true) {}'],
    ['this', 'this.x = 1;'],
    ['a computed key', 'const k = "constructor"; pm[k];'],
    ['a computed key on a local', 'const o = {}; const k = "a"; o[k];'],
    ['a prototype', 'Object.prototype.x = 1;'],
    ['a constructor', "pm.test.constructor('return process')();"],
    ['a runner global', 'process.exit(1);'],
    ['a local named like a runner global', 'const process = 1; console.log(process);'],
    ['pm as a value', 'const p = pm; p.test("a", () => {});'],
    ['pm.expect as a value', 'const e = pm.expect; e(1).to.eql(1);'],
    ['eval', "eval('1');"],
    ['a class', 'class A {}'],
    ['a syntax error', 'pm.test(('],
    ['a write to a built-in', 'JSON.parse = null;'],
    // Out of its local's scope, `data` is the sandbox's legacy global: the fast path has none.
    ['a legacy global outside the local of its name', "pm.test('a', () => { const data = 1; }); console.log(data);"],
  ])('sends %s to the sandbox', (_label, source) => expect(fastPathEligible(source)).toBe(false));

  it('plans what a script may change: the request when named, the response when not only read, the scopes when named', () => {
    expect(fastPlan("pm.test('a', () => pm.response.to.have.status(200)); pm.expect(pm.response.headers.get('x')).to.eql('y');")).toEqual({ request: false, response: false, scopes: false });
    expect(fastPlan("pm.response.headers.add({ key: 'a', value: 'b' });")).toEqual({ request: false, response: true, scopes: false });
    expect(fastPlan('const r = pm.response; r.code;')).toEqual({ request: false, response: true, scopes: false });
    // Writing pm's own objects is left to the sandbox altogether.
    expect(fastPlan('pm.response.code = 500;')).toBeUndefined();
    expect(fastPlan("pm.request.url.toString(); pm.globals.get('a');")).toEqual({ request: true, response: false, scopes: true });
  });
});

const FIXTURES: Array<{ fixture: string; data?: string; folders?: string[]; bail?: 'failure' }> = [
  ...readdirSync(RUN_FIXTURES)
    .filter((file) => file.endsWith('.postman_collection.json'))
    .map((file) => ({ fixture: file.replace('.postman_collection.json', '') })),
  { fixture: 'iterations', data: 'users.csv' },
  { fixture: 'crud-chain', folders: ['Users'] },
  { fixture: 'bail', bail: 'failure' },
];

describe('every fixture collection gives the same results on both paths', () => {
  it.each(FIXTURES.map((c) => [`${c.fixture}${c.data ? ' with data' : ''}${c.folders ? ' (folder)' : ''}${c.bail ? ' (bail)' : ''}`, c] as const))(
    '%s',
    async (_label, c) => {
      const collection = JSON.parse(readFileSync(path.join(RUN_FIXTURES, `${c.fixture}.postman_collection.json`), 'utf8'));
      const environment = JSON.parse(readFileSync(path.join(RUN_FIXTURES, 'local.postman_environment.json'), 'utf8'));
      const data = c.data ? await parseDataText(readFileSync(path.join(RUN_FIXTURES, c.data), 'utf8'), c.data) : undefined;
      const outcomes: unknown[] = [];
      let fastOnSandboxPath = -1;
      for (const scriptPath of ['sandbox', 'auto'] as const) {
        // Fresh backends: the collections create users, so each path starts from the same state.
        const rw = await createRunWorkspace('Test_Task3_');
        try {
          const outcome = await runOn(scriptPath, {
              collection,
              environment,
              source: { kind: 'local', ref: c.fixture },
              root: rw.ws.dir,
              envVars: { baseUrl: rw.backend.url, deadPort: '9' },
              requestTimeoutMs: 2_000,
              ...(data ? { data } : {}),
              ...(c.folders ? { folders: c.folders } : {}),
              ...(c.bail ? { bail: c.bail } : {}),
            });
          if (scriptPath === 'sandbox') fastOnSandboxPath = outcome.summary.stats.scripts?.fast ?? 0;
          expect(outcome.summary.stats.requests.total).toBeGreaterThan(0);
          outcomes.push(comparable(outcome, rw.backend.url));
        } finally {
          await rw.close();
        }
      }
      const [sandbox, auto] = outcomes;
      expect(fastOnSandboxPath).toBe(0);
      expect(auto).toEqual(sandbox);
    },
    60_000,
  );

  it('most of the fixtures’ scripts take the fast path', async () => {
    const scripts = FIXTURES.map((c) => JSON.parse(readFileSync(path.join(RUN_FIXTURES, `${c.fixture}.postman_collection.json`), 'utf8')) as unknown);
    const { collectionScripts } = await import('../../src/core/runner/script-analysis.js');
    const all = scripts.flatMap((collection) => collectionScripts(collection));
    expect(all.filter(fastPathEligible).length).toBeGreaterThan(all.length / 2);
  });
});

// ---- The grammar of supported pm calls -------------------------------------------------------------

const BODY = { id: 7, name: 'Ada', ok: true, score: 9.5, tags: ['a', 'b'], items: [1, 2, 3], nested: { deep: { value: 'x' } }, nothing: null, empty: '' };
let backend: TestServer;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    // No Date header: scripts print the headers, and two runs would differ by a second.
    res.sendDate = false;
    res.writeHead(status, { 'content-type': 'application/json', 'x-trace': 'abc-123', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ ...BODY, path: req.url }));
  });
});
afterAll(() => backend.close());

const key = fc.constantFrom('token', 'user', 'count', 'baseUrl', 'missing', 'a b', 'x');
const value = fc.oneof(
  fc.constantFrom("'text'", '42', 'true', 'null', 'undefined', "''", '0', '{ a: 1 }', '[1, 2]', 'new Date(0)', '-1.5', "'{{token}}'"),
  fc.string({ maxLength: 8 }).map((text) => JSON.stringify(text)),
);
const jsonPath = fc.constantFrom('.id', '.name', '.ok', '.score', '.tags', '.items[1]', '.nested.deep.value', '.nothing', '.empty', '.path', '.missing', '.nested.missing.value');
const header = fc.constantFrom("'Content-Type'", "'x-trace'", "'X-Missing'", "'cache-control'");
const scope = fc.constantFrom('environment', 'variables', 'collectionVariables', 'globals');
const readScope = fc.constantFrom('environment', 'variables', 'collectionVariables', 'globals', 'iterationData');

const assertion = fc.oneof(
  fc.integer({ min: 199, max: 201 }).map((code) => `pm.response.to.have.status(${code})`),
  fc.tuple(jsonPath, value).map(([p, v]) => `pm.expect(pm.response.json()${p}).to.eql(${v})`),
  fc.tuple(jsonPath, fc.constantFrom("'string'", "'number'", "'array'", "'object'", "'boolean'", "'null'")).map(([p, t]) => `pm.expect(pm.response.json()${p}).to.be.a(${t})`),
  fc.tuple(jsonPath, fc.integer({ min: -1, max: 10 })).map(([p, n]) => `pm.expect(pm.response.json()${p}).to.be.above(${n})`),
  fc.tuple(jsonPath, value).map(([p, v]) => `pm.expect(pm.response.json()${p}).to.include(${v})`),
  header.map((h) => `pm.response.to.have.header(${h})`),
  fc.tuple(header, fc.string({ maxLength: 4 })).map(([h, s]) => `pm.expect(pm.response.headers.get(${h})).to.include(${JSON.stringify(s)})`),
  jsonPath.map((p) => `pm.response.to.have.jsonBody(${JSON.stringify(p.slice(1))})`),
  fc.string({ maxLength: 5 }).map((s) => `pm.expect(pm.response.text()).to.include(${JSON.stringify(s)})`),
  fc.constantFrom('pm.response.to.be.ok', 'pm.response.to.be.json', 'pm.response.to.not.be.error', 'pm.response.to.have.jsonBody()', 'pm.expect(pm.response.responseTime).to.be.a("number")', 'pm.expect(pm.response.code).to.be.oneOf([200, 201])'),
  fc.tuple(readScope, key, value).map(([s, k, v]) => `pm.expect(pm.${s}.get(${JSON.stringify(k)})).to.eql(${v})`),
  fc.tuple(readScope, key).map(([s, k]) => `pm.expect(pm.${s}.has(${JSON.stringify(k)})).to.be.true`),
  fc.constantFrom('pm.expect(pm.info.requestName).to.be.a("string")', 'pm.expect(pm.info.iteration).to.eql(0)', 'pm.expect(pm.info.eventName).to.eql("test")', 'pm.expect(pm.request.method).to.eql("GET")', 'pm.expect(pm.request.url.toString()).to.include("status")'),
);
const statement = fc.oneof(
  fc.tuple(fc.string({ maxLength: 10 }), fc.array(assertion, { minLength: 1, maxLength: 3 })).map(([name, body]) => `pm.test(${JSON.stringify(name)}, function () { ${body.join('; ')}; });`),
  fc.tuple(fc.string({ maxLength: 10 }), assertion).map(([name, body]) => `pm.test(${JSON.stringify(name)}, () => ${body});`),
  fc.tuple(scope, key, value).map(([s, k, v]) => `pm.${s}.set(${JSON.stringify(k)}, ${v});`),
  fc.tuple(scope, key, jsonPath).map(([s, k, p]) => `pm.${s}.set(${JSON.stringify(k)}, pm.response.json()${p});`),
  fc.tuple(scope, key).map(([s, k]) => `pm.${s}.unset(${JSON.stringify(k)});`),
  fc.tuple(fc.constantFrom('log', 'info', 'warn', 'error', 'debug'), fc.oneof(value, readScope.chain((s) => key.map((k) => `pm.${s}.get(${JSON.stringify(k)})`)), jsonPath.map((p) => `pm.response.json()${p}`))).map(([level, v]) => `console.${level}('value', ${v});`),
  fc.constantFrom("console.log(pm.variables.replaceIn('{{token}} and {{user}}'));", 'console.log(pm.response.json());', 'console.log(pm.response.headers.toObject());', "console.log(pm.environment.toObject(), pm.variables.toObject());"),
  fc.tuple(jsonPath, fc.string({ maxLength: 5 })).map(([p, name]) => `if (pm.response.json()${p}) { pm.test(${JSON.stringify(name)}, () => {}); } else { console.log('falsy'); }`),
  jsonPath.map((p) => `const read = pm.response.json()${p}; console.log(typeof read);`),
  fc.constantFrom('pm.response.json().nested.missing.value;', "pm.test('throws inside', () => { pm.response.json().missing.deep; });", "pm.test('fails', () => { throw new Error('plain error'); });", "throw new TypeError('top level');"),
);
// Each top-level `const` gets its own block so generated scripts never redeclare a name.
const generatedScript = fc.array(statement, { minLength: 1, maxLength: 6 }).map((lines) => lines.map((line) => `{ ${line} }`).join('\n'));

describe('scripts generated from the grammar of supported pm calls agree on both paths', () => {
  const PER_RUN = Number(process.env.FAST_PER_RUN ?? 50);
  const RUNS = Number(process.env.FAST_RUNS ?? 20); // 1 000 scripts
  it(`${PER_RUN * RUNS} generated test scripts (and pre-request scripts)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(generatedScript, fc.option(generatedScript, { nil: undefined }), fc.constantFrom(200, 201, 404)), { minLength: PER_RUN, maxLength: PER_RUN }), async (scripts) => {
        for (const [test, prerequest] of scripts) {
          expect({ script: test, eligible: fastPathEligible(test) }).toEqual({ script: test, eligible: true });
          if (prerequest) expect({ script: prerequest, eligible: fastPathEligible(prerequest) }).toEqual({ script: prerequest, eligible: true });
        }
        const collection = {
          info: { name: 'Generated' },
          item: scripts.map(([test, prerequest, status], i) => ({
            name: `request ${i}`,
            request: { method: 'GET', url: `{{base}}/r${i}?status=${status}&token={{token}}&user={{user}}` },
            event: [{ listen: 'test', script: { exec: test.split('\n') } }, ...(prerequest ? [{ listen: 'prerequest', script: { exec: prerequest.replaceAll('"test"', '"prerequest"').split('\n') } }] : [])],
          })),
          variable: [{ key: 'token', value: 'from-collection' }],
        };
        const input = {
          collection,
          source: { kind: 'local' as const, ref: 'generated' },
          root: '/',
          environment: { name: 'env', values: [{ key: 'base', value: backend.url }, { key: 'user', value: 'ada' }] },
          data: [{ user: 'data-user', count: 3 }],
        };
        const [sandbox, auto] = await Promise.all([runOn('sandbox', input), runOn('auto', input)]);
        expect(auto.summary.stats.scripts?.sandbox ?? 0).toBe(0);
        expect(comparable(auto, backend.url)).toEqual(comparable(sandbox, backend.url));
      }),
      // No shrinking: each step is two runs of 50 requests; the diff names the request that differs.
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 300_000);
});

describe('a fast-path script cannot outrun its timeout', () => {
  // Eligible (no loop, no async), yet exponential: only the watchdog stops it.
  const RUNAWAY = "const spin = (n) => { try { if (n > 0) { spin(n - 1); spin(n - 1); } } catch (e) { spin(n); } }; pm.test('before', () => {}); spin(40);";

  it('ends the script as the sandbox would, and the run goes on to its next request', async () => {
    expect(fastPathEligible(RUNAWAY)).toBe(true);
    const collection = {
      info: { name: 'Runaway' },
      item: [
        { name: 'spins', request: { method: 'GET', url: '{{base}}/one' }, event: [{ listen: 'test', script: { exec: [RUNAWAY] } }] },
        { name: 'after', request: { method: 'GET', url: '{{base}}/two' }, event: [{ listen: 'test', script: { exec: ["pm.test('after', () => pm.response.to.have.status(200));"] } }] },
      ],
    };
    const input = { collection, source: { kind: 'local' as const, ref: 'runaway' }, root: '/', envVars: { base: backend.url }, scriptTimeoutMs: 300 };
    const [sandbox, auto] = [await runOn('sandbox', input), await runOn('auto', input)];
    expect(auto.summary.stats.scripts).toEqual({ fast: 2, sandbox: 0 });
    // The runaway request and its failure are the same on both paths.
    const spins = (outcome: Outcome) => {
      const said = comparable(outcome, backend.url) as { failures: unknown[]; records: unknown[] };
      return { failure: said.failures[0], record: said.records[0] };
    };
    expect(spins(auto)).toEqual(spins(sandbox));
    expect(sandbox.records.map((record) => record.name)).toEqual(['spins', 'after']);
    expect(auto.records.map((record) => record.name)).toEqual(['spins', 'after']);
    // The next script runs at once on the fast path. The sandbox first boots a new thread for it,
    // which on a busy machine can itself outlast the 300 ms timeout: only the fast path's is fixed.
    expect(auto.summary.failures.map((failure) => failure.request)).toEqual(['spins']);
    expect(auto.records[1].exchange?.assertions).toEqual([expect.objectContaining({ name: 'after', outcome: 'passed' })]);
  }, 30_000);
});
