// The worker a run lives in. Isolation (its own scopes, sockets and timers), a hard cancel (the
// thread is terminated, in-flight request included) and a server that stays responsive. Inside it
// only, zero-delay timers are served with setImmediate: postman-runtime schedules ~7 setTimeout(fn, 0)
// per request and Node clamps each to ≥ 1 ms, which is most of newman's per-request cost.
import { parentPort } from 'node:worker_threads';
import type { RunInput } from './run-collection.js';
import type { RequestRecord, RunSummary } from './summary.js';

export type WorkerRequest = { type: 'start'; input: Omit<RunInput, 'afterFinish'>; parallel: number };
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; summary: RunSummary }
  | { type: 'done'; summary: RunSummary; records: RequestRecord[] }
  | { type: 'error'; message: string };

type Immediate = ReturnType<typeof setImmediate>;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const isImmediate = (handle: unknown): handle is Immediate => typeof handle === 'object' && handle !== null && '_onImmediate' in handle;

globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
  !ms || ms <= 0 ? setImmediate(callback, ...args) : realSetTimeout(callback, ms, ...args)) as unknown as typeof setTimeout;
globalThis.clearTimeout = ((handle: unknown) => (isImmediate(handle) ? clearImmediate(handle) : realClearTimeout(handle as NodeJS.Timeout))) as typeof clearTimeout;

// Scripts' console output is captured by the runtime; anything else printed here must not reach the
// server's stdout (JSON-RPC), so console goes to stderr.
// eslint-disable-next-line no-console -- redirecting, not printing
console.log = console.error;
// eslint-disable-next-line no-console -- redirecting, not printing
console.info = console.error;

const port = parentPort;
if (port) {
  // Loading the engine before the first run is what makes a warm worker worth keeping.
  const { loadEngine } = await import('./run-collection.js');
  const { startLanes } = await import('./lanes.js');
  const engine = await loadEngine();
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  port.on('message', (message: WorkerRequest) => {
    if (message.type !== 'start') return;
    try {
      const handle = startLanes(message.input, message.parallel, engine);
      // Records go once, at the end: lanes reorder them as they merge.
      handle.onProgress((summary) => port.postMessage({ type: 'progress', summary } satisfies WorkerMessage));
      void handle.promise.then((summary) => {
        port.postMessage({ type: 'done', summary, records: handle.records() } satisfies WorkerMessage);
      });
    } catch (error) {
      port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    }
  });
}
