// The run summary's pure pieces: a run as a tool answers it (compaction and its round trip),
// unresolved variables, warnings said once, the exchanges a run keeps, and lanes merged into one run.
import { compactRunSummary, countRepeats, deprecationWarning, MAX_KEPT_EXCHANGES, RunRecorder, RunSummarySchema, unresolvedVariables, type RequestRecord } from '../../../src/core/results/summary.js';

it('unresolvedVariables reads {{x}} as written and as percent-encoded, not dynamic {{$guid}}', () => {
  expect(unresolvedVariables('http://{{host}}/a/{{id}}?x={{$guid}}')).toEqual(['host', 'id']);
  expect(unresolvedVariables('http:///%7B%7BAPIURL%7D%7D/articles')).toEqual(['APIURL']);
  expect(unresolvedVariables('http://localhost/ok')).toEqual([]);
});

describe('compactRunSummary (a run as a tool answers it)', () => {
  const full = {
    runId: 'r', status: 'passed' as const, collection: { name: 'C', source: { kind: 'local' as const, ref: 'c.json', path: 'c.json' } }, startedAt: '2026-11-30T00:00:00.000Z', endedAt: '2026-11-30T00:00:01.000Z',
    durationMs: 1000, progress: { done: 2, total: 2 }, stats: { iterations: 1, requests: { total: 2, failed: 0 }, assertions: { total: 2, failed: 0, skipped: 0 }, scriptErrors: 0 },
    failures: [], failuresOmitted: 0, causes: [], causesOmitted: 0, console: [], consoleOmitted: 0, warnings: [], warningCodes: {},
  };
  it('leaves out empty lists, zero counts, the end time and a path equal to its reference; parsing restores the lists and counts', () => {
    const compact = compactRunSummary(full);
    expect(Object.keys(compact).sort()).toEqual(['collection', 'durationMs', 'runId', 'startedAt', 'stats', 'status']);
    expect(compact.stats).toEqual({ requests: { total: 2 }, assertions: { total: 2 } });
    expect(compact.collection.source).toEqual({ kind: 'local', ref: 'c.json' });
    const { endedAt: _endedAt, ...rest } = full;
    expect(RunSummarySchema.parse(compact)).toEqual({ ...rest, collection: { name: 'C', source: { kind: 'local', ref: 'c.json' } } });
  });
  it('progress stays while a run runs, or when not every planned request ran; zero totals and more iterations round-trip', () => {
    const running = { ...full, status: 'running' as const, progress: { done: 2, total: 2 } };
    expect(compactRunSummary(running).progress).toEqual({ done: 2, total: 2 });
    const short = { ...full, status: 'cancelled' as const, progress: { done: 1, total: 2 }, stats: { ...full.stats, requests: { total: 1, failed: 0 } } };
    expect(compactRunSummary(short).progress).toEqual({ done: 1, total: 2 });
    expect(RunSummarySchema.parse(compactRunSummary(short)).progress).toEqual({ done: 1, total: 2 });
    const empty = { ...full, progress: { done: 0, total: 0 }, stats: { iterations: 3, requests: { total: 0, failed: 0 }, assertions: { total: 0, failed: 0, skipped: 0 }, scriptErrors: 0 } };
    const { endedAt: _endedAt, ...rest } = empty;
    expect(compactRunSummary(empty).stats).toEqual({ iterations: 3, requests: {}, assertions: {} });
    expect(RunSummarySchema.parse(compactRunSummary(empty))).toEqual({ ...rest, collection: { name: 'C', source: { kind: 'local', ref: 'c.json' } } });
  });
  it('is self-contained: every failure carries its own request fields, as parsing reads them', () => {
    const at = (requestIndex: number, assertion: string) => ({ kind: 'assertion' as const, iteration: 0, folder: 'F', request: `r${requestIndex}`, method: 'GET', url: `http://x/${requestIndex}`, requestIndex, assertion, message: `${assertion}!` });
    const failures = [at(1, 'a'), at(1, 'b'), at(2, 'c'), at(2, 'd')];
    const compact = compactRunSummary({ ...full, status: 'failed', failures });
    expect(compact.failures).toEqual(failures);
    expect(RunSummarySchema.parse(compact).failures).toEqual(failures);
  });
  it('keeps what is there: failures, warnings, console, omitted counts, a path that differs', () => {
    const failure = { kind: 'assertion' as const, iteration: 0, folder: '', request: 'a', message: 'm' };
    const busy = { ...full, collection: { name: 'C', source: { kind: 'local' as const, ref: 'C', path: 'postman/c.json' } }, failures: [failure], failuresOmitted: 3, console: [{ level: 'log', message: 'x' }], consoleOmitted: 1, warnings: ['w'] };
    expect(compactRunSummary(busy)).toMatchObject({ failures: [failure], failuresOmitted: 3, console: [{ level: 'log', message: 'x' }], consoleOmitted: 1, warnings: ['w'], collection: { source: { path: 'postman/c.json' } } });
  });
});

describe('warnings said once', () => {
  it('the same warning given several times is said once with a count, in first-seen order', () => {
    expect(countRepeats(['a', 'b', 'a', 'a'])).toEqual(['a (×3)', 'b']);
    expect(countRepeats([])).toEqual([]);
  });
  it('legacy APIs: one warning naming each API with its replacement and up to three requests', () => {
    const record = (folder: string, name: string, deprecated?: string[]): RequestRecord => ({ iteration: 0, folder, name, method: 'GET', url: 'u', assertions: { passed: 0, failed: 0, skipped: 0 }, ...(deprecated ? { deprecated } : {}) });
    expect(deprecationWarning([record('', 'a')])).toBeUndefined();
    const warning = deprecationWarning([
      record('F', 'a', ['tests → pm.test()']),
      record('F', 'a', ['tests → pm.test()']),
      record('', 'b', ['tests → pm.test()', 'responseBody → pm.response.text()']),
      record('', 'c', ['tests → pm.test()']),
      record('G', 'd', ['tests → pm.test()']),
    ]);
    expect(warning).toBe('Deprecated sandbox APIs (they still work; replace them in the scripts): tests → pm.test() in 4 requests (F/a, b, c, …); responseBody → pm.response.text() in 1 request (b).');
  });
});

describe('the exchanges a run keeps', () => {
  it(`headers and bodies are heard live for every request, kept for the first ${MAX_KEPT_EXCHANGES} and every failed one`, () => {
    const heard: number[] = [];
    const recorder = new RunRecorder({ runId: 'r', collection: { name: 'C', source: { kind: 'local', ref: 'c' } }, total: MAX_KEPT_EXCHANGES + 3, iterations: 1, warnings: [], exchanges: true, onRequest: (event) => event.record.exchange && heard.push(event.index) });
    const headers = { all: () => [{ key: 'authorization', value: 'Bearer x' }, { key: 'accept', value: '*/*' }] };
    for (let i = 0; i < MAX_KEPT_EXCHANGES + 3; i += 1) {
      const item = { name: `r${i}`, request: { method: 'GET', url: { toString: () => `http://x/${i}` }, headers } };
      recorder.handlers.beforeItem(null, { iteration: 0 }, item);
      recorder.handlers.request(null, { iteration: 0 }, { code: 200, status: 'OK', headers, text: () => 'body' }, item.request, item);
      const failing = i === MAX_KEPT_EXCHANGES + 1;
      recorder.handlers.assertion({ iteration: 0 }, [{ name: 'a', ...(failing ? { error: { message: 'no' } } : {}) }]);
      recorder.handlers.item(null, { iteration: 0 }, item, undefined);
    }
    expect(heard).toHaveLength(MAX_KEPT_EXCHANGES + 3);
    const kept = recorder.records.flatMap((record, i) => (record.exchange ? [i] : []));
    expect(kept).toEqual([...Array.from({ length: MAX_KEPT_EXCHANGES }, (_, i) => i), MAX_KEPT_EXCHANGES + 1]);
    // Credential headers are never kept, whatever the variables' types.
    expect(recorder.records[0].exchange?.request?.headers).toEqual([['authorization', '****'], ['accept', '*/*']]);
  });
});

describe('merging lanes (absorb)', () => {
  it('the warnings built from records are said once, from all of them; the others are kept once each', () => {
    const lane = (name: string, deprecated: string[]) => {
      const recorder = new RunRecorder({ runId: 'r', collection: { name: 'C', source: { kind: 'local', ref: 'c' } }, total: 1, iterations: 1, warnings: ['same elsewhere'] });
      const item = { name, request: { method: 'GET', url: { toString: () => 'http://x' } } };
      recorder.handlers.beforeItem(null, { iteration: 0 }, item);
      recorder.handlers.request(null, { iteration: 0 }, { code: 500, status: 'Internal Server Error' }, item.request, item);
      recorder.records.push({ iteration: 0, folder: '', name, method: 'GET', url: 'http://x', code: 500, assertions: { passed: 0, failed: 0, skipped: 0 }, deprecated });
      return { summary: recorder.finish(), records: recorder.records, iterationOffset: 0 };
    };
    const merged = new RunRecorder({ runId: 'r', collection: { name: 'C', source: { kind: 'local', ref: 'c' } }, total: 2, iterations: 1, warnings: [] });
    const lanes = [lane('a', ['tests → pm.test()']), lane('b', ['tests → pm.test()'])];
    expect(lanes[0].summary.warnings.some((w) => w.startsWith('1 request answered 4xx/5xx'))).toBe(true);
    merged.absorb(lanes);
    const { warnings } = merged.finish();
    expect(warnings.filter((w) => /answered 4xx\/5xx/.test(w))).toEqual([expect.stringMatching(/^2 requests answered 4xx\/5xx and no assertion checked them: a → 500, b → 500/)]);
    expect(warnings.filter((w) => w.startsWith('Deprecated sandbox APIs'))).toEqual([expect.stringContaining('tests → pm.test() in 2 requests (a, b)')]);
    expect(warnings.filter((w) => w === 'same elsewhere')).toHaveLength(1);
  });
});
