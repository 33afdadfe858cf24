// What changed since the last run. Each ended run's compact per-request verdicts are kept under
// .postman-power/history/ (one file per collection, environment and selection; the last
// HISTORY_RUNS_KEPT runs each; at most HISTORY_FILES_KEPT files), masked before they are written, and
// every new run is compared with the previous one: newly failing, fixed, still failing, new and
// removed requests, and a one-line verdict.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SecretSet } from '../redact.js';
import { privateFolder, replaceFile } from '../files/private-files.js';
import { confinedDirectory, parseBoundedJson, readConfinedFile } from '../files/workspace-files.js';
import type { SinceLast } from './since-last.js';
import type { RequestRecord, RunSummary } from './summary.js';

export { compactSinceLast, SinceLastSchema, type SinceLast } from './since-last.js';

export const HISTORY_DIR = '.postman-power/history';
export const HISTORY_RUNS_KEPT = 20;
export const HISTORY_FILES_KEPT = 50;
/** Lists in since_last are capped; counts stay exact. */
const LIST_CAP = 20;


const EntrySchema = z.object({
  runId: z.string(),
  endedAt: z.string(),
  status: z.string(),
  requests: z.array(z.object({ key: z.string(), failed: z.array(z.string()) })),
});
export type Entry = z.infer<typeof EntrySchema>;
const FileSchema = z.object({ runs: z.array(EntrySchema) });

/** What a history is of: one collection (by its reference), one environment, one selection. */
export interface HistoryOf {
  collection: { name: string; source: { ref: string } };
  environment?: string;
}

/** The history a run belongs to: same collection, environment, selection and iterations. */
export function historyFile(of: HistoryOf, selection: { folders?: string[]; iterations?: number }): string {
  const key = JSON.stringify([of.collection.source.ref, of.environment ?? '', [...(selection.folders ?? [])].sort(), selection.iterations ?? 0]);
  const slug = of.collection.name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'collection';
  return `${slug}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}.json`;
}

/** The runs kept for a history, oldest first (none when there is no readable history). */
async function readRuns(dir: string, name: string): Promise<Entry[]> {
  try {
    const { text } = await readConfinedFile(dir, name);
    return FileSchema.parse(parseBoundedJson(text, `"${HISTORY_DIR}/${name}"`, 'invalid_data_file')).runs;
  } catch {
    // No history yet, or a file nobody should have edited: start again.
    return [];
  }
}

/** The last kept run of a history, if any. */
export async function lastRun(root: string, of: HistoryOf, selection: { folders?: string[]; iterations?: number }): Promise<Entry | undefined> {
  const dir = await confinedDirectory(root, HISTORY_DIR).catch(() => undefined);
  return dir ? (await readRuns(dir, historyFile(of, selection))).at(-1) : undefined;
}

/**
 * What `rerun: "failed"` runs: each request that failed in `last`, with the requests before it in
 * its folder (so the variables they chain are set again), as request paths in collection order.
 */
export function rerunSelection(requestPaths: string[], last: Entry): { paths: string[]; failed: string[] } {
  const plain = (key: string) => key.replace(/ \[iteration \d+\]$/, '').replace(/ \(\d+\)$/, '');
  const failed = [...new Set(last.requests.filter((request) => request.failed.length).map((request) => plain(request.key)))].filter((key) => requestPaths.includes(key));
  const folderOf = (request: string) => (request.includes('/') ? request.slice(0, request.lastIndexOf('/')) : '');
  const lastFailing = new Map<string, number>();
  for (const request of failed) lastFailing.set(folderOf(request), Math.max(lastFailing.get(folderOf(request)) ?? -1, requestPaths.indexOf(request)));
  const paths = requestPaths.filter((request, index) => index <= (lastFailing.get(folderOf(request)) ?? -1));
  return { paths, failed };
}

/** Each request's key (folder path, name, iteration when there are several; repeats numbered) and what failed in it. */
export function historyEntry(summary: RunSummary, records: RequestRecord[]): Entry {
  const failedAt = new Map<number, string[]>();
  for (const failure of summary.failures) {
    if (failure.requestIndex === undefined) continue;
    failedAt.set(failure.requestIndex, [...(failedAt.get(failure.requestIndex) ?? []), failure.assertion ?? failure.kind]);
  }
  const seen = new Map<string, number>();
  const requests = records.map((record, index) => {
    const base = `${record.folder ? `${record.folder}/` : ''}${record.name}${summary.stats.iterations > 1 ? ` [iteration ${record.iteration + 1}]` : ''}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const failed = failedAt.get(index) ?? [];
    // Failures past the summary's cap still count on their record.
    if (!failed.length && (record.assertions.failed > 0 || record.error)) failed.push(record.error ? 'request_error' : 'assertion');
    return { key: count > 1 ? `${base} (${count})` : base, failed };
  });
  return { runId: summary.runId, endedAt: summary.endedAt ?? new Date(Date.parse(summary.startedAt) + summary.durationMs).toISOString(), status: summary.status, requests };
}

function ago(fromIso: string, toIso: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

/** The difference between the previous run and this one. */
export function compareRuns(previous: Entry, current: Entry, summary: RunSummary): SinceLast {
  const before = new Map(previous.requests.map((request) => [request.key, request.failed]));
  const now = new Map(current.requests.map((request) => [request.key, request.failed]));
  const messages = new Map<string, { assertion?: string; message?: string }>();
  current.requests.forEach((request, index) => {
    const failure = summary.failures.find((candidate) => candidate.requestIndex === index);
    if (failure) messages.set(request.key, { ...(failure.assertion ? { assertion: failure.assertion } : {}), message: failure.message });
  });
  const newly = current.requests.filter((request) => request.failed.length && !(before.get(request.key)?.length));
  const fixed = previous.requests.filter((request) => request.failed.length && now.has(request.key) && !now.get(request.key)!.length).map((request) => request.key);
  const still = current.requests.filter((request) => request.failed.length && before.get(request.key)?.length).length;
  const added = current.requests.filter((request) => !before.has(request.key)).map((request) => request.key);
  const removed = previous.requests.filter((request) => !now.has(request.key)).map((request) => request.key);
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const parts = [
    newly.length ? plural(newly.length, 'new failure', 'new failures') : 'no new failures',
    ...(still ? [`${plural(still, 'failure was', 'failures were')} already there`] : []),
    ...(fixed.length ? [`${fixed.length} fixed`] : []),
  ];
  return {
    verdict: `Since the run ${ago(previous.endedAt, current.endedAt)}: ${parts.join('; ')}${added.length || removed.length ? ` (${added.length} requests new, ${removed.length} gone)` : ''}.`,
    previousRunId: previous.runId,
    previousEndedAt: previous.endedAt,
    newlyFailing: newly.slice(0, LIST_CAP).map((request) => ({ request: request.key, ...(messages.get(request.key) ?? { assertion: request.failed[0] }) })),
    newlyFailingCount: newly.length,
    fixed: fixed.slice(0, LIST_CAP),
    fixedCount: fixed.length,
    stillFailing: still,
    added: added.slice(0, LIST_CAP),
    removed: removed.slice(0, LIST_CAP),
  };
}

/**
 * Compares a finished run with the last one of its history and appends it (masked). Runs that did
 * not run to their end (cancelled, timed out, not started) are neither compared nor kept.
 */
export async function recordHistory(
  root: string,
  summary: RunSummary,
  records: RequestRecord[],
  selection: { folders?: string[]; iterations?: number },
  secrets: SecretSet,
): Promise<SinceLast | undefined> {
  if (!['passed', 'failed', 'errored'].includes(summary.status)) return undefined;
  const dir = await privateFolder(root, HISTORY_DIR);
  const name = historyFile(summary, selection);
  let runs = await readRuns(dir, name);
  const current = secrets.redact(historyEntry(summary, records));
  const previous = runs.at(-1);
  runs = [...runs, current].slice(-HISTORY_RUNS_KEPT);
  await replaceFile(path.join(dir, name), JSON.stringify({ runs }));
  await pruneHistory(dir);
  return previous ? compareRuns(previous, current, summary) : undefined;
}

/** Keeps the HISTORY_FILES_KEPT most recently written history files. */
async function pruneHistory(dir: string): Promise<void> {
  const names = (await fs.readdir(dir)).filter((name) => name.endsWith('.json'));
  if (names.length <= HISTORY_FILES_KEPT) return;
  const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await fs.stat(path.join(dir, name))).mtimeMs })));
  dated.sort((a, b) => b.mtime - a.mtime);
  await Promise.all(dated.slice(HISTORY_FILES_KEPT).map(({ name }) => fs.rm(path.join(dir, name), { force: true })));
}
