// Parallel lanes: a run split into N runs at once — by top-level folders (contiguous chunks, so the
// merged results keep collection order) or, with fewer than two top-level folders, by iterations.
// Each lane gets its own copy of the variable scopes: lanes do not see variables another lane sets.
import { findItems } from '../sources/outline.js';
import { startRun, type Engine } from '../engine/run-collection.js';
import type { RunInput } from './run-input.js';
import { withItemIds } from '../collection/selection.js';
import { countRequests, iterationCount } from '../collection/items.js';
import { RunLifecycle, type RunHandle } from './run-lifecycle.js';
import { newRunId, RunRecorder, type RequestRecord } from '../results/summary.js';

export interface Lane {
  input: RunInput;
  /** Added to the lane's iteration numbers so they read as one run's. */
  iterationOffset: number;
}

interface Entry {
  ref: string;
  item: { id?: string; name?: string; item?: unknown[] };
}

/** Splits entries into at most `n` contiguous chunks of similar request counts. */
function chunk(entries: Entry[], n: number): Entry[][] {
  const target = entries.reduce((sum, entry) => sum + countRequests([entry.item]), 0) / n;
  const chunks: Entry[][] = [[]];
  let size = 0;
  for (const entry of entries) {
    if (size >= target && chunks.length < n) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1].push(entry);
    size += countRequests([entry.item]);
  }
  return chunks;
}

/** What a run splits into: the selected items, or the collection's top level (ids given first). */
function splitEntries(collection: RunInput['collection'], folders: string[] | undefined): Entry[] {
  return folders?.length
    ? findItems(collection, folders).map(({ item }) => ({ ref: item.id!, item }))
    : (collection.item as Entry['item'][]).map((item) => ({ ref: item.id!, item }));
}

export interface Shard {
  /** Ids of the items this shard runs, in collection order. */
  refs: string[];
  names: string[];
  requests: number;
  /** Requests of the whole run, all shards together. */
  total: number;
}

/**
 * One CI machine's share of a run (`--shard i/n`, 1-based): the selected items (or the top level)
 * dealt to n shards by request count — largest first, each to the least loaded shard (ties to the
 * lowest) — and run in collection order. While there are fewer items than shards, the largest folder
 * is opened into its children. Deterministic: every machine computes the same plan from the same
 * collection. The collection must have gone through withItemIds.
 */
export function planShard(collection: RunInput['collection'], folders: string[] | undefined, index: number, count: number): Shard {
  let entries = splitEntries(collection, folders);
  const size = (entry: Entry) => countRequests([entry.item]);
  for (;;) {
    const folder = entries.filter((entry) => Array.isArray(entry.item.item) && entry.item.item.length > 1).sort((a, b) => size(b) - size(a))[0];
    if (entries.length >= count || !folder) break;
    const at = entries.indexOf(folder);
    const children = (folder.item.item as Entry['item'][]).map((item) => ({ ref: item.id!, item }));
    entries = [...entries.slice(0, at), ...children, ...entries.slice(at + 1)];
  }
  const load = Array.from({ length: count }, () => 0);
  const owner = new Map<Entry, number>();
  for (const entry of [...entries].sort((a, b) => size(b) - size(a))) {
    const least = load.reduce((best, value, at) => (value < load[best] ? at : best), 0);
    owner.set(entry, least);
    load[least] += size(entry);
  }
  const mine = entries.filter((entry) => owner.get(entry) === index - 1);
  return {
    refs: mine.map((entry) => entry.ref),
    names: mine.map((entry) => entry.item.name ?? entry.ref),
    requests: load[index - 1],
    total: load.reduce((sum, n) => sum + n, 0),
  };
}

/**
 * The lanes of a run: one lane (the input itself) when parallel ≤ 1 or nothing can be split. Lanes
 * name their folders by id (given to every item first), never by name.
 */
export function planLanes(given: RunInput, parallel: number): Lane[] {
  const input = { ...given, collection: withItemIds(given.collection) };
  const single = [{ input, iterationOffset: 0 }];
  if (parallel <= 1) return single;
  const entries = splitEntries(input.collection, input.folders);
  if (entries.filter((entry) => Array.isArray(entry.item.item)).length >= 2) {
    // Each lane runs other folders than the run's selection names: it selects its own.
    const { selection: _whole, ...unselected } = input;
    return chunk(entries, Math.min(parallel, entries.length)).map((lane) => ({ input: { ...unselected, folders: lane.map((entry) => entry.ref) }, iterationOffset: 0 }));
  }
  const iterations = iterationCount(input);
  if (iterations < 2) return single;
  const lanes: Lane[] = [];
  const per = Math.ceil(iterations / Math.min(parallel, iterations));
  for (let start = 0; start < iterations; start += per) {
    const count = Math.min(per, iterations - start);
    const data = input.data?.length ? Array.from({ length: count }, (_, i) => input.data![(start + i) % input.data!.length]) : undefined;
    lanes.push({ input: { ...input, iterations: count, ...(data ? { data } : {}) }, iterationOffset: start });
  }
  return lanes;
}

/** Starts every lane at once in this thread and presents them as one run. */
/** What a run in lanes says (coded: a merged run says its own count, not its parts'). */
const LANES_WARNING = (lanes: number) => `Ran in ${lanes} parallel lanes; each lane had its own copy of the variables.`;

export function startLanes(input: RunInput, parallel: number, engine: Engine): RunHandle {
  return runLanes(input, planLanes(input, parallel), (laneInput) => startRun(laneInput, engine));
}

/**
 * Starts every lane at once through `start` (in this thread, or each in a worker of its own) and
 * presents them as one run. `laneCount`: the lanes the run has in all, when lanes split again.
 */
export function runLanes(input: RunInput, lanes: Lane[], start: (input: RunInput) => RunHandle, laneCount = lanes.length): RunHandle {
  const id = input.runId ?? newRunId();
  if (lanes.length === 1) return start({ ...lanes[0].input, runId: id });
  const handles = lanes.map((lane) =>
    start({
      ...lane.input,
      runId: id,
      afterFinish: undefined,
      warnings: [],
      onRequest: input.onRequest && ((event) => input.onRequest!({ ...event, record: { ...event.record, iteration: event.record.iteration + lane.iterationOffset } })),
    }),
  );
  const first = handles[0].snapshot();
  const merged = new RunRecorder({
    runId: id,
    collection: first.collection,
    environment: first.environment,
    total: handles.reduce((sum, handle) => sum + handle.snapshot().progress.total, 0),
    iterations: lanes.reduce((max, lane, i) => Math.max(max, lane.iterationOffset + handles[i].snapshot().stats.iterations), 0),
    warnings: [...(input.warnings ?? []), LANES_WARNING(laneCount)],
    warningCodes: { parallel_lanes: LANES_WARNING(laneCount) },
  });
  const absorb = () =>
    merged.absorb(handles.map((handle, i) => ({ summary: handle.snapshot(), records: handle.records(), iterationOffset: lanes[i].iterationOffset })));
  // Each lane keeps its own timeout; the merged run ends when the last lane has.
  const life = new RunLifecycle(input.afterFinish);
  for (const handle of handles) {
    handle.onProgress(() => {
      if (!life.hasListeners) return;
      absorb();
      life.progress(merged.snapshot());
    });
  }
  let forced: 'cancelled' | 'timed_out' | undefined;
  let reason: string | undefined;
  void Promise.all(handles.map((handle) => handle.promise)).then((summaries) => {
    if (!life.claimEnd()) return;
    absorb();
    const worst = summaries.find((s) => s.status === 'timed_out' || s.status === 'cancelled')?.status as 'cancelled' | 'timed_out' | undefined;
    void life.complete(merged.finish(forced ?? worst, reason), merged.records);
  });
  return life.handle(id, {
    records: (): RequestRecord[] => merged.records,
    // Each lane had its own scopes: the first lane's are the run's (README says so for --export-*).
    state: () => handles[0].state?.(),
    snapshot: () => {
      if (merged.summary.status === 'running') absorb();
      return merged.summary.status === 'running' ? merged.snapshot() : merged.summary;
    },
    cancel: (why) => {
      forced ??= 'cancelled';
      reason ??= why;
      for (const handle of handles) handle.cancel(why);
    },
  });
}
