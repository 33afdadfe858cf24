// Starting a run process: its flags, environment and the handshake up to 'ready' (process-runner.ts
// pools and drives them). Kept light — no engine, no zod — because the CLI's launcher starts the
// process of a `run` here before the CLI itself has loaded (startEarlyRunProcess): its start, most of
// a one-shot run's wait, overlaps the CLI's.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cacheDirectory, openCodeCache } from '../files/code-cache.js';
import { OUT_OF_MEMORY, type WarningCode } from '../results/warning-codes.js';
import { warmProcessHeapMb } from './heap-limits.js';
import type { RunProcessMessage } from './run-process.js';

/**
 * The run process's script: the loader of the bundle with the engine compiled in
 * (dist/run-process-loader.cjs and dist/run-process.cjs, by scripts/bundle.mjs), found next to the
 * server's bundle, two levels up from dist/core/engine, or in dist/ when running from sources under
 * ts-jest. With POSTMAN_POWER_ENGINE_PATCHES=off, the modules tsc built
 * (dist/core/engine/run-process.js), whose engine Node's loader reads as published.
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

const STDERR_KEPT = 4096;

/**
 * The young generation of the run's and the sandbox's threads, in MB. V8's default (up to 48 MB per
 * thread) is garbage-collector headroom, not live data: 8 MB took peak RSS at 10 000 requests from
 * 363–407 MB to 305–324 MB here, with no loss of speed (BENCHMARKS.md D).
 */
export const YOUNG_GENERATION_MB = 8;

/**
 * How much a V8 heap may grow past its live data before the next full collection, in percent. V8's
 * own factor (up to 4× for a fast-allocating heap) is what made the run's heap, not its data, the
 * bulk of peak RSS; 25% kept 10 000 requests at 236 MB instead of 372 MB here, with no loss of
 * speed (BENCHMARKS.md D).
 */
export const HEAP_GROWING_PERCENT = 25;

/**
 * V8's memory reducer, off in run processes unless POSTMAN_POWER_MEMORY_REDUCER=on: it shrinks an
 * idle heap some seconds into a pause (a warm process went from ~140 to ~108 MB here), and the next
 * run pays to grow it back under our tight heap growth: 1 000-request runs after 12 s pauses took
 * 2.9–3.2 s with it and 2.5–2.6 s without, as long as runs right after one another. An agent pauses
 * between runs; the memory is one warm process's heap, and processes retire every 20 runs. A full
 * collection forced between runs gave little memory back and slowed the next run too (BENCHMARKS.md
 * A, the pause rows).
 */
const memoryReducerFlags = () => (process.env.POSTMAN_POWER_MEMORY_REDUCER === 'on' ? [] : ['--no-memory-reducer']);

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

export const kill = (child: ChildProcess) => {
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

/** An idle process does not keep the server (or a CLI that is done) alive. */
export function unrefProcess(child: ChildProcess): void {
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
}

/**
 * A new run process whose old generation is capped at `heapMb`. Started with Node's permission
 * model: it may read files (the engine, the workspace's uploads and certificates) but not write
 * any, start processes or threads — a second wall behind the script context. Its environment
 * holds no secret (runProcessEnv).
 */
export function spawnRunProcess(script: string, heapMb: number): WarmProcess {
  const child = fork(script, [], {
    execArgv: [
      `--max-old-space-size=${heapMb}`,
      `--max-semi-space-size=${Math.max(1, Math.round(YOUNG_GENERATION_MB / 2))}`,
      ...(process.env.POSTMAN_POWER_HEAP_GROWTH === 'v8' ? [] : [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]),
      ...memoryReducerFlags(),
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
  unrefProcess(child);
  return { child, ready, heapMb, stderr: () => stderr };
}

/** Where the launcher leaves the process it started (this module is loaded twice: by the launcher and in the CLI's bundle). */
const EARLY = Symbol.for('postman-power.early-run-process');
type EarlyHolder = { [EARLY]?: { script: string; process: WarmProcess } };

/**
 * Starts the run process for a CLI `run` before the CLI has loaded (dist/cli.cjs calls it). A warm
 * process, as ProcessRunner.prewarm would start a moment later; the CLI's runner takes it over.
 */
export function startEarlyRunProcess(): void {
  const script = runProcessScript();
  if (script) (globalThis as EarlyHolder)[EARLY] = { script, process: spawnRunProcess(script, warmProcessHeapMb()) };
}

/** The process the launcher started for `script`, once. */
export function takeEarlyRunProcess(script: string): WarmProcess | undefined {
  const holder = globalThis as EarlyHolder;
  const early = holder[EARLY];
  if (!early || early.script !== script) return undefined;
  delete holder[EARLY];
  return early.process;
}
