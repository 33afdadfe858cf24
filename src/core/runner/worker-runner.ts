// Runs a collection in a worker thread and presents it as a RunHandle. One warm worker (engine
// already loaded) is kept ready so a run does not pay the runtime's import; each run gets its own
// worker and the worker ends with the run. Cancel and the run timeout terminate the thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { RunRecorder, type RequestRecord, type RunSummary } from './summary.js';
import { DEFAULT_RUN } from '../config.js';
import { newRecorder, type RunHandle, type RunInput, type RunState } from './run-collection.js';
import type { WorkerMessage } from './run-worker.js';

/** The compiled worker next to this module, or (when running from sources under ts-jest) the built one. */
export function workerScript(): string | undefined {
  const sibling = fileURLToPath(new URL('./run-worker.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const built = fileURLToPath(new URL('../../../dist/core/runner/run-worker.js', import.meta.url));
  return existsSync(built) ? built : undefined;
}

interface WarmWorker {
  worker: Worker;
  ready: Promise<void>;
}

export class WorkerRunner {
  private warm: WarmWorker | undefined;
  private readonly live = new Set<Worker>();
  private closed = false;

  /** keepWarm: boot the next run's worker as soon as a run ends (default); off for one-shot use. */
  constructor(
    private readonly script: string,
    private readonly options: { keepWarm?: boolean } = {},
  ) {}

  private spawn(): WarmWorker {
    const worker = new Worker(this.script, { stdout: true, stderr: false });
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
    return { worker, ready };
  }

  /** Starts a worker ahead of the first run (optional: the first run starts one anyway). */
  prewarm(): void {
    this.warm ??= this.spawn();
  }

  private take(): WarmWorker {
    const taken = this.warm ?? this.spawn();
    this.warm = undefined;
    return taken;
  }

  /** Resolves once a warm worker is ready for the next run (benchmarks wait for it). */
  async idle(): Promise<void> {
    this.prewarm();
    await this.warm?.ready.catch(() => undefined);
  }

  start(input: RunInput, parallel = 1): RunHandle {
    const id = input.runId ?? randomUUID();
    const { worker, ready } = this.take();
    this.live.add(worker);
    worker.ref();
    let latest: RunSummary = newRecorder(input, id).snapshot();
    const records: RequestRecord[] = [];
    let state: RunState | undefined;
    const listeners = new Set<(summary: RunSummary) => void>();
    let settle: (summary: RunSummary) => void = () => undefined;
    const promise = new Promise<RunSummary>((resolve) => {
      settle = resolve;
    });
    let finished = false;
    const runTimeoutMs = input.runTimeoutMs ?? DEFAULT_RUN.runTimeoutMs;
    const end = async (summary: RunSummary) => {
      if (finished) return;
      finished = true;
      latest = summary;
      clearTimeout(timer);
      listeners.clear();
      this.live.delete(worker);
      void worker.terminate();
      // The next run's worker loads its engine now, not while this run competed for the CPU.
      if (!this.closed && this.options.keepWarm !== false) this.prewarm();
      await input.afterFinish?.(summary, records).catch((error: unknown) => summary.warnings.push(`Could not write reports: ${(error as Error).message}`));
      settle(summary);
    };
    /** Stops the thread at once and closes the summary from the last progress it sent. */
    const stop = (status: 'cancelled' | 'timed_out' | 'errored', message: string) => {
      if (finished) return;
      const partial = new RunRecorder({ runId: id, collection: latest.collection, environment: latest.environment, total: latest.progress.total, iterations: latest.stats.iterations, warnings: [] });
      partial.absorb([{ summary: latest, records, iterationOffset: 0 }]);
      partial.summary.startedAt = latest.startedAt;
      void end(partial.finish(status, message));
    };
    const timer = setTimeout(() => stop('timed_out', `The run was stopped after ${runTimeoutMs} ms (run timeout).`), runTimeoutMs);
    timer.unref();

    worker.on('message', (message: WorkerMessage) => {
      if (finished) return;
      if (message.type === 'secrets') input.onSecrets?.(message.values);
      if (message.type === 'progress') latest = message.summary;
      if (message.type === 'done') {
        records.push(...message.records);
        state = message.state;
      }
      if (message.type === 'progress') for (const listener of listeners) listener(latest);
      if (message.type === 'done') void end(message.summary);
      if (message.type === 'error') stop('errored', `The run could not start: ${message.message}`);
    });
    worker.on('error', (error) => stop('errored', `The run's worker failed: ${error.message}`));
    worker.on('exit', () => stop('errored', 'The run\'s worker exited before the run ended.'));
    const { afterFinish: _afterFinish, onSecrets: _onSecrets, ...serialisable } = input;
    void ready.then(
      () => {
        if (finished) return;
        try {
          worker.postMessage({ type: 'start', input: { ...serialisable, runId: id }, parallel });
        } catch (error) {
          // Structured cloning can fail (a value too deep or not cloneable): the run errors, the server lives.
          stop('errored', `The run could not be handed to its worker: ${(error as Error).message}`);
        }
      },
      (error: Error) => stop('errored', `The run's worker did not start: ${error.message}`),
    );

    return {
      id,
      promise,
      records: () => records,
      state: () => state,
      snapshot: () => (finished ? latest : { ...latest, durationMs: Date.now() - Date.parse(latest.startedAt) }),
      cancel: (reason) => stop('cancelled', reason ?? 'Cancelled by the client.'),
      onProgress(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
  }

  /** Ends every worker, warm or running. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live, ...(this.warm ? [this.warm.worker] : [])];
    this.warm = undefined;
    this.live.clear();
    await Promise.all(all.map((worker) => worker.terminate()));
  }
}
