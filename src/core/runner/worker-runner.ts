// Runs a collection in a worker thread and presents it as a RunHandle. A warm worker (engine loaded,
// a sandbox booted) is kept ready so a run pays neither the runtime's import nor the sandbox boot. A
// worker whose run ended by itself goes back to the pool for the next run (each run builds its own
// scopes, agents and cookie jar); cancel, the run timeout or a fault terminate the thread instead.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { newRunId, RunRecorder, type RequestRecord, type RunSummary } from './summary.js';
import { DEFAULT_RUN } from '../config.js';
import { newRecorder, type RunHandle, type RunInput, type RunState } from './run-collection.js';
import { askedHeapMb, runHeapMb, WARM_HEAP_MB, YOUNG_GENERATION_MB } from './heap-limits.js';
import { planLanes, runLanes } from './lanes.js';
import { RunLifecycle } from './run-lifecycle.js';
import type { WorkerMessage } from './run-worker.js';

/**
 * The compiled worker: next to this module (dist/core/runner), under it when this module is the
 * bundled dist/cli.js, or the built one when running from sources under ts-jest.
 */
export function workerScript(): string | undefined {
  for (const candidate of ['./run-worker.js', './core/runner/run-worker.js', '../../../dist/core/runner/run-worker.js']) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** A warm worker's heap limit: set outright by environment, else room for most runs. */
const warmHeapMb = () => askedHeapMb('POSTMAN_POWER_RUN_HEAP_MB') ?? Math.max(WARM_HEAP_MB, runHeapMb());

export interface WarmWorker {
  worker: Worker;
  ready: Promise<void>;
  /** The old generation's limit the thread was started with. */
  heapMb: number;
  /** Stops the pool's watch over an idle worker (set while it is pooled). */
  unwatch?: () => void;
}

/** Idle workers kept for the next runs; more would hold memory (a sandbox thread each) for nothing. */
const MAX_IDLE_WORKERS = 2;

function workerFailure(error: Error & { code?: string }, what: string, heapMb: number): string {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return `out_of_memory: the run used more than its ${heapMb} MB heap, so it stopped (the limit is sized from the collection, data, iterations and response limit). Look for a script or data that keeps growing, run fewer iterations or a smaller data file, or set POSTMAN_POWER_RUN_HEAP_MB.`;
  }
  return `The run's worker ${what}: ${error.message}`;
}

/**
 * How much a V8 heap may grow past its live data before the next full collection, in percent. V8's
 * own factor (up to 4× for a fast-allocating thread) is what made the run thread's heap, not its
 * data, the bulk of peak RSS; 25% kept 10 000 requests at 236 MB instead of 372 MB here, with no
 * loss of speed (BENCHMARKS.md D). The flag is process-wide: it is set once, before the first worker.
 */
export const HEAP_GROWING_PERCENT = 25;
let heapGrowthLimited = false;
function limitHeapGrowth(): void {
  if (heapGrowthLimited || process.env.POSTMAN_POWER_HEAP_GROWTH === 'v8') return;
  heapGrowthLimited = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

export class WorkerRunner {
  private readonly idleWorkers: WarmWorker[] = [];
  private readonly live = new Set<Worker>();
  private closed = false;

  /** keepWarm: boot the next run's worker as soon as a run ends (default); off for one-shot use. */
  constructor(
    private readonly script: string,
    private readonly options: { keepWarm?: boolean } = {},
  ) {
    limitHeapGrowth();
  }

  /** A new worker whose old generation is capped at `heapMb` (a warm worker's limit by default). */
  protected spawn(heapMb = warmHeapMb()): WarmWorker {
    const worker = new Worker(this.script, { stdout: true, stderr: false, resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    // Nothing a worker prints may reach the server's stdout.
    worker.stdout.resume();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    ready.catch(() => undefined);
    worker.unref();
    return { worker, ready, heapMb };
  }

  /** Starts a worker ahead of the first run (optional: the first run starts one anyway). */
  prewarm(): void {
    if (!this.idleWorkers.length) this.keepIdle(this.spawn());
  }

  /**
   * A worker whose heap limit holds `heapMb`: the most recent idle one that does, else a new one
   * with that limit, or a warm worker's when that is more (so every pooled worker holds a usual run).
   */
  private take(heapMb: number): WarmWorker {
    for (let i = this.idleWorkers.length - 1; i >= 0; i -= 1) {
      if (this.idleWorkers[i].heapMb >= heapMb) {
        const [idle] = this.idleWorkers.splice(i, 1);
        idle.unwatch?.();
        return idle;
      }
    }
    return this.spawn(Math.max(heapMb, warmHeapMb()));
  }

  /**
   * Pools a worker between runs. Nobody else listens to it then: a worker that fails or exits while
   * idle (something its last run left behind throwing late) leaves the pool, ended, instead of its
   * unheard 'error' taking the server down.
   */
  private keepIdle(idle: WarmWorker): void {
    const drop = () => {
      idle.unwatch?.();
      const at = this.idleWorkers.indexOf(idle);
      if (at >= 0) this.idleWorkers.splice(at, 1);
      void idle.worker.terminate();
    };
    idle.worker.on('error', drop);
    idle.worker.on('exit', drop);
    idle.unwatch = () => {
      idle.worker.off('error', drop);
      idle.worker.off('exit', drop);
    };
    this.idleWorkers.push(idle);
  }

  /** Back to the pool after a run that ended by itself; otherwise (or when the pool is full) ended. */
  private putBack(worker: Worker, heapMb: number, reusable: boolean): void {
    this.live.delete(worker);
    if (reusable && !this.closed && this.options.keepWarm !== false && this.idleWorkers.length < MAX_IDLE_WORKERS) {
      worker.unref();
      this.keepIdle({ worker, ready: Promise.resolve(), heapMb });
      return;
    }
    void worker.terminate();
    // The next run's worker loads its engine now, not while this run competed for the CPU.
    if (!this.closed && this.options.keepWarm !== false) this.prewarm();
  }

  /** Resolves once a warm worker is ready for the next run (benchmarks wait for it). */
  async idle(): Promise<void> {
    this.prewarm();
    await this.idleWorkers.at(-1)?.ready.catch(() => undefined);
  }

  /**
   * A run in a worker. Lanes are split across threads first: a run in lanes on a machine with more
   * than one core goes to as many workers as cores (at most the lanes), each running its share of
   * the lanes, so their CPU work (HTTP, scripts, the runtime) runs side by side.
   */
  start(input: RunInput, parallel = 1): RunHandle {
    const threads = Math.min(parallel, availableParallelism());
    if (threads > 1) {
      const shares = planLanes(input, threads);
      if (shares.length > 1) {
        const per = Math.ceil(parallel / shares.length);
        const lanes = shares.reduce((sum, share) => sum + planLanes(share.input, per).length, 0);
        return runLanes(input, shares, (share) => this.startInWorker(share, per), lanes);
      }
    }
    return this.startInWorker(input, parallel);
  }

  private startInWorker(input: RunInput, parallel: number): RunHandle {
    const id = input.runId ?? newRunId();
    const { worker, ready, heapMb } = this.take(runHeapMb(input));
    this.live.add(worker);
    worker.ref();
    let latest: RunSummary = newRecorder(input, id).snapshot();
    const records: RequestRecord[] = [];
    let state: RunState | undefined;
    const life = new RunLifecycle(input.afterFinish);
    const end = (summary: RunSummary, reusable: boolean) => {
      if (!life.claimEnd()) return;
      latest = summary;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      this.putBack(worker, heapMb, reusable);
      void life.complete(summary, records);
    };
    /** Stops the thread at once and closes the summary from the last progress it sent. */
    const stop = (status: 'cancelled' | 'timed_out' | 'errored', message: string) => {
      if (life.finished) return;
      const partial = new RunRecorder({ runId: id, collection: latest.collection, environment: latest.environment, total: latest.progress.total, iterations: latest.stats.iterations, warnings: [] });
      partial.absorb([{ summary: latest, records, iterationOffset: 0 }]);
      partial.summary.startedAt = latest.startedAt;
      end(partial.finish(status, message), false);
    };
    life.startTimeout(input.runTimeoutMs ?? DEFAULT_RUN.runTimeoutMs, (message) => stop('timed_out', message));

    const onMessage = (message: WorkerMessage) => {
      if (life.finished) return;
      if (message.type === 'secrets') input.onSecrets?.(message.values);
      if (message.type === 'request') input.onRequest?.(message.event);
      if (message.type === 'progress') latest = message.summary;
      if (message.type === 'done') {
        records.push(...message.records);
        state = message.state;
      }
      if (message.type === 'progress') life.progress(latest);
      if (message.type === 'done') end(message.summary, true);
      if (message.type === 'error') stop('errored', `The run could not start: ${message.message}`);
    };
    const onError = (error: Error) => stop('errored', workerFailure(error, 'failed', heapMb));
    const onExit = () => stop('errored', 'The run\'s worker exited before the run ended.');
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const { afterFinish: _afterFinish, onSecrets: _onSecrets, onRequest: _onRequest, ...serialisable } = input;
    void ready.then(
      () => {
        if (life.finished) return;
        try {
          worker.postMessage({ type: 'start', input: { ...serialisable, runId: id }, parallel });
        } catch (error) {
          // Structured cloning can fail (a value too deep or not cloneable): the run errors, the server lives.
          stop('errored', `The run could not be handed to its worker: ${(error as Error).message}`);
        }
      },
      (error: Error) => stop('errored', workerFailure(error, 'did not start', heapMb)),
    );

    return {
      id,
      promise: life.promise,
      records: () => records,
      state: () => state,
      snapshot: () => (life.finished ? latest : { ...latest, durationMs: Date.now() - Date.parse(latest.startedAt) }),
      cancel: (reason) => stop('cancelled', reason ?? 'Cancelled by the client.'),
      onProgress: (listener) => life.onProgress(listener),
    };
  }

  /** Ends every worker, warm or running. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live, ...this.idleWorkers.splice(0).map((idle) => idle.worker)];
    this.live.clear();
    await Promise.all(all.map((worker) => worker.terminate()));
  }
}
