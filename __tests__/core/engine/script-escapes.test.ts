// A collection is someone else's code. The escape corpus (support/escape-corpus.ts) tries every way
// we know from a plain test script to the host — destructuring, chai's introspection, callbacks,
// coercions, tagged templates, stack traces, prototype writes, script forms, legacy globals, every
// sandbox module, pm.sendRequest, timers and promises, the context's own globals — and each of its
// tests fails if a host object (process, Node's require, fs, child_process) was reached. Then runs
// that mutate everything they can reach must not change what another run sees: in the same server,
// and in the same CLI process (lanes).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { RunSummarySchema, type RunSummary } from '../../../src/core/results/summary.js';
import { runCli } from '../../support/cli.js';
import { ESCAPES, escapeCollection, MUTATIONS, mutatorScript, PLAIN_MUTATIONS } from '../../support/escape-corpus.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { connectPair, textOf, type ConnectedPair } from '../../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const TOKEN = 'Test_Task5_bearer_token_0451';

interface Seen {
  host: string | undefined;
  path: string;
  authorization: string | undefined;
}

let backend: TestServer;
let seen: Seen[] = [];
let ws: TempWorkspace;
let pair: ConnectedPair;

beforeAll(async () => {
  backend = await startServer((req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    seen.push({ host: headers.host, path: req.url ?? '', authorization: headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json', 'x-answer': '42' });
    res.end(JSON.stringify({ ok: true, items: [1, 2, 3], when: '2026-12-04T00:00:00.000Z', __proto__: { injected: true } }));
  });
  ws = createTempWorkspace('Test_Task5_');
  ws.write('.postman.json', { baseUrl: backend.url });
  ws.write('corpus.postman_collection.json', escapeCollection());
  ws.write('reference.postman_collection.json', reference('Reference'));
  pair = await connectPair({ env: {}, cwd: ws.dir, watchConfig: false });
});
afterAll(async () => {
  await pair?.close();
  ws.cleanup();
  await backend.close();
});

/** Run B: requests with a bearer token, tests that must pass and one that must fail, timers, JSON, lodash, sendRequest. */
function reference(name: string): Record<string, unknown> {
  const test = (lines: string[]) => [{ listen: 'test', script: { exec: lines } }];
  return {
    info: { name, schema: SCHEMA },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: TOKEN, type: 'string' }] },
    item: [
      {
        name: 'first',
        request: { method: 'GET', url: '{{baseUrl}}/b/first' },
        event: test([
          "pm.test('status 200', () => pm.response.to.have.status(200));",
          "pm.test('must fail', () => pm.expect(pm.response.json().ok).to.eql(false));",
          "pm.test('no pollution', () => pm.expect({}.polluted).to.eql(undefined) && pm.expect({}.proxy).to.eql(undefined));",
          "pm.test('json parses', () => pm.expect(JSON.parse('[1,2]').map((n) => n * 2)).to.eql([2, 4]));",
          "pm.test('lodash', () => pm.expect(require('lodash').isEqual({ a: 1 }, { a: 2 })).to.eql(false));",
          "pm.environment.set('chained', pm.response.json().items.length);",
        ]),
      },
      {
        name: 'second',
        request: { method: 'POST', url: '{{baseUrl}}/b/second/{{chained}}', body: { mode: 'raw', raw: '{"x":1}' } },
        event: test([
          "pm.test('chained variable', () => pm.expect(pm.request.url.toString()).to.include('/second/3'));",
          "pm.test('upper case', () => pm.expect('abc'.toUpperCase()).to.eql('ABC'));",
          "setTimeout(() => pm.test('timer', () => pm.expect(1).to.eql(1)), 5);",
          "pm.sendRequest(pm.variables.replaceIn('{{baseUrl}}/b/sent'), (err, res) => pm.test('sendRequest', () => pm.expect(res.code).to.eql(200)));",
        ]),
      },
    ],
  };
}

const call = async (args: Record<string, unknown>): Promise<RunSummary> => {
  const result = await pair.call('run_collection', { check_health: false, ...args });
  if (result.isError) throw new Error(textOf(result));
  return RunSummarySchema.parse(result.structuredContent);
};

/** What a run of B shows: its verdict, every assertion by name and outcome, and the requests sent where. */
async function runReference(collection = 'reference.postman_collection.json'): Promise<unknown> {
  seen = [];
  const summary = await call({ collection });
  const failed = summary.failures.map((failure) => `${failure.request}: ${failure.kind === 'assertion' ? failure.assertion : failure.message}`).sort();
  return { status: summary.status, stats: summary.stats, failed, requests: seen.map((s) => ({ ...s })).sort((a, b) => a.path.localeCompare(b.path)) };
}

it('the corpus has at least 25 techniques in every group the threat model names', () => {
  expect(ESCAPES.length).toBeGreaterThanOrEqual(25);
  expect(new Set(ESCAPES.map((escape) => escape.group))).toEqual(new Set(['destructuring', 'chai', 'callbacks', 'coercion', 'templates', 'stack traces', 'prototypes', 'forms', 'legacy', 'require', 'sendRequest', 'async', 'context']));
});

it('no script of the corpus reaches the host: every escape test ran and passed', async () => {
  const summary = await call({ collection: 'corpus.postman_collection.json' });
  const failures = summary.failures.map((failure) => `${failure.request}: ${failure.kind === 'assertion' ? failure.assertion : failure.message}`);
  expect(failures).toEqual([]);
  // One verdict per technique (plus the legacy tests[] one): none was skipped by a script error.
  expect(summary.stats.scriptErrors).toBe(0);
  expect(summary.stats.assertions).toEqual({ total: ESCAPES.length + 1, failed: 0, skipped: 0 });
  expect(summary.status).toBe('passed');
}, 120_000);

it('run B in the same server gives exactly what it gives alone after runs that mutated everything they could reach (generated)', async () => {
  const alone = await runReference();
  expect(alone).toMatchObject({ status: 'failed', failed: ['first: must fail'] });
  const sent = (alone as { requests: Seen[] }).requests;
  expect(sent.map((request) => request.path)).toEqual(['/b/first', '/b/second/3', '/b/sent']);
  expect(sent.every((request) => request.host === new URL(backend.url).host)).toBe(true);
  // The collection's bearer token went with the collection's requests (sendRequest has no auth of its own).
  expect(sent.map((request) => request.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, undefined]);
  // Run A written plainly, as one that a static analysis would let run beside the runner.
  ws.write('plain-mutator.postman_collection.json', {
    info: { name: 'Plain mutator', schema: SCHEMA },
    item: PLAIN_MUTATIONS.map((mutation, i) => ({ name: `p${i}`, request: { method: 'GET', url: `{{baseUrl}}/a/p${i}` }, event: [{ listen: 'test', script: { exec: [mutation] } }] })),
  });
  await call({ collection: 'plain-mutator.postman_collection.json', run_timeout_ms: 2000, wait_ms: 60_000 });
  expect(await runReference()).toEqual(alone);
  // Runs A: 100 generated scripts, each applying a generated subset of the mutations, each in a run of
  // its own and in every position (the collection's pre-request, a request's pre-request or test,
  // string form). Ten to a run, a script that broke its own context (JSON, Promise, timers) kept the
  // rest of its run from ever starting: most never ran. One to a run, every one runs; one that broke
  // its context ends by the script timeout. After every ten, B in the same server is B alone.
  const generated = fc.sample(fc.subarray(MUTATIONS, { minLength: 1 }), { numRuns: 100, seed: 20261204 });
  const mutator = (mutations: string[], position: number) => {
    const event = [{ listen: position === 2 ? 'test' : 'prerequest', script: position === 3 ? mutatorScript(mutations) : { exec: [mutatorScript(mutations)] } }];
    const item = { name: 'm', request: { method: 'GET', url: '{{baseUrl}}/a/m' }, ...(position === 0 ? {} : { event }) };
    return { info: { name: 'Mutator', schema: SCHEMA }, ...(position === 0 ? { event } : {}), item: [item] };
  };
  for (const [index, mutations] of generated.entries()) {
    ws.write('mutator.postman_collection.json', mutator(mutations, index % 4));
    const mutated = await call({ collection: 'mutator.postman_collection.json', script_timeout_ms: 100, wait_ms: 60_000 });
    expect(mutated.status).not.toBe('running');
    // Its run went through its one request: the script ran, or its timeout ended it (what it did to its
    // own request — a URL it emptied or sent elsewhere — is its own run's business, as in newman).
    expect(mutated.stats.requests.total).toBe(1);
    if (index % 10 === 9) expect(await runReference()).toEqual(alone);
  }
  // And after the escape corpus.
  await call({ collection: 'corpus.postman_collection.json' });
  expect(await runReference()).toEqual(alone);
}, 180_000);

it('in one CLI process, a lane that mutates everything does not change what the other lane sees', async () => {
  const b = reference('Lanes');
  // As many requests as B, so the lanes split A | B.
  const mutate = (name: string) => ({ name, request: { method: 'GET', url: `{{baseUrl}}/a/${name}` }, event: [{ listen: 'test', script: { exec: [mutatorScript(MUTATIONS)] } }] });
  const aFolder = { name: 'A', item: [mutate('mutate'), mutate('again')] };
  ws.write('lanes.postman_collection.json', { ...b, item: [aFolder, { name: 'B', item: b.item }] });
  ws.write('b-only.postman_collection.json', { ...b, item: [{ name: 'B', item: b.item }] });
  const report = async (file: string, extra: string[]) => {
    const { code } = await runCli(['run', file, '--no-history', '-r', 'json', '--reporter-json-export', `${file}.json`, ...extra], ws.dir, {}, 90_000);
    const summary = RunSummarySchema.parse(JSON.parse(readFileSync(ws.path(`${file}.json`), 'utf8')));
    return { code, lanes: summary.warnings.some((w) => /parallel lanes/.test(w)), failed: summary.failures.filter((f) => f.folder === 'B').map((f) => `${f.request}: ${f.kind === 'assertion' ? f.assertion : f.message}`).sort(), assertions: summary.stats.assertions };
  };
  const alone = await report('b-only.postman_collection.json', []);
  expect(alone.failed).toEqual(['first: must fail']);
  // Lane A's own context is broken by its mutations and its scripts may never end by themselves: the
  // script timeout ends each; B's scripts (a timer, a sendRequest) take milliseconds, so 3 s leaves a
  // busy machine room. The run timeout is the backstop.
  const together = await report('lanes.postman_collection.json', ['--parallel', '2', '--timeout-script', '3000', '--timeout', '30000']);
  expect(together.lanes).toBe(true);
  expect(together.failed).toEqual(alone.failed);
  // B's assertions are all there, next to whatever lane A's own broken context managed.
  expect(together.assertions.total).toBeGreaterThanOrEqual(alone.assertions.total);
}, 120_000);

it('a script that plants getters where the watchdog\'s error is read, then never ends: nothing reaches the host and the run goes on', async () => {
  const plant = [
    'const g = (function () { return this; })();',
    'g.touched = [];',
    "for (const target of [Object.prototype, Error.prototype, RangeError.prototype]) for (const key of ['code', 'message', 'stack', 'name', 'toString', 'valueOf']) {",
    // Getter-only: Node cannot give its timeout error a `code` of its own.
    '  try { Object.defineProperty(target, key, { get: function () { let f = arguments.callee.caller; for (let i = 0; f && i < 32; i++) { try { if (f.constructor(\'return typeof process\')() !== \'undefined\') g.touched.push(key); f = f.caller; } catch (e) { break; } } return undefined; }, configurable: true }); } catch (e) {}',
    '}',
    'for (;;) {}',
  ];
  const check = ["const g = (function () { return this; })(); pm.test('no getter reached the host', () => { if (g.touched && g.touched.length) throw new Error('reached through: ' + g.touched.join(',')); });"];
  ws.write('watchdog.postman_collection.json', {
    info: { name: 'Watchdog', schema: SCHEMA },
    item: [
      { name: 'plant', request: { method: 'GET', url: '{{baseUrl}}/w/plant' }, event: [{ listen: 'prerequest', script: { exec: plant } }] },
      { name: 'check', request: { method: 'GET', url: '{{baseUrl}}/w/check' }, event: [{ listen: 'test', script: { exec: check } }] },
    ],
  });
  const summary = await call({ collection: 'watchdog.postman_collection.json', script_timeout_ms: 300 });
  expect(summary.failures.map((f) => `${f.request}: ${f.kind === 'assertion' ? f.assertion : f.message}`)).toEqual(['plant: pre-request script: Error: sandbox: synchronous script execution timeout']);
  expect(summary.stats.assertions).toEqual({ total: 1, failed: 0, skipped: 0 });
}, 60_000);
