// Runs a collection with postman-runtime (the engine newman wraps, at its current version) so every
// pm.* script behaves as in Postman and newman. A run is a promise of a summary; its handle can be
// polled and cancelled at once, in-flight request included (its own HTTP agents are destroyed).
import type sdkTypes from 'postman-collection';
import type { ResolvedRunOptions } from '../runs/options.js';
import type { HealthResult } from '../health.js';
import type { CollectionJson, EnvironmentJson } from '../collection/json.js';
import { valueText } from '../sources/environment-view.js';
import type { SourceInfo } from '../sources/outline.js';
import { engineModules } from './engine-modules.js';
import { iterationCount } from '../collection/items.js';
import { selectItems, type Selection } from '../collection/selection.js';
import { confinedFileResolver } from './file-resolver.js';
import { RunLifecycle, type AfterFinish, type RunHandle, type RunState } from '../runs/run-lifecycle.js';
import { RuntimeSecretWatcher, secretKeysOf } from './runtime-secrets.js';
import { newRunId, RunRecorder, type ItemUnderWay, type RequestEvent, type ForcedStatus, type RunSummary } from '../results/summary.js';


export type { Bail } from '../runs/options.js';

/**
 * A run as the runner receives it. Its options are resolved (core/runs/options.ts resolveRunOptions):
 * every one set, 0 for a time meaning none; the runner applies no default of its own.
 */
export interface RunInput extends Omit<ResolvedRunOptions, 'parallel'> {
  collection: CollectionJson;
  source: SourceInfo;
  environment?: EnvironmentJson;
  globals?: EnvironmentJson;
  /** Overrides `baseUrlVariable` for this run. */
  baseUrl?: string;
  baseUrlVariable?: string;
  envVars?: Record<string, string>;
  folders?: string[];
  /**
   * The items `folders` selects and their request count, selected once by the client and carried to
   * the queue, the runner and the run process; lanes, which run other folders, select their own.
   */
  selection?: Selection;
  iterations?: number;
  data?: Array<Record<string, unknown>>;
  /** A serialised cookie jar to start from (newman's --cookie-jar). */
  cookieJar?: unknown;
  /** Client certificates (newman's --ssl-client-cert / -key / -passphrase / -cert-list). */
  certificates?: CertificateSpec[];
  /** A PEM file of extra CAs to trust (newman's --ssl-extra-ca-certs). */
  extraCaCerts?: string;
  /** Absolute paths a person named on the command line: readable even outside `root`. */
  trustedFiles?: string[];
  /** Keep the final environment, globals and cookie jar (for --export-*). */
  exportState?: boolean;
  /** File reads (form-data, certificates) are confined to this directory. */
  root: string;
  warnings?: string[];
  runId?: string;
  /** Progress listeners hear at most one snapshot per this many ms (each snapshot is a copy). */
  progressIntervalMs?: number;
  /** Runs once the summary is final and before anyone sees it (reports are written here). */
  afterFinish?: AfterFinish;
  /** Send each request as it ends to onRequest (a flag, so it crosses to a worker; the worker sends them back). */
  live?: boolean;
  /** Hears each request as it ends, when `live` is set. */
  onRequest?: (event: RequestEvent) => void;
  /** Keep every request's headers and bodies on its record (the verbose CLI, the HTML report). */
  exchanges?: boolean;
  /**
   * Hears each request as it starts: a run process tells its server, which names it if the process
   * dies (a script out of memory). The last one heard stays "under way" until the next starts or the
   * run ends.
   */
  onUnderWay?: (at: ItemUnderWay | undefined) => void;
  /** Hears secrets learned during the run (secret-typed values scripts set, credentials as sent), before any output that holds them. */
  onSecrets?: (values: string[]) => void;
}

export interface CertificateSpec {
  name?: string;
  matches: string[];
  key?: { src: string };
  cert?: { src: string };
  pfx?: { src: string };
  passphrase?: string;
}

/** What a run leaves behind, for newman's --export-environment / --export-globals / --export-cookie-jar. */
/**
 * postman-runtime and postman-collection, loaded once per run process: they take most of a second to
 * import. The runtime creates each run's script host itself, as newman does (a context of the run's
 * own: engine/isolated-sandbox.ts).
 */
export interface Engine {
  runtime: typeof import('postman-runtime').default;
  sdk: typeof sdkTypes;
  /** Node's clients for the run's agents: loaded with the engine, not when the server starts. */
  http: typeof import('node:http');
  https: typeof import('node:https');
}

export async function loadEngine(): Promise<Engine> {
  engineModules.installPatches();
  const [http, https] = await Promise.all([import('node:http'), import('node:https')]);
  return { runtime: engineModules.runtime(), sdk: engineModules.sdk(), http, https };
}


function toScope(sdk: typeof sdkTypes, json: EnvironmentJson | undefined, extra: Record<string, string>): sdkTypes.VariableScope {
  const values = (json?.values ?? []).map((entry) => ({
    key: entry.key,
    value: valueText(entry.value),
    type: entry.type === 'secret' ? 'secret' : 'any',
    // Postman exports say `enabled: false`, other tools `disabled: true`: either disables, as in newman.
    disabled: entry.enabled === false || (entry as { disabled?: unknown }).disabled === true,
  }));
  for (const [key, value] of Object.entries(extra)) {
    const existing = values.find((entry) => entry.key === key);
    if (existing) Object.assign(existing, { value, disabled: false });
    else values.push({ key, value, type: 'any', disabled: false });
  }
  return new sdk.VariableScope({ ...(json?.name ? { name: json.name } : {}), values } as never);
}

/** A tough-cookie jar (postman-request's fork), fresh or from a serialised one (newman's --cookie-jar file). */
function loadCookieJar(serialised: unknown): unknown {
  const { CookieJar } = engineModules.toughCookie();
  return serialised ? CookieJar.deserializeSync(serialised) : new CookieJar();
}

/** A fresh accumulator for a run, its total known from the folders (selected once, by the caller when it has) and iterations it will run. */
export function newRecorder(input: RunInput, runId: string, listen = false, selected = input.selection ?? selectItems(input.collection, input.folders)): RunRecorder {
  const iterations = iterationCount(input);
  return new RunRecorder({
    ...(listen && input.live && input.onRequest ? { onRequest: input.onRequest } : {}),
    ...(listen && input.exchanges ? { exchanges: true } : {}),
    runId,
    collection: { name: input.collection.info.name, source: input.source },
    environment: input.environment?.name,
    total: selected.requests * iterations,
    iterations,
    warnings: input.warnings ?? [],
  });
}

export function startRun(input: RunInput, { runtime, sdk, http, https }: Engine): RunHandle {
  const id = input.runId ?? newRunId();
  const iterations = iterationCount(input);
  const selection = input.selection ?? selectItems(input.collection, input.folders);
  const envVars = { ...(input.envVars ?? {}) };
  if (input.baseUrl) envVars[input.baseUrlVariable ?? 'baseUrl'] = input.baseUrl;

  const recorder = newRecorder(input, id, true, selection);
  recorder.maxResponseBytes = input.maxResponseBytes;
  const watcher = new RuntimeSecretWatcher(
    input.onSecrets,
    secretKeysOf(input.environment?.values, input.globals?.values, (input.collection as { variable?: unknown }).variable),
  );
  const life = new RunLifecycle(input.afterFinish);
  let lastProgress = 0;
  // Each run has its own agents (no shared sockets between runs) so a cancel can destroy them.
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true, rejectUnauthorized: !input.insecureTls }) };
  let run: { abort(): void } | undefined;
  const finish = (forced?: ForcedStatus, message?: string) => {
    if (!life.claimEnd()) return;
    if (forced && run) {
      try {
        run.abort();
      } catch {
        // Already stopping.
      }
    }
    agents.http.destroy();
    agents.https.destroy();
    if (input.exportState) {
      const scope = (value: sdkTypes.VariableScope, name: string): EnvironmentJson => {
        const json = value.toJSON() as { values?: Array<{ key?: string; value?: unknown; type?: string; disabled?: boolean }> };
        return { name: value.name ?? name, values: (json.values ?? []).map((v) => ({ key: v.key ?? '', value: v.value, type: v.type, enabled: !v.disabled })) };
      };
      finalState = { environment: scope(environment, input.environment?.name ?? 'environment'), globals: scope(globals, input.globals?.name ?? 'globals'), cookies: (cookieJar as { serializeSync?: () => unknown } | undefined)?.serializeSync?.() };
    }
    void life.complete(recorder.finish(forced, message), recorder.records);
  };
  life.startTimeout(input.runTimeoutMs, (message) => finish('timed_out', message));

  const environment = toScope(sdk, input.environment, envVars);
  const globals = toScope(sdk, input.globals, {});
  const cookieJar = input.cookieJar || input.exportState ? loadCookieJar(input.cookieJar) : undefined;
  let finalState: RunState | undefined;
  const scriptTimeout = input.scriptTimeoutMs && Number.isFinite(input.scriptTimeoutMs) && input.scriptTimeoutMs > 0 ? input.scriptTimeoutMs : undefined;
  const options: Record<string, unknown> = {
    timeout: { request: input.requestTimeoutMs, script: input.scriptTimeoutMs },
    iterationCount: iterations,
    ...(input.data?.length ? { data: input.data } : {}),
    environment,
    globals,
    ...(input.delayRequestMs ? { delay: { item: input.delayRequestMs } } : {}),
    ...(input.certificates?.length ? { certificates: new sdk.CertificateList({}, input.certificates as never) } : {}),
    ...(input.bail === 'failure' ? { stopOnFailure: true } : input.bail === 'error' ? { stopOnError: true } : {}),
    ...(selection.ids.length ? { entrypoint: { execute: selection.ids, lookupStrategy: 'multipleIdOrName' } } : {}),
    fileResolver: confinedFileResolver(input.root, input.trustedFiles, (refusal) => recorder.fileRefused(refusal)),
    requester: {
      // As newman: the WHATWG parser (an unparseable URL fails its request instead of vanishing).
      useWhatWGUrlParser: true,
      maxResponseSize: input.maxResponseBytes,
      strictSSL: !input.insecureTls,
      followRedirects: input.followRedirects ?? true,
      ...(input.extraCaCerts ? { extendedRootCA: input.extraCaCerts } : {}),
      ...(cookieJar ? { cookieJar } : {}),
      agents,
      // As newman: a Postman-Token trace header (a random id, no secret); a cookie jar per run.
      implicitTraceHeader: true,
    },
    script: { serializeLogs: false },
    // The watchdog of the run's script context: the script timeout a person set, and only that (the
    // runtime's own three-minute default is left to its host-side timer). postman-runtime passes
    // `host` to the sandbox it creates.
    ...(scriptTimeout ? { host: { watchdogMs: scriptTimeout } } : {}),
  };

  const callbacks: Record<string, (...args: any[]) => void> = {
    script: (_err: unknown, _cursor: unknown, result: unknown) => {
      if (!life.finished) watcher.afterScript(result);
    },
  };
  for (const [event, handler] of Object.entries(recorder.handlers)) {
    callbacks[event] = (...args: any[]) => {
      if (life.finished) return;
      // Credentials as sent are learned before the request's record can be shown.
      if (event === 'request') watcher.afterRequest(args[3]);
      (handler as (...a: any[]) => void)(...args);
      // Once per request, as it starts (not again as it ends: a message each way cost a run ~4%).
      if (event === 'beforeItem') input.onUnderWay?.(recorder.currentRequest());
      if (event === 'item' && life.hasListeners && Date.now() - lastProgress >= (input.progressIntervalMs ?? 0)) {
        lastProgress = Date.now();
        life.progress(recorder.snapshot());
      }
      if (event === 'done') finish();
    };
  }
  try {
    new runtime.Runner().run(new sdk.Collection(input.collection as never), options, (error, created) => {
      if (life.finished) return;
      if (error) return finish('errored', `The run could not start: ${error.message}`);
      run = created;
      created.start(callbacks);
    });
  } catch (error) {
    finish('errored', `The run could not start: ${(error as Error).message}`);
  }

  return life.handle(id, {
    records: () => recorder.records,
    state: () => finalState,
    snapshot: () => (life.finished ? recorder.summary : recorder.snapshot()),
    cancel: (reason) => finish('cancelled', reason ?? 'Cancelled by the client.'),
  });
}

/** The summary of a run that did not start because its backend is down. */
export function unhealthySummary(input: RunInput, health: HealthResult): RunSummary {
  const summary = newRecorder(input, input.runId ?? newRunId()).finish('backend_unhealthy', health.summary);
  summary.health = health;
  return summary;
}
