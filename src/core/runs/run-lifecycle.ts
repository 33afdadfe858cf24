// The life of one run as its handle shows it, shared by the three ways a run executes (in this
// process's engine, in a run process, in lanes), and the handle itself: progress listeners while it runs, the run timeout, exactly one
// end, then the reports, then the promise. Each path only says when its run ended and with what.
import type { EnvironmentJson } from '../collection/json.js';
import { addWarning, type RequestRecord, type RunSummary } from '../results/summary.js';

export interface RunState {
  environment: EnvironmentJson;
  globals: EnvironmentJson;
  cookies: unknown;
}

export interface RunHandle {
  id: string;
  promise: Promise<RunSummary>;
  snapshot(): RunSummary;
  cancel(reason?: string): void;
  /** The compact record of every request so far. */
  records(): RequestRecord[];
  /** Called after each request with the progress so far. */
  onProgress(listener: (summary: RunSummary) => void): () => void;
  /** The final scopes and cookies, once ended, when the input asked for them. */
  state?(): RunState | undefined;
}

/** What runs once a run has ended, before its end is announced (history, reports). */
export type AfterFinish = (summary: RunSummary, records: RequestRecord[]) => Promise<void>;

/** How the warning of a run whose reports failed begins (the CLI finds it by this). */
export const REPORTS_NOT_WRITTEN = 'Could not write reports';

export class RunLifecycle {
  readonly promise: Promise<RunSummary>;
  private settle: (summary: RunSummary) => void = () => undefined;
  private readonly listeners = new Set<(summary: RunSummary) => void>();
  private ended = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly afterFinish?: AfterFinish) {
    this.promise = new Promise<RunSummary>((resolve) => {
      this.settle = resolve;
    });
  }

  /** True once the run has ended (whatever its reports are doing). */
  get finished(): boolean {
    return this.ended;
  }

  /** Calls `onTimeout` once, if the run has not ended within `ms`. */
  /** A run timeout of 0 means none (as newman's --timeout 0). */
  startTimeout(ms: number, onTimeout: (message: string) => void): void {
    if (!(ms > 0)) return;
    this.timer = setTimeout(() => onTimeout(`The run was stopped after ${ms} ms (run timeout).`), ms);
    this.timer.unref?.();
  }

  onProgress(listener: (summary: RunSummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  progress(summary: RunSummary): void {
    if (this.ended) return;
    for (const listener of this.listeners) listener(summary);
  }

  /**
   * Marks the run ended, once: true for the first caller, who then builds the final summary and
   * calls `complete`. Set before any cleanup, so nothing the cleanup triggers can end it twice.
   */
  claimEnd(): boolean {
    if (this.ended) return false;
    this.ended = true;
    clearTimeout(this.timer);
    this.listeners.clear();
    return true;
  }

  /**
   * The run's handle — the one shape every way of running has: this lifecycle's promise and progress,
   * the path's own records, snapshot, cancel and final state.
   */
  handle(id: string, own: Pick<RunHandle, 'records' | 'snapshot' | 'cancel' | 'state'>): RunHandle {
    return { id, promise: this.promise, onProgress: (listener) => this.onProgress(listener), ...own };
  }

  /** Writes the reports (a failure becomes a warning of the summary), then settles the promise. */
  async complete(summary: RunSummary, records: RequestRecord[]): Promise<void> {
    await Promise.resolve(this.afterFinish?.(summary, records)).catch((error: unknown) => addWarning(summary, 'reports_not_written', `${REPORTS_NOT_WRITTEN}: ${(error as Error).message}`));
    this.settle(summary);
  }
}
