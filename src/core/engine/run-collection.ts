// Runs a collection with postman-runtime (the engine newman wraps, at its current version) so every
// pm.* script behaves as in Postman and newman. A run is a promise of a summary; its handle can be
// polled and cancelled at once, in-flight request included (its own HTTP agents are destroyed).
import type sdkTypes from 'postman-collection';
import type { EnvironmentJson } from '../collection/json.js';
import { iterationCount } from '../collection/items.js';
import { selectItems } from '../collection/selection.js';
import { newRunId, type ForcedStatus } from '../results/summary.js';
import { newRecorder, type RunInput } from '../runs/run-input.js';
import { RunLifecycle, type RunHandle, type RunState } from '../runs/run-lifecycle.js';
import { valueText } from '../sources/environment-view.js';
import { engineModules } from './engine-modules.js';
import { confinedFileResolver } from './file-resolver.js';
import { RuntimeSecretWatcher, secretKeysOf } from './runtime-secrets.js';

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

