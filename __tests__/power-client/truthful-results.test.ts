// The verdict is true: lanes and selection address items by id (two folders of one name cannot stand
// in for each other), a cancel that arrives early is honoured, JUnit attaches each failure to its own
// request and validates against the JUnit schema CI tools read, and what a run did not check is said.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { junitReport } from '../../src/core/reports/reports.js';
import { RunSummarySchema, type RunSummary } from '../../src/core/results/summary.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const XSD = readFileSync(path.resolve('__tests__/fixtures/junit/junit.xsd'), 'utf8');

let backend: TestServer;
let ws: TempWorkspace;
let pair: ConnectedPair;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: status < 400 }));
  });
  ws = createTempWorkspace('Test_Task3_');
  pair = await connectPair({ cwd: ws.dir, env: {}, watchConfig: false });
});
afterAll(async () => {
  await pair.close();
  ws.cleanup();
  await backend.close();
});

const check = (name: string, status: number, expect = 200) => ({
  name,
  request: { method: 'GET', url: `${backend.url}/?status=${status}` },
  event: [{ listen: 'test', script: { exec: [`pm.test('status ${expect}', () => pm.response.to.have.status(${expect}));`] } }],
});
const write = (file: string, item: unknown[]) => ws.write(file, { info: { name: 'T', schema: SCHEMA }, item });
const run = async (args: Record<string, unknown>): Promise<RunSummary> => {
  const result = await pair.call('run_collection', { check_health: false, detail: 'full', ...args });
  expect(result.isError).toBeFalsy();
  return RunSummarySchema.parse(result.structuredContent);
};

describe('items are addressed by id, never by name', () => {
  beforeAll(() => {
    write('dup.postman_collection.json', [
      { name: 'Tags', item: [check('list tags', 200)] },
      { name: 'Tags', item: [check('create tag', 500)] },
    ]);
  });
  it.each([1, 2])('two top-level folders named "Tags", the second failing: parallel %i reports failed', async (parallel) => {
    const summary = await run({ collection: 'dup.postman_collection.json', parallel });
    expect(summary.status).toBe('failed');
    expect(summary.stats.requests.total).toBe(2);
    expect(summary.requests?.map((r) => r.name)).toEqual(['list tags', 'create tag']);
  });

  it('selection takes requests as well as folders, in collection order, and suggests close names', async () => {
    const summary = await run({ collection: 'dup.postman_collection.json', folders: ['create tag', 'list tags'] });
    expect(summary.requests?.map((r) => r.name)).toEqual(['list tags', 'create tag']);
    const unknown = await pair.call('run_collection', { collection: 'dup.postman_collection.json', folders: ['create tags'], check_health: false });
    expect(textOf(unknown)).toMatch(/^unknown_folder: [\s\S]*Did you mean: create tag/);
  });
});

it('an unknown argument is invalid_argument with a "did you mean" (folder → folders), and nothing runs', async () => {
  write('one.postman_collection.json', [check('one', 200)]);
  const result = await pair.call('run_collection', { collection: 'one.postman_collection.json', folder: 'Users', check_health: false });
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(/^invalid_argument: Unknown argument for run_collection: "folder"\nHint: Did you mean "folder" → "folders"\?/);
  const listed = await pair.client.listTools();
  expect(listed.tools.every((tool) => (tool.inputSchema as { additionalProperties?: unknown }).additionalProperties === false)).toBe(true);
});

it('a cancel that arrives while the run is being prepared is honoured: the run ends cancelled, never passed', async () => {
  ws.write('slow.postman_collection.json', { info: { name: 'Slow', schema: SCHEMA }, item: Array.from({ length: 30 }, (_, i) => check(`r${i}`, 200)) });
  const controller = new AbortController();
  const call = pair.client.callTool({ name: 'run_collection', arguments: { collection: 'slow.postman_collection.json', check_health: false } }, undefined, { signal: controller.signal });
  // The call is on its way (the collection is being read) when the client gives up.
  setTimeout(() => controller.abort(), 5);
  await expect(call).rejects.toThrow();
  let finals: RunSummary[] = [];
  // The run, if the server got as far as starting one, is found by its collection's name.
  for (let tries = 0; tries < 100 && finals.length === 0; tries += 1) {
    const listed = await pair.client.listResources();
    const ids = listed.resources.filter((r) => r.uri.startsWith('postman://runs/')).map((r) => r.uri.slice('postman://runs/'.length));
    const summaries = await Promise.all(ids.map(async (id) => RunSummarySchema.parse((await pair.call('run_collection', { run_id: id, wait_ms: 60_000 })).structuredContent)));
    finals = summaries.filter((summary) => summary.collection.name === 'Slow');
    if (finals.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const final of finals) expect(final.status).toBe('cancelled');
}, 60_000);

describe('JUnit', () => {
  it('two requests with the same name: each failure on its own testcase; errors counted; valid against the JUnit schema', async () => {
    write('junit.postman_collection.json', [
      check('same', 200),
      check('same', 500),
      { name: 'unreachable', request: { method: 'GET', url: 'http://127.0.0.1:9/' } },
    ]);
    const summary = await run({ collection: 'junit.postman_collection.json', reporters: ['junit'] });
    const xml = readFileSync(path.join(ws.dir, summary.reports!.junit!), 'utf8');
    const cases = xml.split('<testcase').slice(1);
    expect(cases).toHaveLength(3);
    expect(cases[0]).not.toMatch(/<failure/);
    expect(cases[1].match(/<failure/g)).toHaveLength(1);
    expect(cases[2]).toMatch(/<error type="request_error"/);
    expect(xml).toMatch(/<testsuite name="T" tests="3" failures="1" errors="1" skipped="0"/);
    const validation = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
    expect(validation.errors).toEqual([]);
    expect(validation.valid).toBe(true);
  }, 60_000);

  it.each([1, 2])('past the answer\'s cap of 20 failures, the reports hold every one (parallel %i)', async (parallel) => {
    const folders = ['A', 'B'].map((folder) => ({ name: folder, item: Array.from({ length: 13 }, (_, i) => check(`${folder}${i}`, 500)) }));
    write('many.postman_collection.json', folders);
    const summary = await run({ collection: 'many.postman_collection.json', reporters: ['junit', 'json', 'html'], parallel });
    expect(summary.failures).toHaveLength(20);
    expect(summary.failuresOmitted).toBe(6);
    const json = RunSummarySchema.parse(JSON.parse(readFileSync(path.join(ws.dir, summary.reports!.json!), 'utf8')));
    expect(json.failuresOmitted).toBe(0);
    expect(json.failures.map((f) => f.request)).toEqual([...Array.from({ length: 13 }, (_, i) => `A${i}`), ...Array.from({ length: 13 }, (_, i) => `B${i}`)]);
    expect(json.failures.every((f, i) => f.requestIndex === i && f.assertion === 'status 200' && f.actual === 500)).toBe(true);
    const xml = readFileSync(path.join(ws.dir, summary.reports!.junit!), 'utf8');
    expect(xml.match(/<failure type="AssertionError" message="status 200: /g)).toHaveLength(26);
    expect(xml).not.toMatch(/more assertion\(s\) failed/);
    expect(summary.reports!.html).toMatch(/^\.postman-power\/reports\/run-.*\.html$/);
    expect(readFileSync(path.join(ws.dir, summary.reports!.html!), 'utf8')).toContain('<h2>Failures (26)</h2>');
  }, 60_000);

  it('the validator catches a broken report (the oracle can fail)', async () => {
    const summary = RunSummarySchema.parse({
      runId: 'x', status: 'passed', collection: { name: 'T', source: { kind: 'local', ref: 'x' } }, startedAt: new Date().toISOString(), durationMs: 1,
      progress: { done: 1, total: 1 }, stats: { iterations: 1, requests: { total: 1, failed: 0 }, assertions: { total: 0, failed: 0, skipped: 0 }, scriptErrors: 0 },
      failures: [], failuresOmitted: 0, console: [], consoleOmitted: 0, warnings: [],
    });
    const good = junitReport(summary, [{ iteration: 0, folder: '', name: 'a', method: 'GET', url: 'u', assertions: { passed: 0, failed: 0, skipped: 0 } }]);
    const broken = good.replace('errors="0"', 'errors="-1"');
    const result = await validateXML({ xml: [{ fileName: 'r.xml', contents: broken }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
    expect(result.valid).toBe(false);
  });
});

it('error answers no assertion checked are a warning, even on a passing run', async () => {
  write('unchecked.postman_collection.json', [check('checked', 200), { name: 'unchecked', request: { method: 'GET', url: `${backend.url}/?status=503` } }]);
  const summary = await run({ collection: 'unchecked.postman_collection.json' });
  expect(summary.status).toBe('passed');
  expect(summary.warnings.join('\n')).toMatch(/1 request answered 4xx\/5xx and no assertion checked it: unchecked → 503/);
});

it('an unresolved URL variable is named in the failure, the warnings and the hint; an unused base_url is said', async () => {
  write('vars.postman_collection.json', [{ name: 'list', request: { method: 'GET', url: '{{APIURL}}/articles' } }]);
  const summary = await run({ collection: 'vars.postman_collection.json', base_url: backend.url });
  expect(summary.status).toBe('errored');
  expect(summary.failures[0].message).toMatch(/\{\{APIURL\}\}, which is not defined in the environment, globals or collection variables/);
  expect(summary.warnings.join('\n')).toMatch(/Unresolved variables in request URLs: \{\{APIURL\}\} \(1 request\)/);
  expect(summary.warningCodes.unresolved_variables).toMatch(/^Unresolved variables in request URLs/);
  expect(summary.warnings.join('\n')).toMatch(/was not applied: no request uses \{\{baseUrl\}\}. The collection's hosts come from \{\{APIURL\}\}/);
  expect(summary.hint).toMatch(/variables nothing defines/);
});

it('a base_url a request uses (anywhere: URL, header, body, a nested folder) is not said to be unused', async () => {
  write('used.postman_collection.json', [
    { name: 'folder', item: [{ name: 'nested', request: { method: 'POST', url: `${backend.url}/`, header: [{ key: 'x-origin', value: '{{baseUrl}}' }], body: { mode: 'raw', raw: '{}' } } }] },
  ]);
  const summary = await run({ collection: 'used.postman_collection.json', base_url: backend.url });
  expect(summary.status).toBe('passed');
  expect(summary.warnings.join('\n')).not.toMatch(/was not applied/);
});

it('one response excerpt per failed request, shared by its assertions; a repeated console line is counted once', async () => {
  write('shared.postman_collection.json', [
    {
      name: 'three failures',
      request: { method: 'GET', url: `${backend.url}/?status=500` },
      event: [
        {
          listen: 'test',
          script: {
            exec: [
              "for (let i = 0; i < 5; i += 1) console.warn('retrying', 'later');",
              "pm.test('a', () => pm.response.to.have.status(200));",
              "pm.test('b', () => pm.expect(1).to.eql(2));",
              "pm.test('c', () => pm.expect(pm.response.json().ok).to.be.true);",
            ],
          },
        },
      ],
    },
  ]);
  const summary = await run({ collection: 'shared.postman_collection.json' });
  expect(summary.failures).toHaveLength(3);
  expect(summary.failures.filter((f) => f.response)).toHaveLength(1);
  expect(new Set(summary.failures.map((f) => f.requestIndex))).toEqual(new Set([0]));
  expect(summary.console).toEqual([{ level: 'warn', message: 'retrying later', count: 5 }]);
  const result = await pair.call('run_collection', { collection: 'shared.postman_collection.json', check_health: false });
  // A scripted client reading structuredContent alone (no schema to restore anything) finds each failure's request.
  const raw = result.structuredContent as { failures: Array<Record<string, unknown>>; causes: Array<{ example: Record<string, unknown> }> };
  expect(raw.failures).toHaveLength(3);
  for (const failure of [...raw.failures, ...raw.causes.map((cause) => cause.example)]) {
    expect(failure).toMatchObject({ request: 'three failures', folder: '', method: 'GET', url: expect.stringContaining('status=500'), iteration: 0 });
  }
  const text = textOf(result);
  // Three causes, one line each; the response excerpt once in the JSON, with the first of them.
  expect(text.split('\n').filter((line) => /^\d+\. /.test(line))).toHaveLength(3);
  expect(text.match(/bodyExcerpt/g)).toHaveLength(1);
});

describe('legacy sandbox APIs are said once for the run: which API, its replacement, which requests', () => {
  beforeAll(() => {
    const legacy = (name: string, folder: string) => ({
      name: folder,
      item: [1, 2].map((n) => ({
        name: `${name} ${n}`,
        request: { method: 'GET', url: `${backend.url}/?status=200` },
        event: [
          { listen: 'prerequest', script: { exec: ["postman.setEnvironmentVariable('seen', 'yes');"] } },
          { listen: 'test', script: { exec: ["tests['ok'] = responseCode.code === 200;", "console.log('own line');"] } },
        ],
      })),
    });
    write('legacy.postman_collection.json', [legacy('users', 'Users'), legacy('tags', 'Tags'), legacy('posts', 'Posts')]);
  });
  it.each([1, 2])('parallel %i: one warning, no console copies, every request named once per API', async (parallel) => {
    const summary = await run({ collection: 'legacy.postman_collection.json', parallel });
    expect(summary.status).toBe('passed');
    expect(summary.stats.assertions).toMatchObject({ total: 6, failed: 0 });
    const deprecations = summary.warnings.filter((warning) => warning.startsWith('Deprecated sandbox APIs'));
    expect(deprecations).toHaveLength(1);
    expect(deprecations[0]).toContain('tests → pm.test() in 6 requests (Users/users 1, Users/users 2, Tags/tags 1, …)');
    expect(deprecations[0]).toContain('responseCode → pm.response.code in 6 requests');
    expect(deprecations[0]).toContain('postman.setEnvironmentVariable → pm.environment.set() in 6 requests');
    // The sandbox's own lines are folded into the warning; the scripts' own output stays.
    expect(summary.console).toEqual([{ level: 'log', message: 'own line', count: 6 }]);
    expect(summary.requests?.[0].deprecated).toEqual(expect.arrayContaining(['tests → pm.test()', 'responseCode → pm.response.code']));
  });
});
