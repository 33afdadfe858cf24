// The process a run lives in. A child process, not a thread: V8 aborts the whole process when a
// heap runs out in some ways a thread's resource limits do not catch (a growing array, a huge
// fill), and a script must never take the server down. Here a script's allocation ends this
// process only; the server reports the run as out_of_memory and keeps serving.
//
// Scripts never run in this process's realm: each run's scripts run in a context of their own
// (engine/script-context.ts), booted before the run starts and dropped when it ends. The process
// may serve another run after that; nothing of the scripts outlives their context. Inside it only,
// zero-delay timers are served with setImmediate: postman-runtime schedules ~7 setTimeout(fn, 0)
// per request and Node clamps each to ≥ 1 ms, which is most of newman's per-request cost.
import { pathToFileURL } from 'node:url';
import { installEngine } from './install-engine.js';
import { startLanes } from '../runs/lanes.js';
import type { CodeCache, CompiledWithCache } from '../files/code-cache.js';
import { warmUp } from './warm-up.js';
import type { RunInput } from '../runs/run-input.js';
import type { RunState } from '../runs/run-lifecycle.js';
import type { ItemUnderWay, RequestEvent, RequestRecord, RunSummary } from '../results/summary.js';

export type RunProcessRequest = { type: 'start'; input: Omit<RunInput, 'afterFinish' | 'onSecrets' | 'onRequest' | 'onUnderWay'>; parallel: number };
export type RunProcessMessage =
  | { type: 'ready' }
  | { type: 'secrets'; values: string[] }
  | { type: 'progress'; summary: RunSummary }
  | { type: 'request'; event: RequestEvent }
  | { type: 'underWay'; at?: ItemUnderWay }
  | { type: 'done'; summary: RunSummary; records: RequestRecord[]; state?: RunState }
  | { type: 'error'; message: string }
  /** A code cache made during the boot, for the parent to write: sent only before 'ready'. */
  | { type: 'codeCache'; identity: string; data: Uint8Array };

type Immediate = ReturnType<typeof setImmediate>;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const isImmediate = (handle: unknown): handle is Immediate => typeof handle === 'object' && handle !== null && '_onImmediate' in handle;

const PROGRESS_INTERVAL_MS = 20;

/** Sends to the server; a server that went away ends this process. */
function send(message: RunProcessMessage): void {
  if (!process.connected) process.exit(0);
  process.send?.(message);
}

/** What the loader (run-process-loader.ts) hands over: this user's code caches and the bundle's own. */
export interface RunProcessBoot {
  /** Read only: this process writes no file. */
  codeCache?: CodeCache;
  /** The engine bundle's compilation: its cache is made after the boot and a warm-up, when there was none to use. */
  bundleCache?: Pick<CompiledWithCache, 'stale' | 'fresh'>;
}

async function main(boot: RunProcessBoot): Promise<void> {
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    !ms || ms <= 0 ? setImmediate(callback, ...args) : realSetTimeout(callback, ms, ...args)) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((handle: unknown) => (isImmediate(handle) ? clearImmediate(handle) : realClearTimeout(handle as NodeJS.Timeout))) as typeof clearTimeout;
  // Nothing this process prints may reach the server's stdout (the server does not read it anyway).
  // eslint-disable-next-line no-console -- redirecting, not printing
  console.log = console.error;
  // eslint-disable-next-line no-console -- redirecting, not printing
  console.info = console.error;

  const { engine, contexts } = await installEngine(boot.codeCache ? { codeCache: boot.codeCache } : {});
  // Caches to make: first a run of our own compiles what runs need (warm-up.ts). A warm-up that fails
  // only makes smaller caches; the start goes on.
  if (boot.bundleCache?.stale || contexts.cacheStale()) await warmUp(engine, startLanes).catch(() => undefined);
  // The first run's context, booted while nobody waits; a context that cannot boot fails the start.
  await contexts.prepare();
  // Nothing but the engine, postman-sandbox's boot code and our warm-up has run in this process yet:
  // caches made now are the parent's to write. After 'ready' the parent takes none.
  for (const made of [boot.bundleCache?.fresh(), contexts.freshCache()]) {
    if (made) send({ type: 'codeCache', identity: made.identity.toString('hex'), data: made.data });
  }
  send({ type: 'ready' });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: RunProcessRequest) => {
    if (message?.type !== 'start') return;
    try {
      // Records go once, at the end: lanes reorder them as they merge. Progress is a copy of the
      // summary, so it goes at most every PROGRESS_INTERVAL_MS.
      const handle = startLanes(
        {
          ...message.input,
          progressIntervalMs: PROGRESS_INTERVAL_MS,
          // Sent before the progress that may hold them: the server registers them first.
          onSecrets: (values) => send({ type: 'secrets', values }),
          // If this process ends under a request (a script out of memory), the server can name it.
          onUnderWay: (at) => send({ type: 'underWay', at }),
          ...(message.input.live ? { onRequest: (event: RequestEvent) => send({ type: 'request', event }) } : {}),
        },
        message.parallel,
        engine,
      );
      handle.onProgress((summary) => send({ type: 'progress', summary }));
      void handle.promise.then((summary) => {
        send({ type: 'done', summary, records: handle.records(), state: handle.state?.() });
        // The next run's context boots now, between runs (if it cannot, the next run boots its own and says why).
        contexts.prepare().catch(() => undefined);
      });
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  });
}

/**
 * Starts the run process: waits for runs on its IPC channel. Called by the loader with the bundle
 * (dist/run-process-loader.cjs), or by itself when this file is the program (tsc's build, which
 * POSTMAN_POWER_ENGINE_PATCHES=off runs).
 */
export function startRunProcess(boot: RunProcessBoot = {}): void {
  if (!process.send) return;
  main(boot).catch((error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) startRunProcess();
