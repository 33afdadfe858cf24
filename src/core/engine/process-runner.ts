// Runs a collection in a child process (run-process.ts) and presents it as a RunHandle. A warm
// process (engine loaded, the first run's script context booted) is kept ready so a run pays neither
// the runtime's import nor the context's boot. A process whose run ended by itself serves the next
// run (its scripts' context is gone with its run, a fresh one is booted); cancel, the run timeout or
// a fault kill it instead. A process, not a thread: a script's allocation can abort a V8 heap in
// ways a thread's limits do not catch, and that must end the run, never the server.
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { newRunId, RunRecorder, type ItemUnderWay, type RequestRecord, type RunSummary, type WarningCode } from '../results/summary.js';
import { newRecorder, type RunInput } from '../runs/run-input.js';
import { runProcessHeapMb, warmProcessHeapMb } from './heap-limits.js';
import { planLanes, runLanes } from '../runs/lanes.js';
import { RunLifecycle, type RunHandle, type RunState } from '../runs/run-lifecycle.js';
import { kill, processFailure, spawnRunProcess, takeEarlyRunProcess, unrefProcess, type WarmProcess } from './run-process-spawn.js';
import type { RunProcessMessage } from './run-process.js';

export { HEAP_GROWING_PERCENT, runProcessEnv, runProcessScript, type WarmProcess } from './run-process-spawn.js';

/**
 * Idle processes kept for the next runs: as many as a run in lanes spreads over on two cores; more
 * would hold memory (an engine and a context each) for nothing.
 */
const MAX_IDLE_PROCESSES = 2;
/**
 * Runs a process serves before it is replaced: each run's context is dropped, yet the soak bench saw
 * a process's memory grow by about 2 MB a run (not yet explained), so a process is retired while small.
 */
const RUNS_PER_PROCESS = 20;

export class ProcessRunner {
  protected readonly idleProcesses: WarmProcess[] = [];
  private readonly live = new Set<ChildProcess>();
  private closed = false;
  /**
   * Processes kept warm between runs: one, or as many as the last run in lanes used (at most
   * MAX_IDLE_PROCESSES), so the next parallel run does not wait ~0.3 s for a second process to boot
   * when one was retired or failed in between.
   */
  private warmTarget = 1;

  /** keepWarm: boot the next run's process as soon as a run ends (default); off for one-shot use. */
  constructor(
    private readonly script: string,
    private readonly options: { keepWarm?: boolean } = {},
  ) {}

  /** A new run process (spawnRunProcess) for this runner's script; the bench overrides it. */
  protected spawn(heapMb = warmProcessHeapMb()): WarmProcess {
    return spawnRunProcess(this.script, heapMb);
  }

  /** An idle process does not keep the server (or a CLI that is done) alive. */
  private unref(child: ChildProcess): void {
    unrefProcess(child);
  }

  private ref(child: ChildProcess): void {
    child.ref();
    (child.channel as { ref?: () => void } | undefined)?.ref?.();
    (child.stderr as { ref?: () => void } | null)?.ref?.();
  }

  /** Starts a process ahead of the first run (optional: the first run starts one anyway). */
  prewarm(): void {
    if (!this.idleProcesses.length) this.keepIdle(takeEarlyRunProcess(this.script) ?? this.spawn());
    // Processes still running a run come back to the pool when it ends: they count.
    while (this.idleProcesses.length + this.live.size < this.warmTarget) this.keepIdle(this.spawn());
  }

  /**
   * A process whose heap limit holds `heapMb`: the most recent idle one that does, else a new one
   * with that limit, or a warm process's when that is more (so every pooled process holds a usual run).
   */
  private take(heapMb: number): WarmProcess {
    for (let i = this.idleProcesses.length - 1; i >= 0; i -= 1) {
      if (this.idleProcesses[i].heapMb >= heapMb) {
        const [idle] = this.idleProcesses.splice(i, 1);
        idle.unwatch?.();
        return idle;
      }
    }
    return this.spawn(Math.max(heapMb, warmProcessHeapMb()));
  }

  /** Pools a process between runs; one that fails or exits while idle leaves the pool. */
  private keepIdle(idle: WarmProcess): void {
    const drop = () => {
      idle.unwatch?.();
      const at = this.idleProcesses.indexOf(idle);
      if (at >= 0) this.idleProcesses.splice(at, 1);
      kill(idle.child);
    };
    idle.child.on('error', drop);
    idle.child.on('exit', drop);
    idle.unwatch = () => {
      idle.child.off('error', drop);
      idle.child.off('exit', drop);
    };
    this.idleProcesses.push(idle);
  }

  /** Back to the pool after a run that ended by itself; otherwise (or when the pool is full) ended. */
  private putBack(used: WarmProcess, reusable: boolean): void {
    this.live.delete(used.child);
    const runs = (used.runs ?? 0) + 1;
    if (reusable && runs < RUNS_PER_PROCESS && !this.closed && this.options.keepWarm !== false && this.idleProcesses.length < MAX_IDLE_PROCESSES && used.child.connected) {
      this.unref(used.child);
      this.keepIdle({ ...used, ready: Promise.resolve(), unwatch: undefined, runs });
      return;
    }
    kill(used.child);
    // The next run's process loads its engine now, not while this run competed for the CPU.
    if (!this.closed && this.options.keepWarm !== false) this.prewarm();
  }

  /** Resolves once the warm processes are ready for the next run (benchmarks wait for them). */
  async idle(): Promise<void> {
    this.prewarm();
    await Promise.all(this.idleProcesses.map((idle) => idle.ready.catch(() => undefined)));
  }

  /**
   * A run in a process. Lanes are split across processes first: a run in lanes on a machine with
   * more than one core goes to as many processes as cores (at most the lanes), each running its
   * share of the lanes, so their CPU work (HTTP, scripts, the runtime) runs side by side.
   */
  start(input: RunInput, parallel = 1): RunHandle {
    const processes = Math.min(parallel, availableParallelism());
    if (processes > 1) {
      const shares = planLanes(input, processes);
      if (shares.length > 1) {
        this.warmTarget = Math.min(shares.length, MAX_IDLE_PROCESSES);
        const per = Math.ceil(parallel / shares.length);
        const lanes = shares.reduce((sum, share) => sum + planLanes(share.input, per).length, 0);
        return runLanes(input, shares, (share) => this.startInProcess(share, per), lanes);
      }
    }
    return this.startInProcess(input, parallel);
  }

  private startInProcess(input: RunInput, parallel: number): RunHandle {
    const id = input.runId ?? newRunId();
    const taken = this.take(runProcessHeapMb(input));
    const { child, ready, heapMb } = taken;
    this.live.add(child);
    this.ref(child);
    let latest: RunSummary = newRecorder(input, id).snapshot();
    const records: RequestRecord[] = [];
    let state: RunState | undefined;
    let underWay: ItemUnderWay | undefined;
    const life = new RunLifecycle(input.afterFinish);
    const end = (summary: RunSummary, reusable: boolean) => {
      if (!life.claimEnd()) return;
      latest = summary;
      child.off('message', onMessage);
      child.off('error', onError);
      child.off('exit', onExit);
      this.putBack(taken, reusable);
      void life.complete(summary, records);
    };
    /** Stops the process at once and closes the summary from the last progress it sent. */
    const stop = (status: 'cancelled' | 'timed_out' | 'errored', message: string, died = false, code?: WarningCode) => {
      if (life.finished) return;
      const partial = new RunRecorder({ runId: id, collection: latest.collection, environment: latest.environment, total: latest.progress.total, iterations: latest.stats.iterations, warnings: [] });
      partial.absorb([{ summary: latest, records, iterationOffset: 0 }]);
      partial.summary.startedAt = latest.startedAt;
      // A process that died under a request leaves that request failed with why (its script, most often).
      if (died && underWay) partial.failUnderWay(underWay, message);
      end(partial.finish(status, message, code), false);
    };
    life.startTimeout(input.runTimeoutMs, (message) => stop('timed_out', message));

    const onMessage = (message: RunProcessMessage) => {
      if (life.finished) return;
      if (message.type === 'secrets') input.onSecrets?.(message.values);
      if (message.type === 'request') input.onRequest?.(message.event);
      if (message.type === 'underWay') {
        underWay = message.at;
        // Progress names the request under way (the last progress message named the one before it).
        if (underWay) latest = { ...latest, progress: { ...latest.progress, current: underWay.folder ? `${underWay.folder}/${underWay.name}` : underWay.name } };
      }
      if (message.type === 'progress') latest = message.summary;
      if (message.type === 'done') {
        records.push(...message.records);
        state = message.state;
      }
      if (message.type === 'progress') life.progress(latest);
      if (message.type === 'done') end(message.summary, true);
      if (message.type === 'error') stop('errored', `The run could not start: ${message.message}`);
    };
    const onError = (error: Error) => stop('errored', `The run's process failed: ${error.message}`);
    // The exit's own stderr may still be arriving: read it when the stream has ended.
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const report = () => {
        const failure = processFailure(code, signal, taken.stderr(), heapMb);
        stop('errored', failure.message, true, failure.code);
      };
      if (child.stderr && !child.stderr.readableEnded) child.stderr.once('end', report);
      else report();
    };
    child.on('message', onMessage);
    child.on('error', onError);
    child.on('exit', onExit);
    const { afterFinish: _afterFinish, onSecrets: _onSecrets, onRequest: _onRequest, onUnderWay: _onUnderWay, ...serialisable } = input;
    void ready.then(
      () => {
        if (life.finished) return;
        try {
          child.send({ type: 'start', input: { ...serialisable, runId: id }, parallel });
        } catch (error) {
          // Serialising can fail (a value too deep or not cloneable): the run errors, the server lives.
          stop('errored', `The run could not be handed to its process: ${(error as Error).message}`);
        }
      },
      (error: Error) => stop('errored', `The run's process did not start: ${error.message}`),
    );

    return life.handle(id, {
      records: () => records,
      state: () => state,
      snapshot: () => (life.finished ? latest : { ...latest, durationMs: Date.now() - Date.parse(latest.startedAt) }),
      cancel: (reason) => stop('cancelled', reason ?? 'Cancelled by the client.'),
    });
  }

  /** Ends every process, warm or running. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.live, ...this.idleProcesses.splice(0).map((idle) => idle.child)];
    this.live.clear();
    await Promise.all(
      all.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            // An idle process is unref'd: the wait for its exit must hold this one open.
            child.ref();
            child.once('exit', () => resolve());
            kill(child);
          }),
      ),
    );
  }
}
