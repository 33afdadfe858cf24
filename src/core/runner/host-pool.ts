// Warm sandbox hosts. Booting postman-sandbox (a thread, its boot code, chai, the pm API) costs about
// half a second of CPU per run; a pooled host is booted once, JIT-warm, and lent to runs and lanes
// through postman-runtime's external-host option. The runtime wires a host's events and disposes it
// only when it creates the host itself, so a lease does both: it forwards the host's console,
// assertion and error events to the run that holds it (ignoring skipped executions, as the runtime
// does) and turns the runtime's end-of-run `dispose` into a return to the pool.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { installEnginePatches } from './engine-patches.js';
import { executeFast, prepareFastScripts, type ExecuteOptions } from './fast-scripts.js';
import { scriptHeapMb } from './heap-limits.js';
import { fastPlan } from './script-analysis.js';

/** The postman-sandbox context, as far as this module touches it. */
interface SandboxHost {
  executionTimeout?: number;
  execute(event: unknown, options: unknown, callback: (error: unknown, result: unknown) => void): void;
  dispatch(...args: unknown[]): void;
  removeAllListeners(event?: string): unknown;
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

export interface HostLease {
  /** What to pass as `host: { external: true, instance }`. */
  instance: unknown;
  /** How many scripts took each path so far. */
  paths: ScriptPaths;
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
  installEnginePatches();
  const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
  return fromRuntime('postman-sandbox') as SandboxModule;
}

export class SandboxHostPool {
  /** Booted (or booting) hosts between runs, each with the heap limit its thread was started with. */
  private readonly idle: Array<{ host: Promise<SandboxHost>; heapMb: number }> = [];
  private closed = false;

  /** keep: at most this many idle hosts stay booted between runs. */
  constructor(
    private readonly sandbox: SandboxModule = loadSandbox(),
    private readonly keep = 4,
  ) {}

  /** A new host; `heapMb` reaches its thread's resourceLimits (uvm passes its options to the thread: run-worker.ts). */
  private boot(heapMb: number): { host: Promise<SandboxHost>; heapMb: number } {
    const booting = new Promise<SandboxHost>((resolve, reject) => {
      this.sandbox.createContext({ serializeLogs: false, heapMb }, (error, host) => {
        if (error) return reject(error);
        // An emitter's 'error' with no listener throws: a host between leases, or one disposed while
        // the runtime still answers its script (a cancelled run), must not take the thread down.
        host.on('error', () => undefined);
        resolve(host);
      });
    });
    booting.catch(() => undefined);
    return { host: booting, heapMb };
  }

  /**
   * Readies the first run: the fast path's modules, and a sandbox host when every script goes to the
   * sandbox (otherwise one boots when a run first needs it, then stays pooled).
   */
  prewarm(path: ScriptPath = scriptPath()): Promise<void> {
    if (path === 'auto') {
      prepareFastScripts();
      return Promise.resolve();
    }
    if (!this.idle.length) this.idle.push(this.boot(scriptHeapMb()));
    return this.idle[0].host.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * A host for one run: scripts the fast path accepts run in this thread (fast-scripts.ts), the others
   * in a pooled sandbox, booted or taken from the pool when the run's first such script comes. Its
   * events go to `events` until released.
   */
  async acquire(events: HostEvents, scriptTimeoutMs: number | undefined, path: ScriptPath = scriptPath(), heapMb: () => number = scriptHeapMb): Promise<HostLease> {
    const timeout = scriptTimeoutMs && Number.isFinite(scriptTimeoutMs) ? scriptTimeoutMs : undefined;
    // The run's sandbox size is worked out only if a script needs the sandbox.
    const router = new ScriptRouter(path, timeout, () => this.lend(events, timeout, heapMb()));
    if (path === 'sandbox') await router.sandbox();
    for (const [event, trigger] of FORWARDED) router.listenOwn(event, (...args: any[]) => events[trigger](...args));
    let released = false;
    return {
      instance: router,
      paths: router.paths,
      release: (reusable: boolean) => {
        if (released) return;
        released = true;
        router.release(reusable);
      },
    };
  }

  /**
   * A sandbox host lent to one run: its timeout set, its events forwarded, its dispose a return. It
   * is an idle one whose heap limit holds `heapMb`, else one booted with that limit (or the default
   * one when that is more, so every pooled host holds a usual run).
   */
  private async lend(events: HostEvents, timeout: number | undefined, heapMb: number): Promise<LentSandbox> {
    const fits = this.idle.findIndex((idle) => idle.heapMb >= heapMb);
    const size = Math.max(heapMb, scriptHeapMb());
    let lent = fits >= 0 ? this.idle.splice(fits, 1)[0] : this.boot(size);
    let host: SandboxHost;
    try {
      host = await lent.host;
    } catch {
      // A pooled boot that failed is not reused: try once more, fresh, and let that error surface.
      lent = this.boot(size);
      host = await lent.host;
    }
    // As the runtime sets it when it creates a host: the default timeout of every execution.
    host.executionTimeout = timeout;
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
            ? `out_of_memory: a script used more than the script sandbox's ${lent.heapMb} MB heap, so the run stopped (the limit is sized from the variables, the largest data row and the response limit). Look for a loop that keeps allocating (or a very large response parsed again and again), or set POSTMAN_POWER_SCRIPT_HEAP_MB.`
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
      if (reusable && !dead && !this.closed && this.idle.length < this.keep) return void this.idle.push({ host: Promise.resolve(host), heapMb: lent.heapMb });
      host.dispose();
      // Its replacement boots now, between runs, rather than when the next run asks.
      if (!this.closed && !this.idle.length) this.idle.push(this.boot(scriptHeapMb()));
    };
    // The runtime stops reporting an execution once it called pm.execution.skipRequest().
    const on = (event: string, listener: (...args: any[]) => void) => {
      const skip = typeof event === 'string' && event.startsWith(SKIP_EVENT);
      host.on(event, skip ? (...args: any[]) => (skipped.add(event.slice(SKIP_EVENT.length)), listener(...args)) : listener);
    };
    return { host, on, release };
  }

  /** Disposes every idle host. */
  async close(): Promise<void> {
    this.closed = true;
    const hosts = this.idle.splice(0);
    await Promise.all(hosts.map((idle) => idle.host.then((host) => host.dispose(), () => undefined)));
  }
}

/** Where scripts run: `auto` (the fast path where it applies, the sandbox for the rest) or `sandbox` (all, as newman). */
export type ScriptPath = 'auto' | 'sandbox';
export interface ScriptPaths {
  fast: number;
  sandbox: number;
}

/** POSTMAN_POWER_SCRIPT_PATH=sandbox sends every script to postman-sandbox, newman's engine only. */
export function scriptPath(): ScriptPath {
  return process.env.POSTMAN_POWER_SCRIPT_PATH === 'sandbox' ? 'sandbox' : 'auto';
}

interface LentSandbox {
  host: SandboxHost;
  on(event: string, listener: (...args: any[]) => void): void;
  release(reusable: boolean): void;
}

/**
 * The host postman-runtime sees. Listeners it adds go on this emitter (where fast executions emit)
 * and on the sandbox host once there is one; `execute` sends each script down its path.
 */
class ScriptRouter extends EventEmitter {
  readonly paths: ScriptPaths = { fast: 0, sandbox: 0 };
  private lent?: Promise<LentSandbox>;
  private readonly own = new Set<unknown>();

  /** timeout: the run's script timeout, for executions the runtime gives none (as a sandbox's executionTimeout). */
  constructor(
    private readonly path: ScriptPath,
    private readonly timeout: number | undefined,
    private readonly lend: () => Promise<LentSandbox>,
  ) {
    super();
    this.setMaxListeners(0);
    if (path === 'auto') prepareFastScripts();
  }

  /** The run's sandbox host, taken on first need; the runtime's listeners so far are copied onto it. */
  sandbox(): Promise<LentSandbox> {
    if (!this.lent) {
      // Listeners added or removed while it boots follow through on/removeAllListeners.
      const present = this.eventNames().flatMap((event) => (typeof event === 'string' ? this.rawListeners(event).filter((listener) => !this.own.has(listener)).map((listener) => [event, listener] as const) : []));
      this.lent = this.lend().then((lent) => {
        for (const [event, listener] of present) lent.on(event, listener as (...args: any[]) => void);
        return lent;
      });
    }
    return this.lent;
  }

  /** Hears fast executions only: the sandbox host's own events reach the run through its lease. */
  listenOwn(event: string, listener: (...args: any[]) => void): void {
    this.own.add(listener);
    super.on(event, listener);
  }

  /**
   * Does `work` on the sandbox host once it is there, in call order. A host that failed to boot has
   * already failed its script with the reason (execute): nothing more to do for it here.
   */
  private withSandbox(work: (lent: LentSandbox) => void): void {
    void this.lent?.then(work, () => undefined);
  }

  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    this.withSandbox((lent) => lent.on(event as string, listener));
    return this;
  }

  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    super.once(event, listener);
    const wrapped = this.rawListeners(event).at(-1) as (...args: any[]) => void;
    this.withSandbox((lent) => lent.on(event as string, wrapped));
    return this;
  }

  override removeAllListeners(event?: string | symbol): this {
    super.removeAllListeners(event);
    this.withSandbox((lent) => lent.host.removeAllListeners(event as string));
    return this;
  }

  dispatch(...args: unknown[]): void {
    this.withSandbox((lent) => lent.host.dispatch(...args));
  }

  execute(event: { listen?: string; script?: { toSource?(): unknown } }, options: ExecuteOptions, callback: (error: unknown, result: unknown) => void): void {
    const source = event?.script?.toSource?.();
    const plan = this.path === 'auto' && typeof source === 'string' ? fastPlan(source) : undefined;
    if (plan) {
      this.paths.fast += 1;
      return executeFast(source as string, plan, event, { ...options, timeout: options.timeout ?? this.timeout }, (name, ...args) => this.emit(name, ...args), callback);
    }
    this.paths.sandbox += 1;
    // One answer per execution: postman-sandbox can give two. After a script times out, the next
    // execution re-boots the sandbox; if that one times out as well, the boot's own timer still fires
    // (30 s on) and answers again, and postman-runtime would throw "Callback was already called" into
    // the run's thread.
    let answered = false;
    const answer = (error: unknown, result: unknown) => {
      if (answered) return;
      answered = true;
      callback(error, result);
    };
    this.sandbox().then(
      (lent) => lent.host.execute(event, options, answer),
      (error: Error) => answer(new Error(`The run's script sandbox did not start: ${error.message}`), undefined),
    );
  }

  /** The runtime disposes its host when the run ends; a pooled host outlives the run. */
  dispose(): void {}

  release(reusable: boolean): void {
    this.withSandbox((lent) => lent.release(reusable));
  }
}
