// run_collection: run the collection with Postman's runtime and get results shaped for an agent.
// Never blocks past wait_ms: a longer run returns `running` with its id, to poll or cancel.
import { z } from 'zod';
import { PowerError } from '../core/errors.js';
import { presentRun } from '../core/results/format.js';
import type { SecretSet } from '../core/redact.js';
import { REPORTERS } from '../core/reports/reports.js';
import type { RunHandle } from '../core/runs/run-lifecycle.js';
import { compactRunSummary, MAX_REQUEST_RECORDS_SHOWN, RunSummaryShape, type RunSummary } from '../core/results/summary.js';
import type { ToolContext } from './context.js';
import { defineTool, successResult, type ToolExtra } from './define-tool.js';

export const DEFAULT_WAIT_MS = 40_000;

function withDetail(summary: RunSummary, handle: RunHandle | undefined, detail: 'summary' | 'full' | undefined): RunSummary {
  if (detail !== 'full' || !handle) return summary;
  // The summary's failures say what failed; each record's own list (uncapped) and exchange are for reports.
  const records = handle.records().map(({ failures: _failures, exchange: _exchange, ...record }) => record);
  if (records.length <= MAX_REQUEST_RECORDS_SHOWN) return { ...summary, requests: records };
  return { ...summary, requests: records.slice(0, MAX_REQUEST_RECORDS_SHOWN), requestsOmitted: records.length - MAX_REQUEST_RECORDS_SHOWN };
}

/**
 * A run as a tool answers it: the presenter's text and compact JSON for the model (causes, warnings
 * not yet told for this collection), the whole summary as structuredContent.
 */
function answer(summary: RunSummary, context: ToolContext) {
  const { text, compact } = presentRun(summary, { unseenWarnings: (warnings) => context.client.unseenWarnings(summary, warnings) });
  return { summary: text, structured: compactRunSummary(summary) as RunSummary, compact };
}

/** A run this server still keeps, or run_not_found naming those it does. */
export function findRun(context: ToolContext, runId: string): RunHandle {
  const handle = context.client.runs.get(runId);
  if (handle) return handle;
  const known = context.client.runs.ids();
  throw new PowerError('run_not_found', `No run "${runId}" (the last ${known.length} are kept)`, {
    hint: known.length ? `Known runs: ${known.join(', ')}` : 'Start a run with run_collection.',
  });
}

/** Waits up to waitMs for a run (progress streamed when the client asked), then answers with its summary. */
export async function awaitRun(handle: RunHandle, waitMs: number, detail: 'summary' | 'full' | undefined, context: ToolContext, extra: ToolExtra) {
  const stop = streamProgress(handle, extra, context.secrets);
  try {
    return answer(withDetail(await context.client.runs.wait(handle, waitMs, extra.signal), handle, detail), context);
  } finally {
    stop();
  }
}

function streamProgress(handle: RunHandle, extra: ToolExtra, secrets: SecretSet): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => undefined;
  return handle.onProgress((summary) => {
    void extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: summary.progress.done, total: summary.progress.total, ...(summary.progress.current ? { message: secrets.redactText(summary.progress.current) } : {}) },
      })
      .catch(() => undefined);
  });
}

const inputSchema = {
  collection: z.string().optional().describe('UID, id, path or name'),
  environment: z.string().optional().describe('UID, id, path or name'),
  globals: z.string().optional().describe('Globals file path'),
  base_url: z.string().optional().describe('Overrides the baseUrl variable'),
  env_vars: z.record(z.string(), z.string()).optional().describe('Environment values to set'),
  folders: z.array(z.string()).optional().describe('Only these folders/requests'),
  rerun: z.enum(['failed']).optional().describe('What failed last run'),
  iterations: z.number().int().min(1).max(1000).optional().describe('Default 1, or one per data row'),
  data: z.string().optional().describe('JSON or CSV iteration data file'),
  bail: z.union([z.boolean(), z.enum(['failure', 'error'])]).optional().describe('Stop at the first failure/error'),
  request_timeout_ms: z.number().int().min(1).max(600_000).optional().describe('Default none'),
  script_timeout_ms: z.number().int().min(1).max(600_000).optional().describe('Default none'),
  run_timeout_ms: z.number().int().min(1).max(3_600_000).optional().describe('Default 600000'),
  insecure_tls: z.boolean().optional().describe('Accept self-signed certificates'),
  check_health: z.boolean().optional().describe('Health check first; default: configured backend'),
  parallel: z.number().int().min(1).max(16).optional().describe('Lanes of top-level folders (or iterations)'),
  detail: z.enum(['summary', 'full']).optional().describe('"full" adds every request'),
  reporters: z.array(z.enum(REPORTERS)).optional().describe('Under .postman-power/reports/'),
  wait_ms: z.number().int().min(0).max(600_000).optional().describe(`Then "running"; default ${DEFAULT_WAIT_MS}`),
  run_id: z.string().optional().describe('The run to cancel'),
  cancel: z.boolean().optional().describe('Stop run_id now'),
};

type RunArguments = z.infer<z.ZodObject<typeof inputSchema>>;

/** Starts the run the arguments describe: its handle, or the summary of a run that ended before it began. */
function startRun(args: RunArguments, context: ToolContext) {
  return context.client.runCollection({
    collection: args.collection,
    environment: args.environment,
    globals: args.globals,
    baseUrl: args.base_url,
    envVars: args.env_vars,
    folders: args.folders,
    iterations: args.iterations,
    data: args.data,
    bail: args.bail,
    requestTimeoutMs: args.request_timeout_ms,
    scriptTimeoutMs: args.script_timeout_ms,
    runTimeoutMs: args.run_timeout_ms,
    insecureTls: args.insecure_tls,
    checkHealth: args.check_health,
    reporters: args.reporters,
    parallel: args.parallel,
    rerun: args.rerun,
  });
}

export const runCollectionTool = defineTool({
  name: 'run_collection',
  title: 'Run collection',
  description:
    'Run the collection with Postman\'s runtime (pm.* as in newman): counts, failures by cause (expected/actual, response excerpt), changes since last run. Past wait_ms: "running" + run_id for get_run.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  inputSchema,
  outputSchema: RunSummaryShape,
  async handler(args, context, extra) {
    const waitMs = args.wait_ms ?? DEFAULT_WAIT_MS;
    let handle: RunHandle | undefined;
    let summary: RunSummary;
    if (args.run_id) {
      handle = findRun(context, args.run_id);
      if (!args.cancel) return awaitRun(handle, waitMs, args.detail, context, extra);
      handle.cancel('Cancelled with run_collection {cancel: true}.');
      summary = await handle.promise;
    } else {
      if (args.cancel) throw new PowerError('invalid_argument', 'cancel needs run_id', { hint: 'Pass the run_id returned by the run to cancel.' });
      const started = await startRun(args, context);
      if ('summary' in started) return answer(started.summary, context);
      const running = started.handle;
      // The client's notifications/cancelled aborts this call: end the run with it.
      const onAbort = () => running.cancel('Cancelled by the client (notifications/cancelled).');
      // A cancel that arrived while the run was being prepared is honoured now.
      if (extra.signal.aborted) onAbort();
      extra.signal.addEventListener('abort', onAbort, { once: true });
      try {
        return await awaitRun(running, waitMs, args.detail, context, extra);
      } finally {
        extra.signal.removeEventListener('abort', onAbort);
      }
    }
    return answer(withDetail(summary, handle, args.detail), context);
  },
  // As an MCP task: the run starts, tasks/get reads its progress, tasks/result gives this same answer.
  async startTask(args, context, extra) {
    if (args.run_id || args.cancel) {
      throw new PowerError('invalid_argument', 'A task starts a new run: run_id and cancel are not task arguments', {
        hint: 'Follow a task with tasks/get, tasks/result and tasks/cancel; or call run_collection without "task" to read or cancel a run by id.',
      });
    }
    const started = await startRun(args, context);
    if ('summary' in started) return { outcome: answer(started.summary, context) };
    const { handle } = started;
    const stopProgress = streamProgress(handle, extra, context.secrets);
    const result = handle.promise.then(async (summary) => {
      stopProgress();
      await context.client.primeSecrets().catch(() => undefined);
      return successResult(answer(withDetail(summary, handle, args.detail), context), context);
    });
    return {
      work: {
        progress: () => context.secrets.redactText(progressLine(handle.snapshot())),
        result,
        cancel: (reason) => handle.cancel(reason),
        kept: () => context.client.runs.get(handle.id) !== undefined,
      },
    };
  },
});

/** A running run in one line, for a task's statusMessage. */
function progressLine(summary: RunSummary): string {
  if (summary.status === 'queued') return `Run ${summary.runId} queued: waiting for a free run slot.`;
  const { done, total, current } = summary.progress;
  const failed = summary.stats.assertions.failed;
  return `Run ${summary.runId}: ${done}/${total} requests done${failed ? `, ${failed} assertion${failed === 1 ? '' : 's'} failed` : ''}${current ? `; now: ${current}` : ''}.`;
}
