// Shards for CI matrices: `run --shard i/n` on n machines runs every request exactly once between
// them, and `merge-reports` gives the same counts and verdict as one unsharded run; a missing,
// repeated or foreign shard is said, and a missing one keeps the verdict from "passed".
import { readdirSync, readFileSync } from 'node:fs';
import { RunSummarySchema, type RunSummary } from '../../src/core/results/summary.js';
import { runCli } from '../support/cli.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

const cli = (args: string[]) => runCli(args, ws.dir);

type Report = RunSummary & { requests: Array<{ folder: string; name: string; iteration: number }>; shard?: { index: number; count: number } };
const readReport = (file: string): Report => {
  const raw = JSON.parse(readFileSync(ws.path(file), 'utf8'));
  return { ...RunSummarySchema.parse(raw), requests: raw.requests, shard: raw.shard };
};
const key = (record: { folder: string; name: string; iteration: number }) => `${record.iteration}:${record.folder}/${record.name}`;

let backend: TestServer;
let ws: TempWorkspace;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{}');
  });
  ws = createTempWorkspace('Test_Task5_');
  ws.write('.postman.json', { baseUrl: backend.url });
  const request = (name: string, status = 200) => ({
    name,
    request: { method: 'GET', url: `{{baseUrl}}/?status=${status}` },
    event: [{ listen: 'test', script: { exec: ["pm.test('200', () => pm.response.to.have.status(200));"] } }],
  });
  const folder = (name: string, size: number, failing = -1) => ({ name, item: Array.from({ length: size }, (_, i) => request(`${name} ${i + 1}`, i === failing ? 500 : 200)) });
  ws.write('shop.postman_collection.json', {
    info: { name: 'Shop', schema: SCHEMA },
    item: [folder('Users', 6, 2), folder('Tags', 1), folder('Orders', 3, 0), request('top one'), folder('Billing', 2), folder('Search', 4, 3), request('top two')],
  });
  ws.write('two.postman_collection.json', { info: { name: 'Two', schema: SCHEMA }, item: [folder('A', 2), folder('B', 1)] });
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

// One split here (the plan itself is checked for every tree and n by the property in core/runs/lanes.test.ts).
describe.each([3])('%i shards of one collection (2 iterations)', (n) => {
  let full: Report;
  let shards: Report[];
  beforeAll(async () => {
    // Side by side, as a CI matrix runs them.
    const [whole, ...parts] = await Promise.all([
      cli(['run', 'shop.postman_collection.json', '-n', '2', '--no-history', '-r', 'json', '--reporter-json-export', `full-${n}.json`]),
      ...Array.from({ length: n }, (_, i) => cli(['run', 'shop.postman_collection.json', '-n', '2', '--no-history', '--shard', `${i + 1}/${n}`, '-r', 'cli,json', '--reporter-json-export', `shards-${n}/`])),
    ]);
    expect(whole.code).toBe(1);
    full = readReport(`full-${n}.json`);
    parts.forEach((shard, i) => {
      expect([0, 1]).toContain(shard.code);
      expect(shard.stdout).toMatch(new RegExp(`Shard ${i + 1}/${n}: `));
    });
    shards = readdirSync(ws.path(`shards-${n}`)).map((file) => readReport(`shards-${n}/${file}`));
  }, 120_000);

  it('each shard says which it is; together they run every request exactly once', () => {
    expect(shards.map((report) => report.shard).sort((a, b) => a!.index - b!.index)).toEqual(Array.from({ length: n }, (_, i) => ({ index: i + 1, count: n })));
    const ran = shards.flatMap((report) => report.requests.map(key)).sort();
    expect(ran).toEqual(full.requests.map(key).sort());
    expect(new Set(ran).size).toBe(ran.length);
  });

  it('shares are balanced by request count: no two differ by more than the largest item (6 requests × 2 iterations)', () => {
    const sizes = shards.map((report) => report.stats.requests.total);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(12);
  });

  it('merge-reports gives the unsharded run\'s counts and verdict, with its exit code, into every report format', async () => {
    const files = readdirSync(ws.path(`shards-${n}`)).map((file) => `shards-${n}/${file}`);
    const merged = await cli(['merge-reports', ...files, '-r', 'cli,json,junit,html', '--reporter-json-export', `merged-${n}.json`, '--reporter-junit-export', `merged-${n}.xml`, '--reporter-html-export', `merged-${n}.html`]);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^Run failed: "Shop"/m);
    const report = readReport(`merged-${n}.json`);
    expect(report.status).toBe(full.status);
    expect(report.stats).toEqual(full.stats);
    expect(report.failures.map((failure) => `${failure.iteration}:${failure.folder}/${failure.request}`).sort()).toEqual(full.failures.map((failure) => `${failure.iteration}:${failure.folder}/${failure.request}`).sort());
    expect(readFileSync(ws.path(`merged-${n}.xml`), 'utf8')).toMatch(new RegExp(`<testsuites name="Shop" tests="${full.stats.requests.total}" failures="${full.failures.length}" errors="0"`));
    expect(readFileSync(ws.path(`merged-${n}.html`), 'utf8')).toContain(`<h2>Failures (${full.failures.length})</h2>`);
  }, 60_000);
});

it('a missing shard keeps the merged verdict from passing and says which; a shard given twice, or another collection, is a usage error', async () => {
  await Promise.all([1, 2, 3].map((i) => cli(['run', 'two.postman_collection.json', '--no-history', '--shard', `${i}/3`, '-r', 'json', '--reporter-json-export', `two/${i}.json`])));
  const all = await cli(['merge-reports', 'two/1.json', 'two/2.json', 'two/3.json']);
  expect(all.code).toBe(0);
  const partial = await cli(['merge-reports', 'two/1.json', 'two/3.json', '-r', 'json', '--reporter-json-export', 'two-partial.json']);
  expect(partial.code).toBe(1);
  const report = readReport('two-partial.json');
  expect(report.status).toBe('errored');
  expect(report.warnings.join('\n')).toMatch(/Shard 2 of 3 missing: their requests were not checked/);
  const twice = await cli(['merge-reports', 'two/1.json', 'two/1.json']);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toMatch(/Shard 1\/3 is given twice/);
  await cli(['run', 'shop.postman_collection.json', '--no-history', '--shard', '1/3', '-r', 'json', '--reporter-json-export', 'shop-1.json']);
  const foreign = await cli(['merge-reports', 'two/2.json', 'shop-1.json']);
  expect(foreign.code).toBe(2);
  expect(foreign.stderr).toMatch(/different collections: "Two"/);
  const notAReport = await cli(['merge-reports', '.postman.json']);
  expect(notAReport.code).toBe(2);
  expect(notAReport.stderr).toMatch(/\.postman\.json is not a postman-power JSON report/);
}, 120_000);

it('a shard with nothing to run (more shards than items) passes with an empty report, so the merge still counts it', async () => {
  const empty = await cli(['run', 'two.postman_collection.json', '--no-history', '--shard', '4/4', '-r', 'json', '--reporter-json-export', 'empty.json']);
  expect(empty.code).toBe(0);
  expect(empty.stdout).toMatch(/Shard 4\/4: nothing/);
  const report = readReport('empty.json');
  expect(report.shard).toEqual({ index: 4, count: 4 });
  expect(report.stats.requests.total).toBe(0);
  expect(report.progress).toEqual({ done: 0, total: 0 });
  expect(report.requests).toEqual([]);
}, 60_000);

it('--shard takes i/n with 1 ≤ i ≤ n only', async () => {
  const answers = await Promise.all(['0/3', '4/3', '2', 'a/b'].map((bad) => cli(['run', 'two.postman_collection.json', '--shard', bad])));
  for (const { code, stderr } of answers) {
    expect(code).toBe(2);
    expect(stderr).toMatch(/must be i\/n with 1 ≤ i ≤ n/);
  }
}, 60_000);
