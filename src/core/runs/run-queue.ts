// Runs share the machine: at most `slots` run workers (lanes counted one each) execute at once; the
// rest wait in order with status `queued`, visible in progress and postman://runs/{id}, and can be
// cancelled while they wait. Without it, twenty runs on two cores booted twenty sandboxes at once and
// most ended "uvm: boot timed out".
import os from 'node:os';
import type { RunInput } from './run-input.js';
import type { RunHandle } from './run-lifecycle.js';
import { newRecorder } from './run-input.js';
import type { RequestRecord, RunSummary } from '../results/summary.js';

/** Default concurrency: the machine's available cores (at least one). */
export function defaultRunSlots(): number {
  return Math.max(1, os.availableParallelism());
}

interface Waiting {
  weight: number;
  start: () => void;
}

export class RunQueue {
  private active = 0;
  private readonly waiting: Waiting[] = [];

  constructor(readonly slots: number = defaultRunSlots()) {}

  /** Runs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Starts `begin` when `weight` slots are free (a run wider than the machine takes all of it), and
   * returns a handle at once: status `queued` until then.
   */
  enqueue(input: RunInput & { runId: string }, weight: number, begin: () => RunHandle | Promise<RunHandle>): RunHandle {
    const need = Math.max(1, Math.min(weight, this.slots));
    const queuedSummary = newRecorder(input, input.runId).snapshot();
    queuedSummary.status = 'queued';
    const listeners = new Set<(summary: RunSummary) => void>();
    let inner: RunHandle | undefined;
    let settle: (summary: RunSummary) => void = () => undefined;
    const promise = new Promise<RunSummary>((resolve) => {
      settle = resolve;
    });
    let cancelledWhileQueued = false;
    let pendingCancel: string | undefined;

    const entry: Waiting = {
      weight: need,
      start: () => {
        this.active += need;
        Promise.resolve()
          .then(begin)
          .then(
            (handle) => {
              inner = handle;
              if (pendingCancel !== undefined) handle.cancel(pendingCancel);
              for (const listener of listeners) handle.onProgress(listener);
              return handle.promise;
            },
            (error: unknown) => {
              const failed = newRecorder(input, input.runId).finish('errored', `The run could not start: ${(error as Error)?.message ?? String(error)}`);
              return failed;
            },
          )
          .then((summary) => {
            this.release(need);
            settle(summary);
          });
      },
    };
    this.waiting.push(entry);
    this.pump();

    return {
      id: input.runId,
      promise,
      snapshot: () => inner?.snapshot() ?? (cancelledWhileQueued ? queuedSummary : { ...queuedSummary, durationMs: Date.now() - Date.parse(queuedSummary.startedAt) }),
      records: (): RequestRecord[] => inner?.records() ?? [],
      state: () => inner?.state?.(),
      cancel: (reason) => {
        if (inner) return inner.cancel(reason);
        const index = this.waiting.indexOf(entry);
        if (index < 0) {
          // Starting this very moment: the cancel is handed to the run as soon as it exists.
          pendingCancel = reason ?? 'Cancelled by the client.';
          return;
        }
        this.waiting.splice(index, 1);
        cancelledWhileQueued = true;
        const summary = newRecorder(input, input.runId).finish('cancelled', reason ?? 'Cancelled while queued.');
        Object.assign(queuedSummary, summary);
        settle(summary);
      },
      onProgress(listener) {
        listeners.add(listener);
        const detach = inner?.onProgress(listener);
        return () => {
          listeners.delete(listener);
          detach?.();
        };
      },
    };
  }

  private release(weight: number): void {
    this.active -= weight;
    this.pump();
  }

  /** Starts waiting runs in order while they fit. */
  private pump(): void {
    while (this.waiting.length && this.active + this.waiting[0].weight <= this.slots) {
      this.waiting.shift()!.start();
    }
  }
}
