// Parallel lanes: a run split into N runs at once — by top-level folders (contiguous chunks, so the
// merged results keep collection order) or, with fewer than two top-level folders, by iterations.
// Each lane gets its own copy of the variable scopes: lanes do not see variables another lane sets.
import { findItems } from '../sources/outline.js';
import { countRequests, iterationCount, startRun, withItemIds, type Engine, type RunHandle, type RunInput } from './run-collection.js';
import { RunLifecycle } from './run-lifecycle.js';
import { newRunId, RunRecorder, type RequestRecord } from './summary.js';

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

/**
 * The lanes of a run: one lane (the input itself) when parallel ≤ 1 or nothing can be split. Lanes
 * name their folders by id (given to every item first), never by name.
 */
export function planLanes(given: RunInput, parallel: number): Lane[] {
  const input = { ...given, collection: withItemIds(given.collection) };
  const single = [{ input, iterationOffset: 0 }];
  if (parallel <= 1) return single;
  const entries: Entry[] = input.folders?.length
    ? findItems(input.collection, input.folders).map(({ item }) => ({ ref: item.id!, item }))
    : (input.collection.item as Entry['item'][]).map((item) => ({ ref: item.id!, item }));
  if (entries.filter((entry) => Array.isArray(entry.item.item)).length >= 2) {
    return chunk(entries, Math.min(parallel, entries.length)).map((lane) => ({ input: { ...input, folders: lane.map((entry) => entry.ref) }, iterationOffset: 0 }));
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
export function startLanes(input: RunInput, parallel: number, engine: Engine): RunHandle {
  const lanes = planLanes(input, parallel);
  const id = input.runId ?? newRunId();
  if (lanes.length === 1) return startRun({ ...lanes[0].input, runId: id }, engine);
  // Each lane has its own scopes, agents and cookie jar: startRun builds them from the JSON.
  const handles = lanes.map((lane) => startRun({ ...lane.input, runId: id, afterFinish: undefined, warnings: [] }, engine));
  const first = handles[0].snapshot();
  const merged = new RunRecorder({
    runId: id,
    collection: first.collection,
    environment: first.environment,
    total: handles.reduce((sum, handle) => sum + handle.snapshot().progress.total, 0),
    iterations: lanes.reduce((max, lane, i) => Math.max(max, lane.iterationOffset + handles[i].snapshot().stats.iterations), 0),
    warnings: [...(input.warnings ?? []), `Ran in ${lanes.length} parallel lanes; each lane had its own copy of the variables.`],
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
  return {
    id,
    promise: life.promise,
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
    onProgress: (listener) => life.onProgress(listener),
  };
}
