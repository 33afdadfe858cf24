// Inputs that try to scale the server's work or its answers: report files with huge or broken numbers
// and dates, huge flags, huge names echoed back, a JSON-RPC line over the limit. Each is refused by
// name (or cut to an excerpt with its length), quickly, and the answer stays small.
import { idAtLineStart } from '../src/stdio-transport.js';
import { parseJsonReport } from '../src/core/reports/merge-reports.js';
import { jsonReport } from '../src/core/reports/reports.js';
import { passedRecord, passedSummary } from './support/summaries.js';
import { runCli } from './support/cli.js';
import { connectPair, textOf } from './support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
let ws: TempWorkspace;
beforeEach(() => {
  ws = createTempWorkspace('Test_Task5_');
});
afterEach(() => ws.cleanup());

describe('the id of a JSON-RPC line too long to read', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":7,"method":"ping","params":{"pad":"xx', 7],
    ['{ "id" : "call-1" , "method":"ping","params":{"pad":"x', 'call-1'],
    ['{"jsonrpc":"2.0","method":"tools/call","id":-3,"params":{', -3],
    ['{"params":{"id":3},"id":"outer","method":"x","pad":"', 'outer'],
    ['{"method":"\\"id\\":5","id":9,"params":{"x":"', 9],
    ['{"a":[1,{"id":2},"]"],"id":"after-array","p":"', 'after-array'],
  ])('%s → %p', (head, id) => expect(idAtLineStart(head)).toEqual(id));

  it.each([
    '{"jsonrpc":"2.0","method":"ping","params":{"id":3,"pad":"xxx',
    '{"jsonrpc":"2.0","method":"ping","params":{"pad":"xxxx',
    '{"id":12',
    '{"id":"unterminated',
    '["id", 3',
    'not json',
    '{"id":{"nested":1},',
  ])('%s → null', (head) => expect(idAtLineStart(head)).toBeNull());
});

describe('merge-reports reads a report as hostile input', () => {
  const good = () => JSON.parse(JSON.stringify(jsonReport(passedSummary(), [passedRecord()], { index: 1, count: 2 }))) as Record<string, any>;

  it('a report as written is read', () => expect(parseJsonReport('ok.json', good()).report.shard).toEqual({ index: 1, count: 2 }));

  it.each<[string, (report: Record<string, any>) => void, RegExp]>([
    ['shard.count 3e7', (r) => (r.shard.count = 3e7), /shard\.count/],
    ['shard.count 2e9', (r) => (r.shard.count = 2e9), /shard\.count/],
    ['shard.index past the count', (r) => (r.shard = { index: 5, count: 2 }), /shard\.index: must be at most shard\.count/],
    ['startedAt "x"', (r) => (r.startedAt = 'x'), /startedAt: must be an ISO 8601 date/],
    ['endedAt a huge string', (r) => (r.endedAt = '2026-'.repeat(100_000)), /endedAt/],
    ['durationMs 1e308', (r) => (r.durationMs = 1e308), /durationMs/],
    ['durationMs negative', (r) => (r.durationMs = -1), /durationMs/],
    ['stats.iterations 1e308', (r) => (r.stats.iterations = 1e308), /stats\.iterations/],
    ['progress.total 1.5', (r) => (r.progress = { done: 1, total: 1.5 }), /progress\.total/],
  ])('%s is invalid_report naming the field', (_name, mutate, field) => {
    const report = good();
    mutate(report);
    let thrown: unknown;
    try {
      parseJsonReport('hostile.json', report);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'invalid_report', message: expect.stringMatching(field) });
    expect((thrown as Error).message.length).toBeLessThan(1000);
  });
});

describe('flags that would scale work without bound are refused by name', () => {
  it.each([
    [['run', 'c.json', '--shard', '1/100000000'], /--shard/],
    [['run', 'c.json', '--shard', '1/1e20'], /--shard/],
    [['run', 'c.json', '-n', '1e20'], /--iteration-count/],
    [['run', 'c.json', '--timeout', '99999999999'], /--timeout/],
    [['run', 'c.json', '--delay-request', '1e10'], /--delay-request/],
    [['run', 'c.json', '--parallel', '100000'], /--parallel/],
    [['check', '--attempts', '1e9'], /--attempts/],
  ])('%j', async (args, flag) => {
    const result = await runCli(args, ws.dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(flag);
    expect(result.stderr).toMatch(/from \d+ to \d+|≤ n ≤ \d+/);
  });
});

describe('an answer repeats its input only as an excerpt', () => {
  it('a 9 MB folder name comes back cut, with its length; the answer stays small and quick', async () => {
    ws.write('c.postman_collection.json', { info: { name: 'C', schema: SCHEMA }, item: [{ name: 'Users', item: [{ name: 'list', request: { method: 'GET', url: 'http://127.0.0.1:1/users' } }] }] });
    const pair = await connectPair({ cwd: ws.dir, watchConfig: false });
    try {
      const huge = `Users${'x'.repeat(9 * 1024 * 1024)}`;
      for (const [tool, args] of [
        ['get_collection', { collection: 'c.postman_collection.json', folder: huge }],
        ['run_collection', { collection: 'c.postman_collection.json', folders: [huge], check_health: false }],
        ['activate_power', { [huge]: 1 }],
      ] as const) {
        const result = await pair.call(tool, args);
        expect(result.isError).toBe(true);
        const size = JSON.stringify(result).length;
        expect(size).toBeLessThan(8_000);
        expect(textOf(result)).toMatch(/… \(9437189 characters\)/);
      }
    } finally {
      await pair.close();
    }
  }, 60_000);

});
