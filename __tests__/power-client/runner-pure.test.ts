// The pure pieces of the runner, tested directly: lane planning, item ids, item selection, the
// confinement check, unresolved variables and "did you mean".
import { symlinkSync } from 'node:fs';
import { closeMatches } from '../../src/core/did-you-mean.js';
import fc from 'fast-check';
import { planLanes, planShard } from '../../src/core/runs/lanes.js';
import { findItems } from '../../src/core/sources/outline.js';
import { type RunInput } from '../../src/core/engine/run-collection.js';
import { withItemIds, selectItems } from '../../src/core/collection/selection.js';
import { compactRunSummary, countRepeats, deprecationWarning, MAX_KEPT_EXCHANGES, RunRecorder, RunSummarySchema, unresolvedVariables, type RequestRecord } from '../../src/core/results/summary.js';
import { resolveInsideRoot } from '../../src/core/files/workspace-files.js';
import { createTempWorkspace } from '../support/temp-workspace.js';
import { DEFAULT_RUN_OPTIONS } from '../../src/core/runs/options.js';

const request = (name: string) => ({ name, request: 'http://x/' });
const folder = (name: string, count: number) => ({ name, item: Array.from({ length: count }, (_, i) => request(`${name}-${i}`)) });
const input = (item: unknown[], extra: Partial<RunInput> = {}): RunInput => ({ ...DEFAULT_RUN_OPTIONS, collection: { info: { name: 'C' }, item }, source: { kind: 'local', ref: 'c' }, root: '/', ...extra });

describe('planLanes', () => {
  it('one lane when parallel is 1 or nothing can be split: the input itself, from its first iteration', () => {
    const [only] = planLanes(input([folder('A', 2), folder('B', 2)]), 1);
    expect(planLanes(input([folder('A', 2), folder('B', 2)]), 1)).toHaveLength(1);
    expect(only.iterationOffset).toBe(0);
    expect(only.input.folders).toBeUndefined();
    expect(only.input.collection.item).toHaveLength(2);
    expect(planLanes(input([request('a'), request('b')]), 4)).toHaveLength(1);
    expect(planLanes(input([request('a')], { iterations: 1 }), 4)).toHaveLength(1);
  });
  it('two iterations make two lanes; without data the lanes carry none', () => {
    const lanes = planLanes(input([request('a')], { iterations: 2 }), 4);
    expect(lanes.map((lane) => [lane.iterationOffset, lane.input.iterations, lane.input.data])).toEqual([
      [0, 1, undefined],
      [1, 1, undefined],
    ]);
  });
  it('a selection of folders is what gets split', () => {
    const lanes = planLanes(input([folder('A', 1), folder('B', 1), folder('C', 1)], { folders: ['A', 'C'] }), 2);
    expect(lanes.map((lane) => lane.input.folders)).toEqual([['pp-0'], ['pp-2']]);
  });
  it('splits top-level folders into contiguous lanes of similar size, by id', () => {
    const lanes = planLanes(input([folder('A', 4), folder('B', 1), folder('C', 1), folder('D', 4)]), 2);
    expect(lanes.map((lane) => lane.input.folders)).toEqual([['pp-0', 'pp-1'], ['pp-2', 'pp-3']]);
  });
  it('two folders of the same name are two lanes, each addressed by its own id', () => {
    const lanes = planLanes(input([folder('Tags', 1), folder('Tags', 1)]), 2);
    expect(lanes.map((lane) => lane.input.folders)).toEqual([['pp-0'], ['pp-1']]);
  });
  it('splits iterations with their data rows and offsets when there are no folders', () => {
    const lanes = planLanes(input([request('a')], { iterations: 5, data: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }] }), 2);
    expect(lanes.map((lane) => [lane.iterationOffset, lane.input.iterations, lane.input.data?.map((row) => row.n)])).toEqual([
      [0, 3, [1, 2, 3]],
      [3, 2, [4, 5]],
    ]);
  });
});

describe('withItemIds and selectItems', () => {
  it('gives missing and duplicate ids a positional one and keeps unique ones', () => {
    const copy = withItemIds({ info: { name: 'C' }, item: [{ id: 'keep', ...folder('A', 1) }, { id: 'keep', ...request('b') }, request('c')] });
    expect((copy.item as Array<{ id: string; item?: Array<{ id: string }> }>).map((i) => i.id)).toEqual(['keep', 'pp-1', 'pp-2']);
    expect((copy.item[0] as { item: Array<{ id: string }> }).item[0].id).toBe('pp-0.0');
  });
  it('selects folders and requests, counts requests, refuses unknown names with close matches', () => {
    const collection = withItemIds({ info: { name: 'C' }, item: [folder('Users', 3), request('health')] });
    expect(selectItems(collection, ['health', 'Users'])).toEqual({ ids: ['pp-0', 'pp-1'], requests: 4 });
    expect(() => selectItems(collection, ['User'])).toThrow(/No folder or request "User"/);
  });
});

it('unresolvedVariables reads {{x}} as written and as percent-encoded, not dynamic {{$guid}}', () => {
  expect(unresolvedVariables('http://{{host}}/a/{{id}}?x={{$guid}}')).toEqual(['host', 'id']);
  expect(unresolvedVariables('http:///%7B%7BAPIURL%7D%7D/articles')).toEqual(['APIURL']);
  expect(unresolvedVariables('http://localhost/ok')).toEqual([]);
});

it('closeMatches suggests by edit distance first, then containment', () => {
  expect(closeMatches('folder', ['collection', 'folders', 'environment'])).toEqual(['folders']);
  expect(closeMatches('create tags', ['Tags', 'create tag', 'delete'])[0]).toBe('create tag');
  expect(closeMatches('zzz', ['alpha', 'beta'])).toEqual([]);
});

describe('resolveInsideRoot', () => {
  it('resolves inside, refuses .., absolute paths elsewhere and symlinks out, reports missing files', async () => {
    const ws = createTempWorkspace('Test_Task3_');
    const outside = createTempWorkspace('Test_Task3_');
    try {
      ws.write('a/b.json', '{}');
      outside.write('secret.json', '{}');
      symlinkSync(outside.path('secret.json'), ws.path('link.json'));
      await expect(resolveInsideRoot(ws.dir, 'a/b.json')).resolves.toMatch(/a\/b\.json$/);
      await expect(resolveInsideRoot(ws.dir, '../x.json')).rejects.toMatchObject({ code: 'path_outside_workspace' });
      await expect(resolveInsideRoot(ws.dir, outside.path('secret.json'))).rejects.toMatchObject({ code: 'path_outside_workspace' });
      await expect(resolveInsideRoot(ws.dir, 'link.json')).rejects.toMatchObject({ code: 'path_outside_workspace' });
      await expect(resolveInsideRoot(ws.dir, 'missing.json')).rejects.toMatchObject({ code: 'file_not_found' });
    } finally {
      ws.cleanup();
      outside.cleanup();
    }
  });
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

describe('planShard (CI shards)', () => {
  // A collection: top-level requests and folders (one level of subfolders), each request named uniquely.
  const tree = fc
    .array(fc.oneof(fc.constant(0), fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 })), { minLength: 1, maxLength: 8 })
    .map((shape) => {
      let n = 0;
      const request = () => ({ name: `r${(n += 1)}`, request: { method: 'GET', url: 'http://x' } });
      const item = shape.map((entry, f) =>
        entry === 0 ? request() : { name: `F${f}`, item: entry.map((child, c) => (child === 0 ? request() : { name: `F${f}.${c}`, item: Array.from({ length: child }, request) })) },
      );
      return withItemIds({ info: { name: 'C', schema: 'x' }, item } as never);
    });
  const leaves = (items: unknown[]): string[] => items.flatMap((item) => { const it = item as { name: string; item?: unknown[] }; return it.item ? leaves(it.item) : [it.name]; });

  it('n shards run every request exactly once, whatever the tree; the shares differ by at most the largest item', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 6 }), (collection, n) => {
        const shares = Array.from({ length: n }, (_, i) => planShard(collection, undefined, i + 1, n));
        const ran = shares.flatMap((share) => leaves(findItems(collection, share.refs).map((found) => found.item)));
        expect(ran.sort()).toEqual(leaves(collection.item).sort());
        expect(shares.every((share) => share.total === ran.length)).toBe(true);
        const sizes = shares.map((share) => share.requests);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(ran.length);
        // Once opened as far as it goes, the largest dealt item bounds the imbalance.
        const biggest = Math.max(...shares.flatMap((share) => findItems(collection, share.refs).map((found) => leaves([found.item]).length)), 0);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(biggest);
      }),
      { numRuns: 200 },
    );
  });

  it('every machine computes the same plan', () => {
    fc.assert(fc.property(tree, fc.integer({ min: 1, max: 6 }), (collection, n) => {
      expect(planShard(collection, undefined, n, n)).toEqual(planShard(structuredClone(collection), undefined, n, n));
    }), { numRuns: 100 });
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
