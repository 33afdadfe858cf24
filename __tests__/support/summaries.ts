// A finished run's summary and one request record, for tests that need a run without running one.
import { RunSummarySchema, type RequestRecord, type RunSummary } from '../../src/core/results/summary.js';

export const passedRecord = (extra: Partial<RequestRecord> = {}): RequestRecord => ({ iteration: 0, folder: '', name: 'r', method: 'GET', url: 'http://x/', assertions: { passed: 1, failed: 0, skipped: 0 }, ...extra });

/** A passed run of one request (overrides merged in before parsing). */
export const passedSummary = (extra: Record<string, unknown> = {}): RunSummary =>
  RunSummarySchema.parse({
    runId: 'abcdef123456',
    status: 'passed',
    collection: { name: 'C', source: { kind: 'local', ref: 'c.json' } },
    startedAt: '2026-12-04T10:00:00.000Z',
    endedAt: '2026-12-04T10:00:01.000Z',
    durationMs: 1000,
    stats: { iterations: 1, requests: { total: 1, failed: 0 }, assertions: { total: 1, failed: 0, skipped: 0 }, scriptErrors: 0 },
    ...extra,
  });
