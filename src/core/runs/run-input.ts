// A run as the runner receives it (RunInput: the collection, its sources and options resolved once)
// and the recorder every kind of run starts from. Its own module: the queue, lanes, run processes,
// heap limits and the client use these without importing the engine.
import type { CollectionJson, EnvironmentJson } from '../collection/json.js';
import { iterationCount } from '../collection/items.js';
import { selectItems, type Selection } from '../collection/selection.js';
import type { HealthResult } from '../health.js';
import { newRunId, RunRecorder, type ItemUnderWay, type RequestEvent, type RunSummary } from '../results/summary.js';
import type { SourceInfo } from '../sources/outline.js';
import type { ResolvedRunOptions } from './options.js';
import type { AfterFinish } from './run-lifecycle.js';

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

/** The summary of a run that did not start because its backend is down. */
export function unhealthySummary(input: RunInput, health: HealthResult): RunSummary {
  const summary = newRecorder(input, input.runId ?? newRunId()).finish('backend_unhealthy', health.summary);
  summary.health = health;
  return summary;
}
