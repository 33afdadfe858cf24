// PostmanPowerClient: the facade the MCP tools and the CLI share (plan task 3: activate, get
// collection, get environment, run collection; plus the health check of plan task 4).
import { promises as fs } from 'node:fs';
import { classifyReference, findConfig, readConfigState, type ConfigEnv, type ConfigState, type PostmanConfig } from './config.js';
import { checkBackendHealth, resolveTarget, type HealthOptions, type HealthResult } from './health.js';
import { activatePower, type Activation } from './activate.js';
import { PowerError } from './errors.js';
import { PostmanApiClient } from './postman-api.js';
import { type CollectionJson, type EnvironmentJson } from './collection/json.js';
import { viewEnvironment, type EnvironmentView } from './sources/environment-view.js';
import { collectionSecrets, secretVariableValues } from './secret-sources.js';
import { findFolder, hostVariables, itemPaths, outlineCollection, type Outline, type SourceInfo } from './sources/outline.js';
import { fetchText, SourceResolver } from './sources/resolve.js';
import { loadDataFile, parseDataText } from './runs/data-file.js';
import { readNamedJsonFile } from './files/workspace-files.js';
import path from 'node:path';
import { writeReports, type ReportOptions, type Reporter } from './reports/reports.js';
import type { ShardId } from './reports/html-report.js';
import { RunRegistry } from './runs/run-registry.js';
import { planLanes, planShard, type Shard } from './runs/lanes.js';
import { RunQueue } from './runs/run-queue.js';
import { ProcessRunner, runProcessScript } from './engine/process-runner.js';
import { newRecorder, unhealthySummary, type CertificateSpec, type RunInput } from './runs/run-input.js';
import { assertRunnable, selectItems, withItemIds } from './collection/selection.js';
import type { RunHandle } from './runs/run-lifecycle.js';
import { resolveRunOptions, type RunOptions } from './runs/options.js';
import { addWarning, newRunId, type RequestEvent, type RunSummary } from './results/summary.js';
import { silentLogger, type Logger } from './logger.js';
import { SecretSet } from './redact.js';
import { lastRun, recordHistory, rerunSelection } from './results/history.js';

export interface PowerClientDeps {
  env?: ConfigEnv;
  cwd?: string;
  secrets?: SecretSet;
  logger?: Logger;
  /** Postman API client settings (tests shorten the timeout). */
  api?: { timeoutMs?: number; retryLimit?: number; maxResponseBytes?: number };
  /** Runs executing at once (lanes counted); default the machine's cores. */
  runSlots?: number;
  /**
   * Warm run processes shared beyond this client (tests lend them per file so each server does not
   * boot its own); the client does not close them. Default: the client's own.
   */
  workers?: ProcessRunner;
}

/** The health check's own options, all optional; `urls` may also be paths joined to the configured base URL. */
export type HealthArgs = Partial<Pick<HealthOptions, 'urls' | 'method' | 'expectStatus' | 'expectBody' | 'timeoutMs' | 'attempts' | 'deadlineMs' | 'waitUntilHealthy' | 'signal'>>;

export interface GetCollectionArgs {
  collection?: string;
  detail?: 'outline' | 'full';
  folder?: string;
  /** Cap on the collection JSON in `full` mode, in characters. */
  maxChars?: number;
}

export const FULL_COLLECTION_CAP = 100_000;

/** A run as a caller asks for it: what to run, and its options (RunOptions: core/runs/options.ts). */
export interface RunArgs extends RunOptions {
  collection?: string;
  environment?: string;
  globals?: string;
  baseUrl?: string;
  envVars?: Record<string, string>;
  folders?: string[];
  iterations?: number;
  data?: string;
  /** true: always check the backend first; false: never; default: when the run targets the configured backend. */
  checkHealth?: boolean;
  reporters?: Reporter[];
  /** Compare with the last run and keep this one under .postman-power/history/ (default true). */
  history?: boolean;
  /** "failed": only the requests that failed in the last run, with those before them in their folders. */
  rerun?: 'failed';
  /** Global values to set (newman's --global-var). */
  globalVars?: Record<string, string>;
  /** The CLI: references a person typed may be URLs or files anywhere (see resolveUserReference). */
  userNamedFiles?: boolean;
  /** Where the collection's own file references (uploads) resolve (newman's --working-dir). */
  workingDir?: string;
  /** A cookie jar file to start from (newman's --cookie-jar). */
  cookieJar?: string;
  certificates?: CertificateSpec[];
  extraCaCerts?: string;
  /** Keep the final environment, globals and cookies (for --export-*). */
  exportState?: boolean;
  /** Hears each request as it ends (the CLI's live reporter). */
  onRequest?: (event: RequestEvent) => void;
  /** Keep every request's headers and bodies (the verbose CLI; the HTML report keeps them anyway). */
  exchanges?: boolean;
  /** Files a person named for reports (the CLI's --reporter-<name>-export). */
  reportExports?: ReportOptions['exports'];
  /** This machine's share of a CI matrix (`--shard i/n`): top-level folders balanced by request count. */
  shard?: ShardId;
}

function shardNote(shard: ShardId, share: Shard): string {
  const what = share.names.length ? `${share.names.slice(0, 10).join(', ')}${share.names.length > 10 ? `, … (${share.names.length} items)` : ''}` : 'nothing (fewer items than shards)';
  return `Shard ${shard.index}/${shard.count}: ${what} — ${share.requests} of ${share.total} requests. Variables set in one shard are not seen by another.`;
}

/** A started run, or a summary that says why it did not start (backend down). */
export type RunStart = { handle: RunHandle } | { summary: RunSummary };

/** Short defaults for the pre-run health gate: an agent should hear "down" in seconds. */
export const GATE_HEALTH = { attempts: 2, timeoutMs: 1500, deadlineMs: 5000 };

/** Without a health path, any HTTP status is an answer. */
const ANY_ANSWER = '100-599';

export type CollectionResult = Outline & { collection?: unknown; note?: string };

const UNEXPANDED_KEY = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** Collections whose told warnings are remembered. */
const MAX_TOLD_COLLECTIONS = 100;
/** Told warnings remembered per collection. */
const MAX_TOLD_WARNINGS = 200;

export class PostmanPowerClient {
  /** Warnings already told per collection (and environment), so an answer repeats none. */
  private readonly toldWarnings = new Map<string, Set<string>>();

  /**
   * Of a run's warnings, those not yet told for its collection and environment in this server (a
   * changed warning is a new one); they count as told from now on.
   */
  unseenWarnings(summary: Pick<RunSummary, 'collection' | 'environment'>, warnings: string[]): string[] {
    const key = JSON.stringify([summary.collection.source.kind, summary.collection.source.ref, summary.environment ?? '']);
    let told = this.toldWarnings.get(key);
    if (!told) {
      // A bounded memory: the oldest collection is forgotten first.
      if (this.toldWarnings.size >= MAX_TOLD_COLLECTIONS) this.toldWarnings.delete(this.toldWarnings.keys().next().value!);
      told = new Set();
      this.toldWarnings.set(key, told);
    }
    const unseen = warnings.filter((warning) => !told.has(warning));
    for (const warning of unseen) told.add(warning);
    // Warnings that carry counts change from run to run: the oldest told are forgotten first.
    for (const old of told) {
      if (told.size <= MAX_TOLD_WARNINGS) break;
      told.delete(old);
    }
    return unseen;
  }

  readonly env: ConfigEnv;
  readonly cwd: string;
  readonly secrets: SecretSet;
  readonly logger: Logger;
  private configCache: Promise<ConfigState> | undefined;
  private primed: Promise<void> | undefined;
  private configSignature: string | undefined;
  private apiCache: { key: string; client: PostmanApiClient } | undefined;
  private readonly apiSettings: PowerClientDeps['api'];
  /** The last runs, for polling, cancelling and postman://runs/{id}. */
  readonly runs = new RunRegistry();
  private workers: ProcessRunner | undefined;
  private readonly ownsWorkers: boolean;
  /** Bounds the run processes executing at once (lanes included); the rest wait as `queued`. */
  readonly queue: RunQueue;

  constructor(deps: PowerClientDeps = {}) {
    this.env = deps.env ?? (process.env as ConfigEnv);
    this.cwd = deps.cwd ?? process.cwd();
    this.secrets = deps.secrets ?? new SecretSet();
    this.logger = deps.logger ?? silentLogger;
    this.apiSettings = deps.api;
    this.workers = deps.workers;
    this.ownsWorkers = !deps.workers;
    this.queue = new RunQueue(deps.runSlots);
    // The env key is a secret even before any config is read.
    this.secrets.add(this.env.POSTMAN_API_KEY);
  }

  /** The current config (cached until `invalidateConfig`); never throws, carries its error instead. */
  /**
   * The current config, cached while the file is unchanged (its path, size and mtime are checked on
   * each call, so an edit is seen even where file watching does not work); never throws, carries
   * its error instead.
   */
  async configState(): Promise<ConfigState> {
    const signature = await configSignature(this.env, this.cwd);
    if (this.configCache && signature !== this.configSignature) this.invalidateConfig();
    this.configSignature = signature;
    this.configCache ??= readConfigState({ env: this.env, cwd: this.cwd }).then((state) => {
      this.secrets.add(state.config.apiKey, ...state.secrets);
      return state;
    });
    return this.configCache;
  }

  invalidateConfig(): void {
    this.configCache = undefined;
    this.primed = undefined;
  }

  /** The config, or its error when the file is broken (a missing file is not an error here). */
  async usableConfig(): Promise<PostmanConfig> {
    const state = await this.configState();
    // No file is fine (local discovery works without one) unless POSTMAN_POWER_CONFIG named it.
    const explicitlyNamed = Boolean(this.env.POSTMAN_POWER_CONFIG?.trim());
    if (state.error && (state.error.code !== 'config_not_found' || explicitlyNamed)) throw state.error;
    return state.config;
  }

  /**
   * Plan task 4, and the one health rule every caller shares (the tool, `postman-power check`,
   * activate_power and the pre-run gate): with a configured health path, that path must answer its
   * expected status; without one, any HTTP answer from the base URL means "up" (a 404 at the root of
   * an API under /api included), and the result says that is all it proves. An unhealthy backend is
   * a result, not an error.
   */
  async checkBackendHealth(args: HealthArgs = {}, overrides: Partial<HealthOptions> = {}): Promise<HealthResult> {
    const explicit = args.urls && args.urls.length > 0;
    const config = explicit ? (await this.configState()).config : await this.usableConfig();
    const targets = explicit ? args.urls! : config.health.paths.length ? config.health.paths : config.baseUrl ? [config.baseUrl] : [];
    const anyAnswer = !explicit && config.health.paths.length === 0 && args.expectStatus === undefined;
    const result = await checkBackendHealth({
      urls: targets.map((target) => resolveTarget(target, config.baseUrl)),
      method: args.method,
      expectStatus: args.expectStatus ?? (anyAnswer ? ANY_ANSWER : config.health.expectStatus),
      expectBody: args.expectBody,
      timeoutMs: args.timeoutMs ?? config.health.timeoutMs,
      attempts: args.attempts ?? config.health.attempts,
      deadlineMs: args.deadlineMs,
      waitUntilHealthy: args.waitUntilHealthy,
      signal: args.signal,
      urlSource: explicit && !args.urls!.every((url) => url.startsWith('/')) ? 'argument' : 'config',
      ...overrides,
    });
    if (anyAnswer && targets.length) {
      result.note = `No health path is configured, so any HTTP answer from ${config.baseUrl} counts as up: that proves something is listening, not that it works. Set "health": {"path": "/health"} in .postman.json for a real check.`;
    }
    return result;
  }

  /** A Postman API client for the current config; an error with a hint when there is no usable key. */
  apiFor(config: PostmanConfig): PostmanApiClient {
    if (!config.apiKey) {
      const literal = UNEXPANDED_KEY.test(this.env.POSTMAN_API_KEY?.trim() ?? '');
      throw new PowerError(literal ? 'config_unexpanded_variable' : 'api_key_missing', literal
        ? `POSTMAN_API_KEY is the literal ${this.env.POSTMAN_API_KEY}: your MCP client did not expand it`
        : 'This needs the Postman API, and no API key is set', {
        hint: 'Create a key in Postman (Settings → API keys), set POSTMAN_API_KEY in the MCP client\'s env block (or export it in the shell that starts the client), and restart. Local collection files need no key.',
      });
    }
    const key = `${config.apiKey}\u0000${config.apiBaseUrl}`;
    if (this.apiCache?.key !== key) this.apiCache = { key, client: new PostmanApiClient({ ...this.apiSettings, apiKey: config.apiKey, baseUrl: config.apiBaseUrl }) };
    return this.apiCache.client;
  }

  async resolver(): Promise<SourceResolver> {
    const config = await this.usableConfig();
    return new SourceResolver({
      config,
      api: () => this.apiFor(config),
      onLoaded: (kind, value) => this.secrets.add(...(kind === 'collection' ? collectionSecrets(value) : secretVariableValues((value as { values?: unknown }).values))),
    });
  }

  /**
   * Registers the secrets of the configured local collection and environment before anything is
   * shown, so masking never depends on which tool was called first. Cloud sources are registered
   * when they are fetched (priming them would make every call wait on the Postman API).
   */
  primeSecrets(): Promise<void> {
    this.primed ??= (async () => {
      const config = (await this.configState()).config;
      const resolver = await this.resolver().catch(() => undefined);
      if (!resolver) return;
      if (config.collection && classifyReference(config.collection) === 'path') await resolver.resolveCollection(config.collection).catch(() => undefined);
      if (config.environment && classifyReference(config.environment) === 'path') await resolver.resolveEnvironment(config.environment).catch(() => undefined);
    })();
    return this.primed;
  }

  /** Plan task 3: the collection's outline (default) or its JSON up to a cap. */
  async getCollection(args: GetCollectionArgs = {}): Promise<CollectionResult> {
    const resolver = await this.resolver();
    const { value: collection, source, warnings } = await resolver.resolveCollection(args.collection);
    // The configured environment's keys are defined variables; an environment that cannot be read
    // only means fewer of them (get_environment says why).
    const environment = await resolver.resolveEnvironment(undefined).catch(() => undefined);
    const outline = outlineCollection(collection, source, args.folder, (environment?.value.values ?? []).map((entry) => entry.key));
    if (warnings?.length) outline.warnings = [...warnings, ...(outline.warnings ?? [])];
    if (args.detail !== 'full') return outline;
    const cap = args.maxChars ?? FULL_COLLECTION_CAP;
    const part: unknown = args.folder ? findFolder(collection, args.folder).item : collection;
    const text = JSON.stringify(part);
    if (text.length <= cap) return { ...outline, collection: part as CollectionJson };
    return {
      ...outline,
      note: `The ${args.folder ? 'folder' : 'collection'} JSON is ${Math.round(text.length / 1024)} KB, over the ${Math.round(cap / 1024)} KB cap: this is the outline. Narrow it with folder (one of: ${outline.folders.map((f) => f.path).slice(0, 15).join(', ') || 'none'}).`,
    };
  }

  /** Plan task 3: the environment with secrets masked. */
  async getEnvironment(args: { environment?: string } = {}): Promise<EnvironmentView> {
    const resolver = await this.resolver();
    const resolved = await resolver.resolveEnvironment(args.environment);
    if (!resolved) {
      const found = await resolver.discover().then((files) => files.environments).catch(() => []);
      throw new PowerError('nothing_configured', `No environment is configured or given${found.length ? `; found: ${found.join(', ')}` : ''}`, {
        hint: found.length
          ? `Pass environment (e.g. "${found[0]}"), or set "environment" in .postman.json. Runs use no environment unless one is named, as newman does.`
          : 'Pass environment (a UID, path or name), or set "environment" in .postman.json.',
        details: { found },
      });
    }
    return viewEnvironment(resolved.value, resolved.source);
  }

  /** Plan task 5: where things stand and what to do next. */
  async activatePower(): Promise<Activation> {
    return activatePower(this);
  }

  /** Plan task 3 (part 2): resolves everything, gates on backend health, then starts the run. */
  async runCollection(args: RunArgs = {}): Promise<RunStart> {
    const config = await this.usableConfig();
    const resolver = await this.resolver();
    const user = args.userNamedFiles;
    const resolved = (user ? await resolver.resolveUserReference('collection', args.collection, this.cwd) : undefined) ?? (await resolver.resolveCollection(args.collection));
    const { source, warnings } = resolved;
    assertRunnable(resolved.value);
    // Every item gets its id once, here (a copy only when some lack one): shards and lanes name items
    // by id, the same ids on every machine for the same collection, and nothing downstream copies again.
    const collection = withItemIds(resolved.value);
    const environment = (user ? await resolver.resolveUserReference('environment', args.environment, this.cwd) : undefined) ?? (await resolver.resolveEnvironment(args.environment));
    const rerun = args.rerun === 'failed' ? await this.rerunFailed(config.root, collection, source, environment?.value.name, args) : undefined;
    if (rerun) args = { ...args, folders: rerun.paths };
    const share = args.shard ? planShard(collection, args.folders, args.shard.index, args.shard.count) : undefined;
    if (share) args = { ...args, folders: share.refs };
    // Selected once, after a rerun or a shard has said what runs: the folders asked for exist (else a
    // "did you mean") and their requests are counted. A shard with nothing to run selects nothing (no
    // folders would mean all of them).
    const selection = share && !share.refs.length ? { ids: [], requests: 0 } : selectItems(collection, args.folders);
    const withoutEnvironment = environment ? [] : await resolver.discoveredEnvironmentNames().catch(() => []);
    const globals = args.globals ? ((user ? await resolver.resolveUserReference('environment', args.globals, this.cwd) : undefined) ?? (await resolver.resolveEnvironment(args.globals))) : undefined;
    const data = args.data ? await this.loadData(config.root, args.data, Boolean(args.userNamedFiles)) : undefined;
    const globalsJson = args.globalVars && Object.keys(args.globalVars).length ? withValues(globals?.value ?? { name: 'globals', values: [] }, args.globalVars) : globals?.value;
    const cookieJar = args.cookieJar ? await readNamedJsonFile(path.resolve(this.cwd, args.cookieJar), 'invalid_argument') : undefined;
    // Options resolved once (the caller's, else .postman.json's, else the defaults); the runner adds none.
    const options = resolveRunOptions(args, config.run);
    const input: RunInput = {
      collection,
      source,
      environment: environment?.value,
      globals: globalsJson,
      // The configured backend is the one under test: its URL wins over the collection's own.
      baseUrl: args.baseUrl ?? config.baseUrl,
      baseUrlVariable: config.baseUrlVariable,
      envVars: args.envVars,
      folders: args.folders,
      selection,
      iterations: args.iterations,
      data,
      bail: options.bail,
      requestTimeoutMs: options.requestTimeoutMs,
      scriptTimeoutMs: options.scriptTimeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      runTimeoutMs: options.runTimeoutMs,
      insecureTls: options.insecureTls,
      root: args.workingDir ? path.resolve(this.cwd, args.workingDir) : args.userNamedFiles ? this.cwd : config.root,
      followRedirects: options.followRedirects,
      delayRequestMs: options.delayRequestMs,
      cookieJar,
      certificates: args.certificates,
      extraCaCerts: args.extraCaCerts,
      // Files a person named on the command line are read wherever they are.
      trustedFiles: [
        ...(args.certificates ?? []).flatMap((c) => [c.key?.src, c.cert?.src, c.pfx?.src]).filter((f): f is string => Boolean(f)),
        ...(args.extraCaCerts ? [args.extraCaCerts] : []),
      ].map((file) => path.resolve(this.cwd, file)),
      exportState: args.exportState,
      ...(args.onRequest ? { live: true, onRequest: args.onRequest } : {}),
      exchanges: args.exchanges || args.reporters?.includes('html'),
      warnings: [
        ...(warnings ?? []),
        ...(withoutEnvironment.length ? [`Ran without an environment; found: ${withoutEnvironment.join(', ')}. Pass environment (or set it in .postman.json) to use one.`] : []),
        ...baseUrlWarnings(collection, args.baseUrl ?? config.baseUrl, config.baseUrlVariable),
        ...(rerun ? [rerun.note] : []),
        ...(share && args.shard ? [shardNote(args.shard, share)] : []),
      ],
      // Values a script assigns to secret-typed variables (a login flow's token) are masked from then on.
      onSecrets: (values) => this.secrets.add(...values),
      afterFinish: async (summary, records) => {
        if (args.history !== false) {
          const since = await recordHistory(config.root, summary, records, { folders: args.folders, iterations: args.iterations }, this.secrets).catch((error: unknown) => {
            addWarning(summary, 'history_not_compared', `The run was not compared with the last one: ${(error as Error).message}`);
            return undefined;
          });
          if (since) summary.sinceLast = since;
        }
        if (args.reporters?.length) summary.reports = await writeReports(config.root, summary, records, { reporters: args.reporters, exports: args.reportExports, shard: args.shard }, this.secrets);
      },
    };
    if (share && !share.refs.length) {
      // A shard with nothing to run still reports (merge-reports counts every shard); no history.
      // No folders selected would mean all of them: this shard planned nothing.
      const summary = newRecorder(input, newRunId()).finish();
      summary.progress = { done: 0, total: 0 };
      if (args.reporters?.length) summary.reports = await writeReports(config.root, summary, [], { reporters: args.reporters, exports: args.reportExports, shard: args.shard }, this.secrets);
      return { summary };
    }
    const targetsConfigured = Boolean(config.baseUrl) && (!args.baseUrl || args.baseUrl.replace(/\/+$/, '') === config.baseUrl);
    if (args.checkHealth === true || (args.checkHealth !== false && targetsConfigured)) {
      // The same rule as check_backend_health; a base URL given for this run alone is asked for any answer.
      const health = await this.checkBackendHealth(args.baseUrl && !targetsConfigured ? { urls: [args.baseUrl], expectStatus: ANY_ANSWER } : {}, GATE_HEALTH);
      if (health.status === 'unhealthy') return { summary: unhealthySummary(input, health) };
    }
    const { parallel } = options;
    const runId = newRunId();
    // A single-lane run takes one slot; only lanes need planning (a walk of the top level, no copy).
    const lanes = parallel > 1 ? planLanes(input, parallel).length : 1;
    const handle = this.queue.enqueue({ ...input, runId }, lanes, () => this.startRunner({ ...input, runId }, parallel));
    this.runs.add(handle);
    return { handle };
  }

  /** Iteration data: from the workspace; on the CLI also a URL or a file anywhere. */
  private async loadData(root: string, ref: string, userNamed: boolean): Promise<Array<Record<string, unknown>>> {
    if (userNamed && /^https?:\/\//i.test(ref)) return parseDataText(await fetchText(ref), ref);
    if (userNamed) {
      const absolute = path.resolve(this.cwd, ref);
      return loadDataFile(path.dirname(absolute), absolute);
    }
    return loadDataFile(root, ref);
  }

  /**
   * In a run process of its own (run-process.ts), its scripts in a context of their own: there is no
   * other way to run, so a script can never reach this process or end it.
   */
  private startRunner(input: RunInput, parallel: number): RunHandle {
    return this.runProcesses().start(input, parallel);
  }

  private runProcesses(): ProcessRunner {
    const script = runProcessScript();
    if (!script) throw new PowerError('internal_error', 'The run process is not built (dist/core/engine/run-process.js is missing)', { hint: 'Run `npm run build` (or reinstall postman-power).' });
    this.workers ??= new ProcessRunner(script);
    return this.workers;
  }

  /** Starts a run process now (it loads the engine and boots a context), so a run about to come does not wait for it. */
  prewarmRuns(): void {
    this.runProcesses().prewarm();
  }

  /** The selection `rerun: "failed"` runs, from the last run of the whole collection with this environment. */
  private async rerunFailed(root: string, collection: CollectionJson, source: SourceInfo, environment: string | undefined, args: RunArgs): Promise<{ paths: string[]; note: string }> {
    const of = { collection: { name: collection.info.name, source }, environment };
    const last = await lastRun(root, of, { iterations: args.iterations });
    const which = `"${collection.info.name}"${environment ? ` with environment "${environment}"` : ''}`;
    if (!last) throw new PowerError('nothing_to_rerun', `No earlier run of ${which} to take its failures from`, { hint: 'Run the whole collection once (without rerun); then rerun: "failed" runs what failed in it.' });
    const requests = itemPaths(collection.item).filter((entry) => !Array.isArray(entry.item.item)).map((entry) => entry.path);
    const { paths, failed } = rerunSelection(requests, last);
    if (!failed.length) throw new PowerError('nothing_to_rerun', `Nothing failed in the last run of ${which} (${last.runId}, ${last.endedAt})`, { hint: 'Run the whole collection instead (without rerun).' });
    const before = paths.length - failed.length;
    return { paths, note: `Reran what failed in run ${last.runId} (${last.endedAt}): ${failed.join(', ')}${before ? `, with the ${before} request${before === 1 ? '' : 's'} before them in their folders` : ''}.` };
  }

  /** Ends whatever the client still holds (runs, sockets). */
  async close(): Promise<void> {
    this.runs.cancelAll();
    if (this.ownsWorkers) await this.workers?.close();
    this.configCache = undefined;
  }
}

/** Whether some string of a JSON value (a key or a value, at any depth) contains `text`: a walk, where a stringify would copy the whole collection. */
function mentions(value: unknown, text: string): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const next = stack.pop();
    if (typeof next === 'string') {
      if (next.includes(text)) return true;
    } else if (Array.isArray(next)) {
      for (const entry of next) stack.push(entry);
    } else if (next && typeof next === 'object') {
      for (const [key, entry] of Object.entries(next)) {
        if (key.includes(text)) return true;
        stack.push(entry);
      }
    }
  }
  return false;
}

/** A base URL that no request uses would silently do nothing: say so, and name what the collection uses. */
function baseUrlWarnings(collection: CollectionJson, baseUrl: string | undefined, variable: string): string[] {
  if (!baseUrl || mentions(collection, `{{${variable}}}`)) return [];
  const used = hostVariables(collection).filter((name) => name !== variable);
  return [
    `The base URL ${baseUrl} was not applied: no request uses {{${variable}}}.${used.length ? ` The collection's hosts come from ${used.map((name) => `{{${name}}}`).join(', ')}: set "baseUrlVariable": "${used[0]}" in .postman.json, or pass env_vars {"${used[0]}": "${baseUrl}"}.` : ''}`,
  ];
}

/** Where the config file is and its size and mtime: a change means the cached config is stale. */
async function configSignature(env: ConfigEnv, cwd: string): Promise<string> {
  const file = await findConfig(env, cwd).catch(() => undefined);
  if (!file) return 'none';
  const stat = await fs.stat(file).catch(() => undefined);
  return `${file}\u0000${stat?.size ?? -1}\u0000${stat?.mtimeMs ?? -1}`;
}

/** A copy of an environment/globals with values set (added when missing), as --global-var does. */
function withValues(json: EnvironmentJson, values: Record<string, string>): EnvironmentJson {
  const out = { ...json, values: json.values.map((entry) => ({ ...entry })) };
  for (const [key, value] of Object.entries(values)) {
    const existing = out.values.find((entry) => entry.key === key);
    if (existing) Object.assign(existing, { value, enabled: true });
    else out.values.push({ key, value, enabled: true });
  }
  return out;
}
