// merge-reports: the JSON reports of a run's shards (`run --shard i/n` on n CI machines) made into
// one run — the sum of their counts, every request and failure, one verdict. A shard that is missing,
// given twice, or of another collection is said, and a missing one keeps the verdict from "passed":
// what did not run was not checked.
import { z } from 'zod';
import { MAX_REPORT_COUNT, MAX_RUN_DURATION_MS, MAX_SHARDS } from '../bounds.js';
import { PowerError } from '../errors.js';
import { newRunId, RequestRecordSchema, RunRecorder, RunSummaryShape, type RequestRecord, type RunSummary } from '../results/summary.js';

// A report is input like any other: every number and date that sizes work (shards, counts, the run's
// span) is bounded here, so a hostile file is refused by name instead of scaling memory or time.
const count = z.number().int().min(0).max(MAX_REPORT_COUNT);
const isoDate = z
  .string()
  .max(64)
  .refine((text) => /^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(Date.parse(text)), 'must be an ISO 8601 date, e.g. 2026-12-04T10:00:00.000Z');
const ShardSchema = z
  .object({ index: z.number().int().min(1).max(MAX_SHARDS), count: z.number().int().min(1).max(MAX_SHARDS) })
  .refine((shard) => shard.index <= shard.count, { message: 'must be at most shard.count', path: ['index'] });

/** A JSON report as writeReports writes it (reports.ts jsonReport), its numbers and dates bounded. */
export const JsonReportSchema = z.object({
  ...RunSummaryShape,
  startedAt: isoDate,
  endedAt: isoDate.optional(),
  durationMs: z.number().min(0).max(MAX_RUN_DURATION_MS),
  progress: z.object({ done: count, total: count, current: z.string().optional() }).optional(),
  stats: z.object({
    iterations: count.min(1).default(1),
    requests: z.object({ total: count.default(0), failed: count.default(0) }),
    assertions: z.object({ total: count.default(0), failed: count.default(0), skipped: count.default(0) }),
    scriptErrors: count.default(0),
  }),
  failuresOmitted: count.default(0),
  consoleOmitted: count.default(0),
  requests: z.array(RequestRecordSchema).default([]),
  shard: ShardSchema.optional(),
});
export type JsonReport = z.infer<typeof JsonReportSchema>;

export interface NamedReport {
  /** Where it was read from, to name it in errors. */
  file: string;
  report: JsonReport;
}

/** Parses one report file's JSON, naming the field that is wrong. */
export function parseJsonReport(file: string, value: unknown): NamedReport {
  const parsed = JsonReportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PowerError('invalid_report', `${file} is not a postman-power JSON report: ${issue.path.join('.') || '(root)'}: ${issue.message}`, {
      hint: 'Merge the files `postman-power run -r json` wrote (one per shard), e.g. with --reporter-json-export reports/shard-1.json.',
    });
  }
  return { file, report: parsed.data };
}

export function mergeReports(reports: NamedReport[]): { summary: RunSummary; records: RequestRecord[] } {
  if (!reports.length) throw new PowerError('invalid_argument', 'No reports to merge', { hint: 'Name the JSON reports of the shards: postman-power merge-reports reports/*.json' });
  const names = [...new Set(reports.map(({ report }) => report.collection.name))];
  if (names.length > 1) {
    throw new PowerError('invalid_argument', `The reports are of different collections: ${reports.map(({ file, report }) => `"${report.collection.name}" (${file})`).join(', ')}`, {
      hint: 'Merge the shards of one run at a time.',
    });
  }
  const warnings: string[] = [];
  let missing: number[] = [];
  const sharded = reports.filter(({ report }) => report.shard);
  if (sharded.length) {
    const counts = [...new Set(sharded.map(({ report }) => report.shard!.count))];
    if (counts.length > 1) throw new PowerError('invalid_argument', `The reports are of splits into ${counts.join(' and ')} shards`, { hint: 'Merge the shards of one run at a time (the same n in --shard i/n).' });
    const seen = new Map<number, string>();
    for (const { file, report } of sharded) {
      const index = report.shard!.index;
      if (seen.has(index)) throw new PowerError('invalid_argument', `Shard ${index}/${counts[0]} is given twice: ${seen.get(index)} and ${file}`, { hint: 'Give each shard\'s report once.' });
      seen.set(index, file);
    }
    missing = Array.from({ length: counts[0] }, (_, i) => i + 1).filter((index) => !seen.has(index));
    warnings.push(`Merged ${reports.length} report${reports.length === 1 ? '' : 's'}${missing.length ? '' : ` (all ${counts[0]} shards)`}.`);
  }
  const first = reports[0].report;
  const merged = new RunRecorder({
    runId: newRunId(),
    collection: first.collection,
    environment: first.environment,
    total: reports.reduce((sum, { report }) => sum + (report.progress?.total ?? report.stats.requests.total), 0),
    iterations: Math.max(...reports.map(({ report }) => report.stats.iterations)),
    warnings,
  });
  merged.absorb(reports.map(({ report }) => ({ summary: withProgress(report), records: report.requests, iterationOffset: 0 })));
  const stopped = reports.find(({ report }) => report.status === 'cancelled' || report.status === 'timed_out')?.report.status as 'cancelled' | 'timed_out' | undefined;
  const summary = missing.length
    ? merged.finish('errored', `Shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${sharded[0].report.shard!.count} missing: their requests were not checked.`, 'shards_missing')
    : merged.finish(stopped);
  // The run took from the first shard's start to the last one's end (they ran side by side).
  const start = Math.min(...reports.map(({ report }) => Date.parse(report.startedAt)));
  const end = Math.max(...reports.map(({ report }) => Date.parse(report.startedAt) + report.durationMs));
  summary.startedAt = new Date(start).toISOString();
  summary.endedAt = new Date(end).toISOString();
  summary.durationMs = end - start;
  return { summary, records: merged.records };
}

const withProgress = (report: JsonReport): RunSummary => ({ ...report, progress: report.progress ?? { done: report.stats.requests.total, total: report.stats.requests.total } });
