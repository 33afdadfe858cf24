// Failures grouped by cause, as a property: for generated runs (causes × requests × iterations, each
// cause's messages carrying values that vary per request), the grouped answer names every distinct
// cause, its counts add up to the run's failures (and its assertion causes to the failed assertions),
// and the text plus the JSON an agent reads stay within the 4 KB budget whatever the failure count.
import fc from 'fast-check';
import { causeOf, groupFailures, MAX_CAUSES_KEPT } from '../../../src/core/results/causes.js';
import { MAX_CAUSES_SHOWN, presentRun } from '../../../src/core/results/format.js';
import { RunRecorder, RunSummarySchema, type Failure, type RequestRecord, type RunSummary } from '../../../src/core/results/summary.js';

const ANSWER_BUDGET = 4096;
const WORDS = ['refused', 'timeout', 'reset', 'lookup', 'handshake', 'proxy', 'closed', 'aborted'];

/** A value that differs from request to request, as real messages carry. */
const varying = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.stringMatching(/^[a-z]{1,12}$/).map((text) => `'${text}'`),
  fc.date({ min: new Date('2000-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }).map((date) => `'${date.toISOString()}'`),
  fc.uuid().map((id) => `"${id}"`),
);

interface CauseSpec {
  kind: Failure['kind'];
  id: number;
}
const causeMessage = (spec: CauseSpec, a: string, b: string): { assertion?: string; message: string } => {
  if (spec.kind === 'assertion') return { assertion: `check ${WORDS[spec.id % WORDS.length]} ${spec.id % 2 ? 'holds' : 'matches'} #${'x'.repeat(spec.id + 1)}`, message: `expected ${a} to deeply equal ${b}` };
  if (spec.kind === 'request_error') return { message: `${WORDS[spec.id % WORDS.length]}-${'y'.repeat(spec.id + 1)}: connect 127.0.0.1:${a.replace(/\D/g, '') || '1'}` };
  return { message: `test script: TypeError: Cannot read properties of undefined (reading ${a}) in ${WORDS[spec.id % WORDS.length]}${'z'.repeat(spec.id + 1)}` };
};

const runArbitrary = fc
  .record({
    causes: fc.uniqueArray(fc.record({ kind: fc.constantFrom<Failure['kind']>('assertion', 'assertion', 'request_error', 'script_error'), id: fc.integer({ min: 0, max: 15 }) }), { minLength: 1, maxLength: 8, selector: (spec) => `${spec.kind}${spec.id}` }),
    requests: fc.integer({ min: 1, max: 60 }),
    iterations: fc.integer({ min: 1, max: 3 }),
    seed: fc.array(fc.tuple(fc.nat(), fc.nat(), varying, varying), { minLength: 1, maxLength: 400 }),
    // Bodies that JSON-escaping makes longer, names as long as real ones get.
    body: fc.string({ unit: fc.constantFrom('"', '\\', '\n', 'a', 'é', '\u0001'), maxLength: 2048 }),
    names: fc.stringMatching(/^[A-Za-z ]{20,60}$/),
  })
  .map(({ causes, requests, iterations, seed, body, names }) => {
    const failures: Failure[] = [];
    const hit = new Set<string>();
    for (const [requestPick, causePick, a, b] of seed) {
      const request = requestPick % requests;
      const iteration = (requestPick >> 3) % iterations;
      const spec = causes[causePick % causes.length]!;
      const key = `${spec.kind}${spec.id}`;
      hit.add(key);
      failures.push({
        kind: spec.kind,
        iteration,
        folder: `${names} folder ${request % 7}`,
        request: `${names} request ${request}`,
        method: 'GET',
        url: `http://127.0.0.1:3000/items/${request}`,
        requestIndex: request + iteration * requests,
        ...causeMessage(spec, a, b),
        ...(failures.length % 3 === 0 ? { response: { code: 500, status: 'Internal Server Error', bodyExcerpt: body } } : {}),
      });
    }
    return { failures, iterations, distinct: hit.size };
  });

function summaryOf(failures: Failure[], iterations: number): RunSummary {
  const assertions = failures.filter((failure) => failure.kind === 'assertion').length;
  return RunSummarySchema.parse({
    runId: 'abcdef012345',
    status: 'failed',
    collection: { name: 'Generated', source: { kind: 'local', ref: 'c.json' } },
    startedAt: '2026-12-04T10:00:00.000Z',
    durationMs: 1234,
    stats: { iterations, requests: { total: 60 * iterations, failed: 0 }, assertions: { total: assertions + 10, failed: assertions, skipped: 0 }, scriptErrors: failures.filter((failure) => failure.kind === 'script_error').length },
    failures: failures.slice(0, 20),
    failuresOmitted: Math.max(0, failures.length - 20),
    causes: groupFailures(failures),
  });
}

it('every distinct cause is named once, the counts add up, and the answer stays within 4 KB', () => {
  fc.assert(
    fc.property(runArbitrary, ({ failures, iterations, distinct }) => {
      const summary = summaryOf(failures, iterations);
      expect(summary.causes).toHaveLength(distinct);
      expect(summary.causes.reduce((sum, cause) => sum + cause.failures, 0)).toBe(failures.length);
      expect(summary.causes.filter((cause) => cause.kind === 'assertion').reduce((sum, cause) => sum + cause.failures, 0)).toBe(summary.stats.assertions.failed);
      // Largest first.
      for (let i = 1; i < summary.causes.length; i += 1) expect(summary.causes[i - 1]!.failures).toBeGreaterThanOrEqual(summary.causes[i]!.failures);
      const { text, compact } = presentRun(summary);
      const bytes = Buffer.byteLength(text) + Buffer.byteLength(JSON.stringify(compact));
      expect(bytes).toBeLessThanOrEqual(ANSWER_BUDGET);
      const causeLines = text.split('\n').filter((line) => /^\d+\. /.test(line));
      expect(causeLines).toHaveLength(Math.min(distinct, MAX_CAUSES_SHOWN));
      for (const cause of summary.causes.slice(0, MAX_CAUSES_SHOWN)) expect(text).toContain(cause.assertion ? `"${cause.assertion}"` : cause.cause.slice(0, 40));
    }),
    { numRuns: 200 },
  );
});

it('a run of more distinct causes than a summary keeps: the largest kept, the rest counted and said', () => {
  const records: RequestRecord[] = Array.from({ length: MAX_CAUSES_KEPT + 10 }, (_, i) => ({
    iteration: 0, folder: '', name: `r${i}`, method: 'GET', url: 'http://x/', assertions: { passed: 0, failed: 1, skipped: 0 },
    failures: [{ kind: 'assertion', assertion: `check ${'z'.repeat(i + 1)}`, message: 'expected 1 to equal 2' }],
  }));
  const recorder = new RunRecorder({ runId: 'r', collection: { name: 'C', source: { kind: 'local', ref: 'c' } }, total: records.length, iterations: 1, warnings: [] });
  const lane = summaryOf([], 1);
  recorder.absorb([{ summary: { ...lane, stats: { ...lane.stats, assertions: { total: records.length, failed: records.length, skipped: 0 } }, failuresOmitted: records.length }, records, iterationOffset: 0 }]);
  const summary = recorder.finish();
  expect(summary.causes).toHaveLength(MAX_CAUSES_KEPT);
  expect(summary.causesOmitted).toBe(10);
  expect(presentRun(summary).text).toMatch(new RegExp(`… and ${MAX_CAUSES_KEPT + 10 - MAX_CAUSES_SHOWN} more causes`));
  expect(Buffer.byteLength(JSON.stringify(summary.causes))).toBeLessThan(100_000);
});

describe('causeOf', () => {
  it.each([
    ["expected '2026-01-02T10:00:00.000Z' to match /^\\d{4}/", 'expected … to match /^\\d{4}/'],
    ['expected 404 to equal 200', 'expected … to equal …'],
    ["expected 'not found' to equal 200", 'expected … to equal …'],
    ['expected "3f2a5c1e-0a4b-4c1d-9e2f-123456789abc" to be null', 'expected … to be …'],
    ["expected { id: 1, name: 'x' } to have property 'createdAt'", 'expected … to have property …'],
    ['connect ECONNREFUSED 127.0.0.1:3000', 'connect ECONNREFUSED …:…'],
  ])('%s → %s', (message, cause) => expect(causeOf(message)).toBe(cause));

  it('one message shared by every failure of a cause is kept as written', () => {
    const failure = (request: string): Failure => ({ kind: 'assertion', iteration: 0, folder: '', request, assertion: 'ok', message: 'expected 1 to equal 2' });
    expect(groupFailures([failure('a'), failure('b')])).toMatchObject([{ cause: 'expected 1 to equal 2', failures: 2, requestsHit: 2, requests: ['a', 'b'] }]);
  });
});
