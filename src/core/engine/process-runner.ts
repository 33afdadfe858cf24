// Runs a collection in a child process (run-process.ts) and presents it as a RunHandle. A warm
// process (engine loaded, the first run's script context booted) is kept ready so a run pays neither
// the runtime's import nor the context's boot. A process whose run ended by itself serves the next
// run (its scripts' context is gone with its run, a fresh one is booted); cancel, the run timeout or
// a fault kill it instead. A process, not a thread: a script's allocation can abort a V8 heap in
// ways a thread's limits do not catch, and that must end the run, never the server.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { newRunId, OUT_OF_MEMORY, RunRecorder, type ItemUnderWay, type RequestRecord, type RunSummary, type WarningCode } from '../results/summary.js';
import { newRecorder, type RunHandle, type RunInput, type RunState } from './run-collection.js';
import { runProcessHeapMb, warmProcessHeapMb, YOUNG_GENERATION_MB } from './heap-limits.js';
import { planLanes, runLanes } from '../runs/lanes.js';
import { RunLifecycle } from '../runs/run-lifecycle.js';
import { cacheDirectory, openCodeCache } from '../files/code-cache.js';
import type { RunProcessMessage } from './run-process.js';

/**
 * The run process's script: the loader of the bundle with the engine compiled in
 * (dist/run-process-loader.cjs and dist/run-process.cjs, by scripts/bundle.mjs) — next to the server's bundle, two levels up from dist/core/engine, or the built
 * one when running from sources under ts-jest. With POSTMAN_POWER_ENGINE_PATCHES=off, the modules tsc
 * built (dist/core/engine/run-process.js), whose engine Node's loader reads as published.
 */
export function runProcessScript(): string | undefined {
  const candidates =
    process.env.POSTMAN_POWER_ENGINE_PATCHES === 'off'
      ? ['./run-process.js', './core/engine/run-process.js', '../../../dist/core/engine/run-process.js']
      : ['./run-process-loader.cjs', '../../run-process-loader.cjs', '../../../dist/run-process-loader.cjs'];
  for (const candidate of candidates) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

export interface WarmProcess {
  child: ChildProcess;
  ready: Promise<void>;
  /** The old generation's limit the process was started with. */
  heapMb: number;
  /** The end of what the process wrote to stderr (V8 says there why it aborted). */
  stderr: () => string;
  /** Stops the pool's watch over an idle process (set while it is pooled). */
  unwatch?: () => void;
  /** Runs it has served. */
  runs?: number;
}

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
const STDERR_KEPT = 4096;

/**
 * How much a V8 heap may grow past its live data before the next full collection, in percent. V8's
 * own factor (up to 4× for a fast-allocating heap) is what made the run's heap, not its data, the
 * bulk of peak RSS; 25% kept 10 000 requests at 236 MB instead of 372 MB here, with no loss of
 * speed (BENCHMARKS.md D).
 */
export const HEAP_GROWING_PERCENT = 25;

/**
 * The environment a run process gets: what the engine honours (proxies, extra CAs, time zone,
 * locale) and this project's own switches, never a key, token, secret or password (the API key
 * stays in the server: nothing in a run needs it).
 */
export function runProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (/key|token|secret|passw|credential|auth/i.test(name)) continue;
    if (/^(POSTMAN_POWER_|NODE_EXTRA_CA_CERTS$|SSL_CERT_(FILE|DIR)$|(HTTPS?|NO|ALL)_PROXY$|TZ$|LANG$|LC_)/i.test(name)) kept[name] = value;
  }
  return kept;
}

/** Why a run process ended under its run, from its exit and what V8 printed; out_of_memory when its heap did it. */
export function processFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string, heapMb: number): { message: string; code?: WarningCode } {
  if (/heap out of memory|invalid size error|Allocation failed/i.test(stderr) || signal === 'SIGABRT' || code === 134) {
    return { code: OUT_OF_MEMORY, message: `${OUT_OF_MEMORY}: the run used more than its ${heapMb} MB heap, so it stopped (the limit is sized from the collection, data, iterations and response limit). Look for a script that keeps allocating (a growing array or string, a very large response parsed again and again), run fewer iterations or a smaller data file, or set POSTMAN_POWER_RUN_HEAP_MB.` };
  }
  return { message: `The run's process exited before the run ended (${signal ? `signal ${signal}` : `exit code ${code}`}).` };
}

/**
 * Node's permission model as this Node spells it (`--permission` once it is stable, the experimental
 * flag on Node 20), reads allowed, its experimental warning silenced (stderr is only kept anyway).
 */
const PERMISSION_FLAGS = [
  process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission',
  '--allow-fs-read=*',
  process.allowedNodeEnvironmentFlags.has('--disable-warning') ? '--disable-warning=ExperimentalWarning' : '--no-warnings',
];

const kill = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};

/**
 * Writes a cache a booting run process made (see run-process-loader.ts) into this user's code caches
 * (the launcher's folder and key); anything malformed is dropped. Rare: once per build and heap size.
 */
function writeCodeCache(message: { identity: unknown; data: unknown }): void {
  if (typeof message.identity !== 'string' || !/^[0-9a-f]{64}$/.test(message.identity) || !(message.data instanceof Uint8Array)) return;
  openCodeCache()?.write(Buffer.from(message.identity, 'hex'), Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength));
}

const nodeRequire = createRequire(import.meta.url);
/** child_process, loaded when the first run process starts rather than with the server. */
const fork: typeof import('node:child_process').fork = ((...args: Parameters<typeof import('node:child_process').fork>) =>
  (nodeRequire('node:child_process') as typeof import('node:child_process')).fork(...args)) as typeof import('node:child_process').fork;

export class ProcessRunner {
  private readonly idleProcesses: WarmProcess[] = [];
  private readonly live = new Set<ChildProcess>();
  private closed = false;

  /** keepWarm: boot the next run's process as soon as a run ends (default); off for one-shot use. */
  constructor(
    private readonly script: string,
    private readonly options: { keepWarm?: boolean } = {},
  ) {}

  /**
   * A new run process whose old generation is capped at `heapMb`. Started with Node's permission
   * model: it may read files (the engine, the workspace's uploads and certificates) but not write
   * any, start processes or threads — a second wall behind the script context. Its environment
   * holds no secret (runProcessEnv).
   */
  protected spawn(heapMb = warmProcessHeapMb()): WarmProcess {
    const child = fork(this.script, [], {
      execArgv: [
        `--max-old-space-size=${heapMb}`,
        `--max-semi-space-size=${Math.max(1, Math.round(YOUNG_GENERATION_MB / 2))}`,
        ...(process.env.POSTMAN_POWER_HEAP_GROWTH === 'v8' ? [] : [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]),
        ...PERMISSION_FLAGS,
      ],
      // Where this user's code caches are, read only there (run-process-loader.ts).
      env: { ...runProcessEnv(), POSTMAN_POWER_CACHE_DIR: cacheDirectory() },
      serialization: 'advanced',
      // Nothing a run process prints reaches the server's stdout; its stderr is kept for why it died.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const done = () => {
        child.off('message', onMessage);
        child.off('error', onError);
        child.off('exit', onExit);
      };
      const onMessage = (message: RunProcessMessage) => {
        if (message.type === 'codeCache') {
          // Only before 'ready': until then nothing but the engine and postman-sandbox's boot code ran there.
          writeCodeCache(message);
        } else if (message.type === 'ready') {
          done();
          resolve();
        } else if (message.type === 'error') {
          done();
          reject(new Error(message.message));
        }
      };
      const onError = (error: Error) => {
        done();
        reject(error);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        done();
        reject(new Error(processFailure(code, signal, stderr, heapMb).message));
      };
      child.on('message', onMessage);
      child.on('error', onError);
      child.on('exit', onExit);
    });
    ready.catch(() => undefined);
    this.unref(child);
    return { child, ready, heapMb, stderr: () => stderr };
  }

  /** An idle process does not keep the server (or a CLI that is done) alive. */
  private unref(child: ChildProcess): void {
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private ref(child: ChildProcess): void {
    child.ref();
    (child.channel as { ref?: () => void } | undefined)?.ref?.();
    (child.stderr as { ref?: () => void } | null)?.ref?.();
  }

  /** Starts a process ahead of the first run (optional: the first run starts one anyway). */
  prewarm(): void {
    if (!this.idleProcesses.length) this.keepIdle(this.spawn());
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

  /** Resolves once a warm process is ready for the next run (benchmarks wait for it). */
  async idle(): Promise<void> {
    this.prewarm();
    await this.idleProcesses.at(-1)?.ready.catch(() => undefined);
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
