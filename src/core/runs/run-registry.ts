// Runs outlive the tool call that started them: the registry keeps the last 20, lets a caller wait
// for one up to a deadline (then get its progress), cancel it, and hear when it completes.
import type { RunHandle } from './run-lifecycle.js';
import type { RunSummary } from '../results/summary.js';

export const MAX_KEPT_RUNS = 20;

export class RunRegistry {
  private readonly runs = new Map<string, RunHandle>();
  private readonly completed = new Set<(summary: RunSummary) => void>();
  private readonly listChanged = new Set<() => void>();

  add(handle: RunHandle): void {
    this.runs.set(handle.id, handle);
    void handle.promise.then((summary) => {
      for (const listener of this.completed) listener(summary);
    });
    this.evict();
    for (const listener of this.listChanged) listener();
  }

  /** Hears when runs are added or evicted (the resource list changes). */
  onListChanged(listener: () => void): () => void {
    this.listChanged.add(listener);
    return () => this.listChanged.delete(listener);
  }

  get(id: string): RunHandle | undefined {
    return this.runs.get(id);
  }

  ids(): string[] {
    return [...this.runs.keys()];
  }

  onComplete(listener: (summary: RunSummary) => void): () => void {
    this.completed.add(listener);
    return () => this.completed.delete(listener);
  }

  /** The summary when the run ends within `waitMs`, else its progress so far (status `running`). */
  async wait(handle: RunHandle, waitMs: number, signal?: AbortSignal): Promise<RunSummary> {
    // An already-aborted signal never waits.
    if (signal?.aborted) return handle.snapshot();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, waitMs));
      onAbort = () => resolve();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([handle.promise, timeout]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    return handle.snapshot();
  }

  cancelAll(): void {
    for (const handle of this.runs.values()) handle.cancel('The server is shutting down.');
  }

  /** Keeps at most MAX_KEPT_RUNS, evicting the oldest finished ones first. */
  private evict(): void {
    if (this.runs.size <= MAX_KEPT_RUNS) return;
    for (const [id, handle] of this.runs) {
      if (this.runs.size <= MAX_KEPT_RUNS) break;
      const status = handle.snapshot().status;
      if (status !== 'running' && status !== 'queued') this.runs.delete(id);
    }
  }
}
