// The worker a run lives in. Isolation (its own scopes, sockets and timers), a hard cancel (the
// thread is terminated, in-flight request included) and a server that stays responsive. Inside it
// only, zero-delay timers are served with setImmediate: postman-runtime schedules ~7 setTimeout(fn, 0)
// per request and Node clamps each to ≥ 1 ms, which is most of newman's per-request cost.
import { createRequire } from 'node:module';
import { parentPort, Worker } from 'node:worker_threads';
import { scriptHeapMb, YOUNG_GENERATION_MB } from './heap-limits.js';
import type { RunInput, RunState } from './run-collection.js';
import type { RequestEvent, RequestRecord, RunSummary } from './summary.js';

export type WorkerRequest = { type: 'start'; input: Omit<RunInput, 'afterFinish' | 'onSecrets' | 'onRequest'>; parallel: number };
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'secrets'; values: string[] }
  | { type: 'progress'; summary: RunSummary }
  | { type: 'request'; event: RequestEvent }
  | { type: 'done'; summary: RunSummary; records: RequestRecord[]; state?: RunState }
  | { type: 'error'; message: string };

type Immediate = ReturnType<typeof setImmediate>;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const isImmediate = (handle: unknown): handle is Immediate => typeof handle === 'object' && handle !== null && '_onImmediate' in handle;

globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
  !ms || ms <= 0 ? setImmediate(callback, ...args) : realSetTimeout(callback, ms, ...args)) as unknown as typeof setTimeout;
globalThis.clearTimeout = ((handle: unknown) => (isImmediate(handle) ? clearImmediate(handle) : realClearTimeout(handle as NodeJS.Timeout))) as typeof clearTimeout;

// Scripts run in postman-sandbox's own thread (uvm spawns it from boot code): the same timer change
// is prepended to that boot code. If uvm's layout ever changes, scripts just run at the usual pace
// (and without the heap limit below).
const SANDBOX_TIMERS = `(function(){var st=setTimeout,ct=clearTimeout,si=setImmediate,ci=clearImmediate;
globalThis.setTimeout=function(f,ms){if(!ms||ms<=0){var a=Array.prototype.slice.call(arguments,2);return si(function(){f.apply(null,a)})}return st.apply(null,arguments)};
globalThis.clearTimeout=function(h){return h&&h._onImmediate?ci(h):ct(h)}})();`;
try {
  const requireSandbox = createRequire(createRequire(import.meta.url).resolve('postman-sandbox'));
  const uvmWorkerPath = requireSandbox.resolve('uvm/lib/worker.js');
  type UvmWorker = typeof Worker & { __self: string; __exceptionHandler: string; __bootCodeExecutor: (bootCode: string) => string };
  const uvmWorker = requireSandbox(uvmWorkerPath) as UvmWorker;
  const execute = uvmWorker.__bootCodeExecutor;
  // uvm builds the sandbox's thread with fixed options: the same ones, plus a heap limit, so a script
  // that keeps allocating ends its run with out_of_memory (host-pool.ts) instead of taking gigabytes.
  class LimitedWorker extends Worker {
    static __self = uvmWorker.__self;
    static __exceptionHandler = uvmWorker.__exceptionHandler;
    static __bootCodeExecutor = typeof execute === 'function' ? (bootCode: string) => SANDBOX_TIMERS + execute(bootCode) : execute;
    constructor(bootCode: string, options?: { debug?: boolean; heapMb?: number }) {
      super(bootCode, { eval: true, stdout: !options?.debug, stderr: !options?.debug, execArgv: ['--experimental-global-webcrypto'], resourceLimits: { maxOldGenerationSizeMb: options?.heapMb ?? scriptHeapMb(), maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    }
  }
  const cached = requireSandbox.cache[uvmWorkerPath];
  if (cached && typeof execute === 'function') cached.exports = LimitedWorker;
} catch {
  // Not found: leave the sandbox as it is.
}

// Scripts' console output is captured by the runtime; anything else printed here must not reach the
// server's stdout (JSON-RPC), so console goes to stderr.
// eslint-disable-next-line no-console -- redirecting, not printing
console.log = console.error;
// eslint-disable-next-line no-console -- redirecting, not printing
console.info = console.error;

const PROGRESS_INTERVAL_MS = 20;
const port = parentPort;
if (port) {
  // Loading the engine before the first run is what makes a warm worker worth keeping.
  const { loadEngine } = await import('./run-collection.js');
  const { startLanes } = await import('./lanes.js');
  const { SandboxHostPool } = await import('./host-pool.js');
  // One sandbox booted before the first run, and kept (with those lanes boot) for the next runs.
  const hosts = new SandboxHostPool();
  const [engine] = await Promise.all([loadEngine(), hosts.prewarm()]);
  engine.hosts = hosts;
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  port.on('message', (message: WorkerRequest) => {
    if (message.type !== 'start') return;
    try {
      // Records go once, at the end: lanes reorder them as they merge. Progress is a copy of the
      // summary, so it goes at most every PROGRESS_INTERVAL_MS: fast requests would otherwise spend
      // more time copying than running.
      const handle = startLanes(
        {
          ...message.input,
          progressIntervalMs: PROGRESS_INTERVAL_MS,
          // Sent before the progress that may hold them: the server registers them first.
          onSecrets: (values) => port.postMessage({ type: 'secrets', values } satisfies WorkerMessage),
          ...(message.input.live ? { onRequest: (event: RequestEvent) => port.postMessage({ type: 'request', event } satisfies WorkerMessage) } : {}),
        },
        message.parallel,
        engine,
      );
      handle.onProgress((summary) => port.postMessage({ type: 'progress', summary } satisfies WorkerMessage));
      void handle.promise.then((summary) => {
        port.postMessage({ type: 'done', summary, records: handle.records(), state: handle.state?.() } satisfies WorkerMessage);
      });
    } catch (error) {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    }
  });
}
