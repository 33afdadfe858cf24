// Heap limits: a script that keeps allocating, or a run that outgrows its thread, ends its run with a
// clear out_of_memory result (the request it was in failed, the verdict errored, the hint says what
// to do) instead of taking the machine's memory and hanging — and the server lives on. The limits
// are lowered through their environment variables so the tests hit them in seconds.
import { readFileSync } from 'node:fs';
import { RunSummarySchema } from '../../src/core/runner/summary.js';
import { runCli } from '../support/cli.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

const run = (collection: string, env: Record<string, string>) => runCli(['run', collection, '--no-history', '-r', 'cli,json', '--reporter-json-export', `${collection}.report.json`], ws.dir, env, 90_000);

let backend: TestServer;
let ws: TempWorkspace;
beforeAll(async () => {
  backend = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  ws = createTempWorkspace('Test_Task5_');
  ws.write('.postman.json', { baseUrl: backend.url });
  const collection = (name: string, hog: string) => ({
    info: { name, schema: SCHEMA },
    item: [
      { name: 'before', request: { method: 'GET', url: '{{baseUrl}}/a' }, event: [{ listen: 'test', script: { exec: ["pm.test('ok', () => pm.response.to.have.status(200));"] } }] },
      { name: 'hog', request: { method: 'GET', url: '{{baseUrl}}/b' }, event: [{ listen: 'test', script: { exec: [hog] } }] },
      { name: 'after', request: { method: 'GET', url: '{{baseUrl}}/c' }, event: [{ listen: 'test', script: { exec: ["pm.test('ok', () => pm.response.to.have.status(200));"] } }] },
    ],
  });
  ws.write('small.postman_collection.json', collection('Small objects', 'const a = []; for (;;) a.push({ n: a.length, s: String(a.length) });'));
  ws.write('large.postman_collection.json', collection('Large arrays', 'const a = []; for (;;) a.push(new Array(1e6).fill(Math.random()));'));
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

it.each(['small', 'large'])('a script that keeps allocating (%s) ends the run with out_of_memory on the request it was in', async (kind) => {
  const { code, stdout } = await run(`${kind}.postman_collection.json`, { POSTMAN_POWER_SCRIPT_HEAP_MB: '48' });
  expect(code).toBe(1);
  expect(stdout).toMatch(/out_of_memory: a script used more than the script sandbox's 48 MB heap/);
  const report = RunSummarySchema.parse(JSON.parse(readFileSync(ws.path(`${kind}.postman_collection.json.report.json`), 'utf8')));
  expect(report.status).toBe('errored');
  expect(report.failures).toEqual([expect.objectContaining({ kind: 'script_error', request: 'hog', message: expect.stringMatching(/^out_of_memory: /) })]);
  // What ran before it is kept; what came after never ran, and the run does not say it passed.
  expect(report.stats.assertions).toMatchObject({ total: 1, failed: 0 });
  expect(report.stats.scriptErrors).toBe(1);
  expect(report.hint).toMatch(/ran out of memory/);
}, 120_000);

it('a run that outgrows its thread\'s heap ends with out_of_memory, not a crash', async () => {
  const { code, stdout } = await run('small.postman_collection.json', { POSTMAN_POWER_RUN_HEAP_MB: '16' });
  expect(code).toBe(1);
  expect(stdout).toMatch(/out_of_memory: the run used more than its 16 MB heap, so it stopped/);
  expect(stdout).toMatch(/^Run errored/m);
}, 120_000);
