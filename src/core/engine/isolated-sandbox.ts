// postman-sandbox, with every script in a context of its own (script-context.ts) instead of a
// worker thread running its Node build next to `process` and Node's own modules. uvm builds its
// workers from the class uvm/lib/worker.js exports; in the run process that export is replaced by
// the context worker before postman-sandbox is first loaded, and the browser build of the boot code
// (which bundles every module it offers scripts) is what runs inside. Both are probed: an upgrade
// that moves either fails the run's start with a clear error, never silently runs scripts elsewhere.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compileWithCache, type CodeCache } from '../files/code-cache.js';
import { BOOT_CODE_PATCHES_DIGEST, patchBootCode } from './boot-code-patches.js';
import { engineModules } from './engine-modules.js';
import { ContextWorker, FIRMWARE } from './script-context.js';

/** What the run relies on, for the error that says an upgrade moved it. */
const EXPECTED = 'uvm 4 (lib/worker.js exporting a class with __self, __exceptionHandler and __bootCodeExecutor) and postman-sandbox 6 (.cache/bootcode.browser.js)';

export class SandboxLayoutError extends Error {
  readonly code = 'engine_layout_changed';
  constructor(detail: string) {
    super(`The script sandbox cannot be isolated: ${detail}. postman-power expects ${EXPECTED}; reinstall the versions package.json pins.`);
  }
}

/** The part of a postman-sandbox host this module touches. */
interface SandboxHost {
  executionTimeout?: number;
  connectOptions?: Record<string, unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  dispose(callback?: () => void): void;
}
type CreateContext = (options: Record<string, unknown>, callback: (error: Error | null, host?: SandboxHost) => void) => void;

export interface IsolatedSandbox {
  /**
   * Boots the next run's context ahead of time (at most one waits); resolves once it is up, rejects
   * when it could not boot or was not built from the context worker.
   */
  prepare(): Promise<void>;
  /**
   * The boot code's cache, made once the first context has booted, when there was none to use: for
   * the parent to write (run-process.ts sends it before any collection's script exists here).
   */
  freshCache(): { identity: Buffer; data: Buffer } | undefined;
  /** There was no valid boot code cache to use. */
  cacheStale(): boolean;
}


/** The watchdog of a context's calls: the script timeout of the run its host serves, if one was set. */
interface Watchdog {
  timeoutMs?: number;
}

let installed: IsolatedSandbox | undefined;
/** How postman-sandbox's .cache/bootcode.browser.js wraps its boot code. */
const BOOT_CODE_PREFIX = 'module.exports=c=>c(null,';
const BOOT_CODE_SUFFIX = ')';

/**
 * postman-sandbox's browser boot code: one string holding pm, chai, lodash and the rest, with our
 * patches (boot-code-patches.ts) unless they are off or no longer apply; and what names it for a
 * code cache (its file's hash, and the patches').
 */
export function browserBootCode(): { code: string; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(engineModules.browserBootCodeFile());
  } catch (error) {
    throw new SandboxLayoutError(`its browser boot code could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  // The file is `module.exports=c=>c(null,<the code as a JSON string>)`: read as that string, it takes
  // a third of the time Node's loader takes to compile 2 MB into a function returning it.
  const text = bytes.toString('utf8');
  const literal = text.startsWith(BOOT_CODE_PREFIX) && text.endsWith(BOOT_CODE_SUFFIX) ? text.slice(BOOT_CODE_PREFIX.length, -BOOT_CODE_SUFFIX.length) : undefined;
  let code: unknown;
  try {
    code = literal?.startsWith('"') ? JSON.parse(literal) : undefined;
  } catch {
    code = undefined;
  }
  if (typeof code !== 'string' || code.length < 100_000) throw new SandboxLayoutError('its browser boot code is no longer a module calling back with one string');
  const booted = patchBootCode(code);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { code: booted.code, sha256: booted.patched ? `${sha256} patched ${BOOT_CODE_PATCHES_DIGEST}` : sha256 };
}

/**
 * Makes every postman-sandbox host this process creates run its scripts in a context of its own.
 * Must run before postman-runtime (and with it postman-sandbox and uvm's bridge) is loaded.
 * postman-runtime creates a host per run, as newman does; the one `prepare()` booted is handed to
 * the next run that asks (booting takes ~50-130 ms), never to a second one: the runtime disposes
 * it when its run ends.
 */
export function installIsolatedSandbox(options: { codeCache?: CodeCache } = {}): IsolatedSandbox {
  if (installed) return installed;
  // Compiled once per process, with this user's code cache when a valid one is there.
  const { code, sha256 } = browserBootCode();
  const boot = compileWithCache(code, { filename: 'postman-sandbox:bootcode', cache: options.codeCache, flags: process.execArgv, knownSource: { sha256 } });
  const bootScript = boot.script;
  let constructed = 0;
  class UvmContextWorker extends ContextWorker {
    static __self = FIRMWARE.self;
    static __exceptionHandler = FIRMWARE.exceptionHandler;
    static __bootCodeExecutor = FIRMWARE.bootCodeExecutor;
    /**
     * uvm passes (a copy of) the host's connect options: `watchdogMs` is the run's script timeout
     * (run-collection.ts), or a holder of it for a host booted ahead.
     */
    constructor(firmware: string, options?: { watchdogMs?: unknown; watchdog?: Watchdog }) {
      const timeoutMs = () => {
        const ms = options?.watchdog ? options.watchdog.timeoutMs : options?.watchdogMs;
        return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : undefined;
      };
      super(firmware, { bootScript, timeoutMs });
      constructed += 1;
    }
  }
  const refused = engineModules.replaceUvmWorker(UvmContextWorker);
  if (refused) throw new SandboxLayoutError(refused);

  const sandbox = engineModules.sandbox() as { createContext?: CreateContext };
  // uvm's bridge speaks one format on both sides: its two files were patched together, or neither.
  const outcomes = engineModules.patchOutcomes();
  if ((outcomes.get('uvm/lib/bridge.js') === 'patched') !== (outcomes.get('uvm/lib/bridge-client.js') === 'patched')) throw new SandboxLayoutError('only one side of uvm\'s bridge took the engine patch for its messages');
  if (typeof sandbox.createContext !== 'function') throw new SandboxLayoutError('postman-sandbox no longer exports createContext');
  const create = sandbox.createContext.bind(sandbox);
  let prepared: { host: Promise<SandboxHost>; watchdog: Watchdog } | undefined;
  const bootHost = (options: Record<string, unknown>) =>
    new Promise<SandboxHost>((resolve, reject) => {
      create(options, (error, host) => {
        if (error || !host) return reject(error ?? new Error('no host'));
        // An emitter's 'error' with no listener throws: a host waiting for its run has none yet.
        host.on('error', () => undefined);
        resolve(host);
      });
    });
  sandbox.createContext = (options, callback) => {
    // Only a host asked for as our runs ask (timeouts, logs not serialised) is the one booted ahead.
    const usual = Object.keys(options ?? {}).every((key) => key === 'timeout' || key === 'serializeLogs' || key === 'watchdogMs') && !options?.serializeLogs;
    const taken = usual ? prepared : undefined;
    if (!taken) return create(options, callback);
    prepared = undefined;
    taken.host.then(
      (host) => {
        const timeout = typeof options.timeout === 'number' && Number.isFinite(options.timeout) ? options.timeout : undefined;
        // As postman-sandbox sets them from its connect options when it boots with them.
        host.executionTimeout = timeout;
        if (host.connectOptions) host.connectOptions.timeout = timeout;
        taken.watchdog.timeoutMs = typeof options.watchdogMs === 'number' ? options.watchdogMs : undefined;
        callback(null, host);
      },
      () => create(options, callback),
    );
  };
  installed = {
    prepare: () => {
      if (!prepared) {
        const watchdog: Watchdog = {};
        const host = bootHost({ serializeLogs: false, watchdog });
        host.catch(() => undefined);
        prepared = { host, watchdog };
      }
      return prepared.host.then(() => {
        // The probe that the replaced worker class is what uvm built the host from.
        if (constructed === 0) throw new SandboxLayoutError('uvm booted a host without the context worker');
      });
    },
    cacheStale: () => boot.stale,
    // Made once a context has run the boot code, so it holds what the boot compiled.
    freshCache: () => (constructed > 0 ? boot.fresh() : undefined),
  };
  return installed;
}
