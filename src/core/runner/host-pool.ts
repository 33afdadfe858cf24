// Warm sandbox hosts. Booting postman-sandbox (a thread, its boot code, chai, the pm API) costs about
// half a second of CPU per run; a pooled host is booted once, JIT-warm, and lent to runs and lanes
// through postman-runtime's external-host option. The runtime wires a host's events and disposes it
// only when it creates the host itself, so a lease does both: it forwards the host's console,
// assertion and error events to the run that holds it (ignoring skipped executions, as the runtime
// does) and turns the runtime's end-of-run `dispose` into a return to the pool.
import { createRequire } from 'node:module';

/** The postman-sandbox context, as far as this module touches it. */
interface SandboxHost {
  executionTimeout?: number;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  dispose(callback?: () => void): void;
}

interface SandboxModule {
  createContext(options: Record<string, unknown>, callback: (error: Error | null, context: SandboxHost) => void): void;
}

/** The run triggers the runtime would have wired to a host it created, and the host's death. */
export interface HostEvents {
  console(...args: any[]): void;
  error(...args: any[]): void;
  exception(...args: any[]): void;
  assertion(...args: any[]): void;
  /**
   * The sandbox's thread ended under a script (its heap limit, most often): the script's result
   * will never come, so the run must end now. The message says why and what to do.
   */
  fatal(message: string): void;
}

/**
 * The heap limit of each sandbox thread, in MB (POSTMAN_POWER_SCRIPT_HEAP_MB; set on the thread by
 * run-worker.ts): a script that keeps allocating ends its run with out_of_memory instead of taking
 * gigabytes first.
 */
/**
 * The young generation of the run's and the sandbox's threads, in MB. V8's default (up to 48 MB per
 * thread) is garbage-collector headroom, not live data: 8 MB took peak RSS at 10 000 requests from
 * 363–407 MB to 305–324 MB here, with no loss of speed (BENCHMARKS.md D).
 */
export const YOUNG_GENERATION_MB = 8;

export function scriptHeapMb(): number {
  const asked = Number(process.env.POSTMAN_POWER_SCRIPT_HEAP_MB);
  return Number.isInteger(asked) && asked >= 16 ? asked : 1024;
}

export interface HostLease {
  /** What to pass as `host: { external: true, instance }`. */
  instance: unknown;
  /** Ends the lease: a host that finished cleanly goes back to the pool, any other is disposed. */
  release(reusable: boolean): void;
}

const FORWARDED: Array<[string, Exclude<keyof HostEvents, 'fatal'>]> = [
  ['console', 'console'],
  ['error', 'error'],
  ['execution.error', 'exception'],
  ['execution.assertion', 'assertion'],
];
const SKIP_EVENT = 'execution.skipRequest.';

/** postman-sandbox as postman-runtime loads it (the same copy the runtime would boot). */
export function loadSandbox(): SandboxModule {
  const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
  return fromRuntime('postman-sandbox') as SandboxModule;
}

export class SandboxHostPool {
  private readonly idle: Array<Promise<SandboxHost>> = [];
  private closed = false;

  /** keep: at most this many idle hosts stay booted between runs. */
  constructor(
    private readonly sandbox: SandboxModule = loadSandbox(),
    private readonly keep = 4,
  ) {}

  private boot(): Promise<SandboxHost> {
    const booting = new Promise<SandboxHost>((resolve, reject) => {
      this.sandbox.createContext({ serializeLogs: false }, (error, host) => {
        if (error) return reject(error);
        // An emitter's 'error' with no listener throws: a host between leases, or one disposed while
        // the runtime still answers its script (a cancelled run), must not take the thread down.
        host.on('error', () => undefined);
        resolve(host);
      });
    });
    booting.catch(() => undefined);
    return booting;
  }

  /** Boots a host ahead of the first run (the run would boot one anyway). */
  prewarm(): Promise<void> {
    if (!this.idle.length) this.idle.push(this.boot());
    return this.idle[0].then(
      () => undefined,
      () => undefined,
    );
  }

  /** A host for one run, its script timeout set and its events forwarded to `events` until released. */
  async acquire(events: HostEvents, scriptTimeoutMs: number | undefined): Promise<HostLease> {
    let host: SandboxHost;
    try {
      host = await (this.idle.shift() ?? this.boot());
    } catch {
      // A pooled boot that failed is not reused: try once more, fresh, and let that error surface.
      host = await this.boot();
    }
    // As the runtime sets it when it creates a host: the default timeout of every execution.
    host.executionTimeout = scriptTimeoutMs && Number.isFinite(scriptTimeoutMs) ? scriptTimeoutMs : undefined;
    const skipped = new Set<string>();
    const listeners: Array<[string, (...args: any[]) => void]> = FORWARDED.map(([event, trigger]) => [
      event,
      (...args: any[]) => {
        const execution = (args[0] as { execution?: string } | undefined)?.execution;
        if (execution && skipped.has(execution)) return;
        events[trigger](...args);
      },
    ]);
    // uvm re-emits its thread's 'error' (ERR_WORKER_OUT_OF_MEMORY first) and 'exit' on the host.
    let cause: string | undefined;
    let dead = false;
    listeners.push(['error', (error: { code?: string } | undefined) => void (cause ??= error?.code)]);
    listeners.push([
      'exit',
      () => {
        dead = true;
        events.fatal(
          cause === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `out_of_memory: a script used more than the script sandbox's ${scriptHeapMb()} MB heap, so the run stopped. Look for a loop that keeps allocating (or a very large response parsed again and again), or raise POSTMAN_POWER_SCRIPT_HEAP_MB.`
            : `The script sandbox stopped unexpectedly${cause ? ` (${cause})` : ''}, so the run stopped.`,
        );
      },
    ]);
    for (const [event, listener] of listeners) host.on(event, listener);
    let released = false;
    const release = (reusable: boolean) => {
      if (released) return;
      released = true;
      for (const [event, listener] of listeners) host.off(event, listener);
      if (reusable && !dead && !this.closed && this.idle.length < this.keep) return void this.idle.push(Promise.resolve(host));
      host.dispose();
      // Its replacement boots now, between runs, rather than when the next run asks.
      if (!this.closed && !this.idle.length) this.idle.push(this.boot());
    };
    const instance = new Proxy(host, {
      get(target, property) {
        // The runtime disposes its host when the run ends; a pooled host outlives the run.
        if (property === 'dispose') return () => undefined;
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'on' || property === 'once') {
          // The runtime stops reporting an execution once it called pm.execution.skipRequest().
          return (event: string, listener: (...args: any[]) => void) => {
            const skip = typeof event === 'string' && event.startsWith(SKIP_EVENT);
            const heard = skip ? (...args: any[]) => (skipped.add(event.slice(SKIP_EVENT.length)), listener(...args)) : listener;
            return (value as (e: string, l: typeof listener) => unknown).call(target, event, heard);
          };
        }
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { instance, release };
  }

  /** Disposes every idle host. */
  async close(): Promise<void> {
    this.closed = true;
    const hosts = this.idle.splice(0);
    await Promise.all(hosts.map((booting) => booting.then((host) => host.dispose(), () => undefined)));
  }
}
