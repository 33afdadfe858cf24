// The fast script path: scripts that fastPathEligible() accepts run in the run's own thread, through
// postman-sandbox's own pm API (its Execution, Postman and console modules, chai 4.4.1 with
// chai-postman 2.0.1 — the versions its boot code bundles), with no thread round trip, no
// per-execution compile and no pm bootstrap beyond the execution's objects. What crosses the
// sandbox's bridge crosses a flatted round trip here too (errors as the sandbox's purse.js shapes
// them), so the runtime receives the same events and results, in the same order, after the same
// turn of the event loop. Isolation comes from the eligibility analysis (no runner globals, no
// computed keys, no way to a constructor or prototype) and each script runs under a V8 watchdog.
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { installEnginePatches } from './engine-patches.js';
import type { FastPlan } from './script-analysis.js';

interface SandboxModules {
  Execution: new (id: string, event: unknown, context: unknown, options: Record<string, unknown>) => Record<string, any>;
  PostmanAPI: new (...args: unknown[]) => unknown;
  PostmanConsole: new (emitter: { dispatch(...args: unknown[]): void }, cursor: unknown, original?: unknown) => unknown;
  flatted: { stringify(value: unknown, replacer?: (key: string, value: unknown) => unknown): string; parse(text: string): any };
  teleport: { parse(text: string): unknown[] };
}

let modules: SandboxModules | undefined;

/** postman-sandbox's in-sandbox modules, required from the sandbox's own files, chai set up as its boot does. */
function sandboxModules(): SandboxModules {
  if (modules) return modules;
  installEnginePatches();
  const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
  const fromSandbox = createRequire(fromRuntime.resolve('postman-sandbox'));
  const fromPmApi = createRequire(fromSandbox.resolve('./lib/sandbox/pmapi.js'));
  const fromHere = createRequire(import.meta.url);
  const chai = fromPmApi('chai') as { use(plugin: unknown): void };
  chai.use((fromHere('chai-postman') as (...args: unknown[]) => unknown)(fromPmApi('postman-collection'), fromPmApi('lodash'), fromHere('ajv6')));
  modules = {
    Execution: fromSandbox('./lib/sandbox/execution.js'),
    PostmanAPI: fromSandbox('./lib/sandbox/pmapi.js'),
    PostmanConsole: fromSandbox('./lib/sandbox/console.js'),
    flatted: createRequire(fromSandbox.resolve('uvm'))('flatted'),
    teleport: fromSandbox('teleport-javascript'),
  };
  return modules;
}

/**
 * As the sandbox's purse.js makes errors cross its bridge: name and message only. (Errors of any
 * realm: a script's own are the runner's, and a test runner may load this module in another.)
 */
const isError = (value: unknown): value is Error => value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
const bridgeReplacer = (_key: string, value: unknown) => (isError(value) ? { type: 'Error', name: value.name, message: value.message } : value);

/**
 * What the sandbox's side of the bridge would deliver for these arguments, as a function giving a
 * fresh copy per call (one event sent twice is two copies). flatted is JSON plus cycles; JSON does
 * the acyclic case (nearly all) several times faster.
 */
function bridgeCopies<T extends unknown[]>(m: SandboxModules, args: T): () => T {
  try {
    const text = JSON.stringify(args, bridgeReplacer);
    return () => JSON.parse(text) as T;
  } catch {
    const text = m.flatted.stringify(args, bridgeReplacer);
    return () => m.flatted.parse(text) as T;
  }
}

const acrossBridge = <T extends unknown[]>(m: SandboxModules, args: T): T => bridgeCopies(m, args)();

type Compiled = (pm: unknown, console: unknown) => void;
const compiled = new Map<string, Compiled>();
const COMPILED_LIMIT = 2_000;
// One call site run under V8's watchdog: the timeout ends a runaway script and what it called. The
// context holds nothing but the slot for the call.
const WATCHED_CALL = new vm.Script('run()', { filename: 'postman-power:fast-script-call' });
const callSlot: { run?: () => void } = {};
const callContext = vm.createContext(callSlot);

function compile(m: SandboxModules, source: string): Compiled {
  let fn = compiled.get(source);
  if (!fn) {
    // As the sandbox wraps a script (its top-level `return` included), minus the async wrapper the
    // eligibility analysis makes needless; compiled in the realm of the pm API and chai, as the
    // sandbox's scripts share one realm with them (chai prints objects of another realm differently).
    const RealmFunction = (m.Execution as unknown as { constructor: FunctionConstructor }).constructor;
    fn = new RealmFunction('pm', 'console', source) as Compiled;
    if (compiled.size >= COMPILED_LIMIT) compiled.clear();
    compiled.set(source, fn);
  }
  return fn;
}

export interface ExecuteOptions {
  id: string;
  timeout?: number;
  cursor?: Record<string, unknown>;
  context?: Record<string, any>;
  legacy?: Record<string, unknown>;
  disabledAPIs?: string[];
}

/** Emits what the sandbox's host would: `emit(name, ...args)` on the runtime's host. */
export type HostEmit = (name: string, ...args: unknown[]) => void;

/**
 * The execution's context as the sandbox receives it: plain data. What the script cannot change is
 * not copied: a request it does not name is read through a thin object of its own (pm adds a `to`
 * property to it), and scopes it does not name are left empty. The response comes as the runtime's
 * JSON, from which the execution builds its own Response either way.
 */
function sandboxContext(m: SandboxModules, plan: FastPlan, context: Record<string, any> = {}): Record<string, any> {
  const { response, request, _variables, environment, collectionVariables, globals, ...rest } = context;
  const plain = acrossBridge(m, [plan.scopes ? { ...rest, _variables, environment, collectionVariables, globals } : rest])[0] as Record<string, any>;
  const isSdk = typeof (request as { toJSON?: unknown } | undefined)?.toJSON === 'function';
  if (request) plain.request = plan.request || !isSdk ? acrossBridge(m, [request])[0] : Object.create(request);
  if (response) plain.response = typeof response.toJSON === 'function' ? response.toJSON() : response;
  return plain;
}

const SCOPES = ['_variables', 'environment', 'collectionVariables', 'globals'];

/**
 * The execution's result as the runtime uses it. A scope the script did not change is left out,
 * and so is a request it could not change: the runtime then keeps its own (what it would have
 * rebuilt from an unchanged copy).
 */
function resultOf(execution: Record<string, any>, plan: FastPlan): Record<string, unknown> {
  const { id, target, legacy, cursor, data, cookies } = execution;
  const result: Record<string, unknown> = { id, target, legacy, cursor, data, cookies };
  for (const scope of SCOPES) if ((execution[scope]?.mutations?.count?.() ?? 0) > 0) result[scope] = execution[scope];
  if (plan.request) result.request = execution.request;
  result.return = execution.return;
  return result;
}

/**
 * Runs one eligible script as the sandbox's `execute` would and calls back after the events, on a
 * later turn of the event loop. `source` is the script's code (the event's, joined).
 */
export function executeFast(source: string, plan: FastPlan, event: { listen?: string }, options: ExecuteOptions, emit: HostEmit, callback: (error: unknown, result: unknown) => void): void {
  const m = sandboxModules();
  const id = options.id;
  const cursor = { ...(options.cursor ?? {}), execution: id };
  const events: unknown[][] = [];
  const dispatch = (...args: unknown[]) => events.push(acrossBridge(m, args));
  const assertions = (list: unknown) => {
    // The sandbox sends the assertions under two names, each serialised on its own.
    const copy = bridgeCopies(m, [cursor, Array.isArray(list) ? list : [list]]);
    events.push([`execution.assertion.${id}`, ...copy()], ['execution.assertion', ...copy()]);
  };
  let error: unknown = null;
  let execution: Record<string, any> | undefined;
  try {
    execution = new m.Execution(id, { listen: event.listen }, sandboxContext(m, plan, options.context), { cursor, legacy: options.legacy });
    execution.return.async = false;
    const refused = () => {
      throw new TypeError('This API is not available on the fast script path.');
    };
    const pm = new m.PostmanAPI(execution, refused, refused, assertions, undefined, undefined, undefined, refused, undefined, { disabledAPIs: [...(options.disabledAPIs ?? []), 'require'], getProtocolMetadata: () => null });
    const console = new m.PostmanConsole({ dispatch }, cursor);
    const script = compile(m, source);
    const timeout = Number.isFinite(options.timeout) && (options.timeout ?? 0) > 0 ? options.timeout : undefined;
    if (timeout) {
      callSlot.run = () => script(pm, console);
      try {
        WATCHED_CALL.runInContext(callContext, { timeout });
      } finally {
        callSlot.run = undefined;
      }
    } else script(pm, console);
  } catch (thrown) {
    if ((thrown as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      // The sandbox's thread would be stuck: its host answers as here, and the run goes on.
      setImmediate(() => {
        replay(m, events, emit);
        callback(new Error('sandbox not responding'), undefined);
      });
      return;
    }
    error = thrown;
  }
  if (error) {
    dispatch(`execution.error.${id}`, cursor, error);
    dispatch('execution.error', cursor, error);
  }
  const [resultError, result] = acrossBridge(m, [error, execution ? resultOf(execution, plan) : null]);
  setImmediate(() => {
    replay(m, events, emit);
    callback(resultError, result);
  });
}

/** The events as the sandbox's host re-emits them (console arguments revived by teleport-javascript). */
function replay(m: SandboxModules, events: unknown[][], emit: HostEmit): void {
  for (const [name, ...args] of events) {
    if (name === 'execution.console') {
      const [at, level, logged] = args as [unknown, string, string];
      emit('console', at, level, ...m.teleport.parse(logged));
    } else emit(name as string, ...args);
  }
}

/** Loads the sandbox's modules ahead of the first script. */
export function prepareFastScripts(): void {
  sandboxModules();
}
