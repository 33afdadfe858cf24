// RunSummary: what a run gives back, shaped for an agent — counts first, then each failure with its
// assertion, expected/actual and a short response excerpt. RunRecorder accumulates it from the
// runtime's events through a table of handlers (as newman's summary does), keeping one compact record
// per request and never every response body.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { HealthResultSchema } from '../health.js';
import { scriptValueText } from '../json-text.js';
import { MASK } from '../redact.js';
import { SourceInfoSchema } from '../sources/outline.js';
import type { FileRefusedError } from '../files/workspace-files.js';
import { CauseSchema, groupFailures, MAX_CAUSES_KEPT } from './causes.js';
import { compactSinceLast, SinceLastSchema } from './since-last.js';
import { FailureSchema, ResponseExcerptSchema, UNNAMED, type Failure } from './failure.js';
import { OUT_OF_MEMORY, WARNING_CODES, type WarningCode } from './warning-codes.js';

export { FailureSchema, UNNAMED, type Failure } from './failure.js';

export const MAX_FAILURES = 20;
export const MAX_EXCERPT_BYTES = 2048;
export const MAX_CONSOLE_LINES = 50;
export const MAX_CONSOLE_LINE = 500;
/** Request records a result shows with detail "full"; reports hold them all. */
export const MAX_REQUEST_RECORDS_SHOWN = 500;

export const RUN_STATUSES = ['queued', 'running', 'passed', 'failed', 'errored', 'cancelled', 'timed_out', 'backend_unhealthy'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const ProgressSchema = z.object({ done: z.number(), total: z.number(), current: z.string().optional() });


/** A failure as its request's record keeps it: the request's fields are the record's own. */
const RecordFailureSchema = FailureSchema.omit({ iteration: true, folder: true, request: true, method: true, url: true, requestIndex: true });
export type RecordFailure = z.infer<typeof RecordFailureSchema>;

const HeadersSchema = z.array(z.tuple([z.string(), z.string()]));
/** Headers and bodies as sent and received; bodies cut at MAX_EXCERPT_BYTES. */
const ExchangeSchema = z.object({
  request: z.object({ headers: HeadersSchema, body: z.string().optional() }).optional(),
  response: z.object({ headers: HeadersSchema, body: z.string().optional() }).optional(),
  assertions: z.array(z.object({ name: z.string(), outcome: z.enum(['passed', 'failed', 'skipped']) })),
  console: z.array(z.object({ level: z.string(), message: z.string() })),
  consoleOmitted: z.number().optional(),
  scripts: z.object({ prerequest: z.number(), test: z.number() }).optional().describe('Scripts run for it (collection, folder and its own)'),
});
export type Exchange = z.infer<typeof ExchangeSchema>;

export const RequestRecordSchema = z.object({
  iteration: z.number(),
  folder: z.string(),
  name: z.string().default(UNNAMED),
  method: z.string(),
  url: z.string(),
  code: z.number().optional(),
  timeMs: z.number().optional(),
  sizeBytes: z.number().optional(),
  assertions: z.object({ passed: z.number(), failed: z.number(), skipped: z.number() }),
  error: z.string().optional(),
  skipped: z.boolean().optional(),
  deprecated: z.array(z.string()).optional().describe('Deprecated sandbox APIs its scripts used, as "api → replacement"'),
  failures: z.array(RecordFailureSchema).optional().describe('All of its failures, uncapped (reports show them; answers show the summary\'s)'),
  exchange: ExchangeSchema.optional().describe('What was sent and received, when the run kept it (the verbose CLI, the HTML report)'),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;
/** Where a request that is under way stands in its run. */
export type ItemUnderWay = Pick<RequestRecord, 'iteration' | 'folder' | 'name' | 'method' | 'url'>;

const RunSummaryObject = z.object({
  runId: z.string(),
  status: z.enum(RUN_STATUSES),
  collection: z.object({ name: z.string(), source: SourceInfoSchema }),
  environment: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number(),
  // Left out of an ended run's answer when every planned request ran (parsing restores it from stats).
  progress: ProgressSchema.optional(),
  // Zero counts (and one iteration) are left out of answers; parsing restores them.
  stats: z.object({
    iterations: z.number().default(1),
    requests: z.object({ total: z.number().default(0), failed: z.number().default(0) }),
    assertions: z.object({ total: z.number().default(0), failed: z.number().default(0), skipped: z.number().default(0) }),
    scriptErrors: z.number().default(0),
  }),
  // Empty lists and zero counts are left out of tool answers (compactRunSummary); parsing restores them.
  failures: z.array(FailureSchema).default([]).describe(`At most ${MAX_FAILURES}, each with its request's fields; failuresOmitted counts the rest (causes groups them all)`),
  failuresOmitted: z.number().default(0),
  causes: z.array(CauseSchema).default([]).describe(`The failures grouped by cause, the largest first (every failure counted once); at most ${MAX_CAUSES_KEPT}`),
  causesOmitted: z.number().default(0),
  console: z.array(z.object({ level: z.string(), message: z.string(), count: z.number().optional().describe('Times this same line was printed') })).default([]).describe('Script console output, capped; repeated lines once with a count'),
  consoleOmitted: z.number().default(0),
  warnings: z.array(z.string()).default([]),
  warningCodes: z.record(z.string(), z.string()).default({}).describe('Warnings that have a code (out_of_memory, reports_not_written…), by code'),
  hint: z.string().optional().describe('What to do next'),
  health: HealthResultSchema.optional().describe('The health check that stopped a run (backend_unhealthy)'),
  requests: z.array(RequestRecordSchema).optional().describe(`Every request, with detail "full" (at most ${MAX_REQUEST_RECORDS_SHOWN})`),
  requestsOmitted: z.number().optional().describe('Requests left out of requests (the JSON report has all)'),
  reports: z.object({ junit: z.string().optional(), json: z.string().optional(), html: z.string().optional() }).optional(),
  sinceLast: SinceLastSchema.optional().describe('What changed since the previous run of the same collection, environment and selection'),
});
/** The summary's fields, for a tool's outputSchema. */
export const RunSummaryShape = RunSummaryObject.shape;
export const RunSummarySchema = RunSummaryObject.transform(({ progress, ...summary }) => ({
  ...summary,
  progress: progress ?? { done: summary.stats.requests.total, total: summary.stats.requests.total },
}));
export type RunSummary = z.output<typeof RunSummarySchema>;

/** A run's id: short (it is read and typed by agents), random enough for the runs one server keeps. */
export const newRunId = (): string => randomBytes(6).toString('hex');

// ---------- the accumulator ----------

/** The minimal view of postman-collection objects the recorder reads. */
interface SdkItem {
  id?: string;
  name?: string;
  parent?: () => SdkItem | undefined;
  request?: { method?: string; url?: { toString(): string }; headers?: SdkHeaders; body?: { toString?(): string } };
}
interface SdkHeaders {
  get?(name: string): string | undefined;
  all?: () => Array<{ key?: string; value?: unknown; disabled?: boolean }>;
}
interface SdkResponse {
  code?: number;
  status?: string;
  responseTime?: number;
  stream?: Buffer | Uint8Array;
  size?: () => { total?: number; body?: number };
  headers?: SdkHeaders;
  text?: () => string;
}
interface Cursor {
  iteration?: number;
  ref?: string;
}
interface AssertionEvent {
  name: string;
  skipped?: boolean;
  passed?: boolean;
  error?: { name?: string; message?: string; expected?: unknown; actual?: unknown } | null;
}

function folderOf(item: SdkItem): string {
  const names: string[] = [];
  let node = typeof item.parent === 'function' ? item.parent() : undefined;
  // The collection itself is the last parent: it has no parent of its own.
  while (node && typeof node.parent === 'function' && node.parent()) {
    names.unshift(node.name ?? '');
    node = node.parent();
  }
  return names.join('/');
}

function excerpt(response: SdkResponse): ResponseExcerpt {
  const bytes = response.stream ? Buffer.from(response.stream.buffer, response.stream.byteOffset, Math.min(response.stream.byteLength, MAX_EXCERPT_BYTES)) : undefined;
  const text = bytes ? bytes.toString('utf8') : (response.text?.() ?? '').slice(0, MAX_EXCERPT_BYTES);
  const total = response.stream?.byteLength ?? text.length;
  // Binary bodies would only waste an agent's context: describe them instead.
  const printable = !/[\u0000-\u0008\u000e-\u001f]/.test(text);
  const body = printable ? text + (total > MAX_EXCERPT_BYTES ? `… (${total} bytes in all)` : '') : `(binary body, ${total} bytes)`;
  const contentType = response.headers?.get?.('content-type');
  return {
    code: response.code ?? 0,
    status: response.status ?? '',
    ...(response.responseTime !== undefined ? { timeMs: response.responseTime } : {}),
    ...(contentType ? { contentType } : {}),
    ...(body ? { bodyExcerpt: body } : {}),
  };
}

type ResponseExcerpt = z.infer<typeof ResponseExcerptSchema>;

/** A request body for the verbose reporter, cut at MAX_EXCERPT_BYTES characters. */
const bodyOf = (body: string | undefined): { body?: string } =>
  body ? { body: body.length > MAX_EXCERPT_BYTES ? `${body.slice(0, MAX_EXCERPT_BYTES)}… (${body.length} characters in all)` : body } : {};

/** Headers that carry credentials whatever their variables' types: their values are never kept. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token', 'x-access-token']);

function headerPairs(headers: SdkHeaders | undefined): Array<[string, string]> {
  return (headers?.all?.() ?? [])
    .filter((header) => !header.disabled && header.key)
    .map((header) => [header.key!, CREDENTIAL_HEADERS.has(header.key!.toLowerCase()) ? MASK : String(header.value ?? '')]);
}

const clip = (text: string) => (text.length > 500 ? `${text.slice(0, 500)}…` : text);

function describeValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // A value JSON cannot hold (a cycle, a BigInt) is shown as its text.
    return clip(scriptValueText(value) ?? '');
  }
  return text !== undefined && text.length > 500 ? clip(text) : value;
}

function formatConsole(args: unknown[]): string {
  const text = args.map((arg) => (typeof arg === 'string' ? arg : scriptValueText(arg))).join(' ');
  return text.length > MAX_CONSOLE_LINE ? `${text.slice(0, MAX_CONSOLE_LINE)}…` : text;
}

/** Requests whose headers and bodies a run keeps for its HTML report, failed ones aside (memory is bounded). */
export const MAX_KEPT_EXCHANGES = 2000;

/** How many console lines one request shows live (the summary keeps the run's, counted). */
export const MAX_LIVE_CONSOLE = 10;

/** One request as it ends, for a live reporter (the CLI); built only when someone listens. */
export interface RequestEvent {
  /** Its position in the run (as in the records). */
  index: number;
  record: RequestRecord;
  /** The response's status text ("OK"). */
  status?: string;
  assertions: Array<{ name: string; outcome: 'passed' | 'failed' | 'skipped' }>;
  console: Array<{ level: string; message: string }>;
  consoleOmitted: number;
  /** Scripts run for it: collection, folder and its own. */
  scripts: { prerequest: number; test: number };
  /** Of those, the ones that threw. */
  scriptErrors: { prerequest: number; test: number };
}

export type ForcedStatus = 'cancelled' | 'timed_out' | 'errored' | 'backend_unhealthy';

export interface RecorderInit {
  runId: string;
  collection: RunSummary['collection'];
  environment?: string;
  total: number;
  iterations: number;
  warnings: string[];
  /** Codes of those of `warnings` code reads back. */
  warningCodes?: Partial<Record<WarningCode, string>>;
  /** Hears each request as it ends, with what it printed. */
  onRequest?: (event: RequestEvent) => void;
  /** Keep each request's headers and bodies on its record (`exchange`). */
  exchanges?: boolean;
}

/** Accumulates a RunSummary from the runtime's callbacks. */
export class RunRecorder {
  readonly summary: RunSummary;
  /** The response-size limit, named in the failure of a request that exceeds it. */
  maxResponseBytes: number | undefined;
  readonly records: RequestRecord[] = [];
  private readonly allFailures: Failure[] = [];
  private readonly started = Date.now();
  private current: { record: RequestRecord; response?: SdkResponse; failed: boolean; failureStart: number; refusal?: string; writtenUrl: string; live?: Omit<RequestEvent, 'index' | 'record'>; sent?: Exchange['request']; received?: Exchange['response'] } | undefined;
  private readonly onRequest: RecorderInit['onRequest'];
  private readonly exchanges: boolean;
  private exchangesKept = 0;
  private runError: string | undefined;
  /** Variables left unresolved in request URLs, with how many requests used them. */
  private readonly unresolved = new Map<string, number>();

  constructor(init: RecorderInit) {
    this.onRequest = init.onRequest;
    this.exchanges = init.exchanges ?? false;
    this.summary = {
      runId: init.runId,
      status: 'running',
      collection: init.collection,
      ...(init.environment ? { environment: init.environment } : {}),
      startedAt: new Date(this.started).toISOString(),
      durationMs: 0,
      progress: { done: 0, total: init.total },
      stats: { iterations: init.iterations, requests: { total: 0, failed: 0 }, assertions: { total: 0, failed: 0, skipped: 0 }, scriptErrors: 0 },
      failures: [],
      failuresOmitted: 0,
      causes: [],
      causesOmitted: 0,
      console: [],
      consoleOmitted: 0,
      warnings: [...init.warnings],
      warningCodes: { ...init.warningCodes },
    };
  }

  private addFailure(failure: Failure): void {
    this.allFailures.push(failure);
    if (this.current) this.current.failed = true;
    if (this.summary.failures.length < MAX_FAILURES) this.summary.failures.push(failure);
    else this.summary.failuresOmitted += 1;
  }

  private base(cursor: Cursor, item: SdkItem): Pick<Failure, 'iteration' | 'folder' | 'request' | 'method' | 'url' | 'requestIndex'> {
    const record = this.current?.record;
    return {
      iteration: cursor.iteration ?? 0,
      folder: record?.folder ?? folderOf(item),
      request: item.name ?? record?.name ?? UNNAMED,
      ...(record ? { method: record.method, url: record.url } : {}),
      // The current record is pushed when its item ends, at this position.
      ...(record ? { requestIndex: this.records.length } : {}),
    };
  }

  /** A file the request under way wanted to send was refused (the run's file resolver says so). */
  fileRefused(refusal: Pick<FileRefusedError, 'given' | 'reason'>): void {
    if (this.current) this.current.refusal = `A file the request sends was refused: ${refusal.given} ${refusal.reason === 'outside_root' ? 'is outside the workspace root' : 'is not a regular file'}`;
  }

  /** The request under way (started, not yet ended), for a process that may end under it. */
  currentRequest(): ItemUnderWay | undefined {
    const record = this.current?.record;
    return record && { iteration: record.iteration, folder: record.folder, name: record.name, method: record.method, url: record.url };
  }

  /**
   * A request that never ended because its run's process did (out of memory, most often): a script
   * error on it, saying why.
   */
  failUnderWay(at: ItemUnderWay, message: string): void {
    this.summary.stats.scriptErrors += 1;
    this.addFailure({ kind: 'script_error', iteration: at.iteration, folder: at.folder, request: at.name, method: at.method, url: at.url, message });
  }

  /** The runtime callbacks, by event name. */
  readonly handlers = {
    beforeItem: (_err: unknown, cursor: Cursor, item: SdkItem) => {
      const record: RequestRecord = {
        iteration: cursor.iteration ?? 0,
        folder: folderOf(item),
        name: item.name ?? UNNAMED,
        method: item.request?.method ?? 'GET',
        url: item.request?.url?.toString() ?? '',
        assertions: { passed: 0, failed: 0, skipped: 0 },
      };
      this.current = { record, failed: false, failureStart: this.allFailures.length, writtenUrl: record.url, ...(this.onRequest || this.exchanges ? { live: { assertions: [], console: [], consoleOmitted: 0, scripts: { prerequest: 0, test: 0 }, scriptErrors: { prerequest: 0, test: 0 } } } : {}) };
      this.summary.progress.current = record.folder ? `${record.folder}/${record.name}` : record.name;
    },
    request: (err: { code?: string; message?: string } | null, _cursor: Cursor, response: SdkResponse | undefined, request: SdkItem['request'], item: SdkItem) => {
      this.summary.stats.requests.total += 1;
      if (!this.current) this.handlers.beforeItem(null, _cursor, item);
      const current = this.current!;
      if (request?.url) current.record.url = request.url.toString();
      if (request?.method) current.record.method = request.method;
      if (this.exchanges) current.sent = { headers: headerPairs(request?.headers), ...bodyOf(request?.body?.toString?.()) };
      // Named as written in the collection (the URL parser lower-cases a host).
      const written = unresolvedVariables(current.writtenUrl);
      const unresolved = unresolvedVariables(current.record.url).map((name) => written.find((w) => w.toLowerCase() === name.toLowerCase()) ?? name);
      for (const name of unresolved) this.unresolved.set(name, (this.unresolved.get(name) ?? 0) + 1);
      // A file the request needed was refused (outside the workspace): the request cannot be what
      // the collection meant, so it fails, whatever the server answered.
      if (!err && current.refusal) err = { message: current.refusal };
      if (err) {
        this.summary.stats.requests.failed += 1;
        const message =
          err.code === 'ESOCKETTIMEDOUT' || err.code === 'ETIMEDOUT'
            ? `request timed out (${err.code})`
            : err.message === 'Maximum response size reached'
              ? `response_too_large: the response was larger than the ${this.maxResponseBytes ? `${Math.round(this.maxResponseBytes / 1024 / 1024)} MB ` : ''}limit (run.maxResponseBytes in .postman.json) and was not read further`
              : `${err.code ? `${err.code}: ` : ''}${err.message ?? 'request failed'}`;
        const named = unresolved.length ? ` — the URL uses ${unresolved.map((name) => `{{${name}}}`).join(', ')}, which ${unresolved.length === 1 ? 'is' : 'are'} not defined in the environment, globals or collection variables` : '';
        current.record.error = message + named;
        this.addFailure({ kind: 'request_error', ...this.base(_cursor, item), message: message + named });
        return;
      }
      if (response) {
        current.response = response;
        current.record.code = response.code;
        if (response.responseTime !== undefined) current.record.timeMs = response.responseTime;
        const size = response.size?.();
        if (size?.total !== undefined) current.record.sizeBytes = size.total;
        if (current.live) current.live.status = response.status;
        // The body as failures show it: the first MAX_EXCERPT_BYTES, or what kind of body it is.
        const body = this.exchanges ? excerpt(response).bodyExcerpt : undefined;
        if (this.exchanges) current.received = { headers: headerPairs(response.headers), ...(body ? { body } : {}) };
      }
    },
    assertion: (cursor: Cursor, assertions: AssertionEvent[]) => {
      for (const assertion of assertions) {
        this.summary.stats.assertions.total += 1;
        const counts = this.current?.record.assertions;
        this.current?.live?.assertions.push({ name: assertion.name, outcome: assertion.skipped ? 'skipped' : assertion.error ? 'failed' : 'passed' });
        if (assertion.skipped) {
          this.summary.stats.assertions.skipped += 1;
          if (counts) counts.skipped += 1;
          continue;
        }
        if (!assertion.error) {
          if (counts) counts.passed += 1;
          continue;
        }
        this.summary.stats.assertions.failed += 1;
        if (counts) counts.failed += 1;
        const { expected, actual } = assertion.error;
        this.addFailure({
          kind: 'assertion',
          ...this.base(cursor, { name: this.current?.record.name }),
          assertion: assertion.name,
          message: assertion.error.message ?? 'assertion failed',
          ...(expected !== undefined ? { expected: describeValue(expected) } : {}),
          ...(actual !== undefined ? { actual: describeValue(actual) } : {}),
        });
      }
    },
    prerequest: (err: Error | null, cursor: Cursor, results: Array<{ error?: { name?: string; message?: string } }>, item: SdkItem) => {
      if (this.current?.live) this.current.live.scripts.prerequest += results?.length ?? 0;
      this.scriptResults('prerequest', err, cursor, results, item);
    },
    test: (err: Error | null, cursor: Cursor, results: Array<{ error?: { name?: string; message?: string } }>, item: SdkItem) => {
      if (this.current?.live) this.current.live.scripts.test += results?.length ?? 0;
      this.scriptResults('test', err, cursor, results, item);
    },
    item: (_err: unknown, _cursor: Cursor, _item: SdkItem, _visualizer: unknown, result?: { isSkipped?: boolean }) => {
      const current = this.current;
      this.summary.progress.done += 1;
      if (!current) return;
      if (result?.isSkipped) current.record.skipped = true;
      this.records.push(current.record);
      // Attach the response excerpt to this item's failures only: passing responses are dropped.
      if (current.failed && current.response) {
        const shown = excerpt(current.response);
        // Once per request: the first of its failures carries the excerpt, the others share it (same requestIndex).
        const first = this.allFailures.slice(current.failureStart).find((failure) => failure.kind !== 'request_error');
        if (first) first.response = shown;
      }
      if (current.failed) current.record.failures = this.allFailures.slice(current.failureStart).map(recordFailure);
      const { live, sent, received } = current;
      if (live && this.exchanges) {
        current.record.exchange = { ...(sent ? { request: sent } : {}), ...(received ? { response: received } : {}), assertions: live.assertions, console: live.console, ...(live.consoleOmitted ? { consoleOmitted: live.consoleOmitted } : {}), scripts: live.scripts };
      }
      if (live) this.onRequest?.({ index: this.records.length - 1, record: current.record, ...live });
      // Heard live in full; kept (for the HTML report) for the first MAX_KEPT_EXCHANGES and every failed request.
      if (current.record.exchange) {
        if (this.exchangesKept < MAX_KEPT_EXCHANGES || current.failed) this.exchangesKept += 1;
        else delete current.record.exchange;
      }
      this.current = undefined;
    },
    console: (_cursor: Cursor, level: string, ...args: unknown[]) => {
      const message = formatConsole(args);
      // The sandbox warns once per script per legacy API: said once for the run, with the requests (finish).
      const deprecated = DEPRECATION.exec(message);
      if (deprecated) {
        const record = this.current?.record;
        const entry = `${deprecated[1]} → ${deprecated[2] ?? '(no replacement)'}`;
        if (record && !record.deprecated?.includes(entry)) (record.deprecated ??= []).push(entry);
        if (record) return;
      }
      const live = this.current?.live;
      if (live && live.console.length < MAX_LIVE_CONSOLE) live.console.push({ level, message });
      else if (live) live.consoleOmitted += 1;
      // A line printed again (a deprecation warning per request, a log in a loop) is counted, not repeated.
      const same = this.summary.console.find((line) => line.level === level && line.message === message);
      if (same) same.count = (same.count ?? 1) + 1;
      else if (this.summary.console.length < MAX_CONSOLE_LINES) this.summary.console.push({ level, message });
      else this.summary.consoleOmitted += 1;
    },
    exception: () => {
      // Script errors are counted from the prerequest/test results, which carry the same error.
    },
    done: (err: Error | null) => {
      if (err) this.runError = err.message;
    },
  };

  private scriptResults(listen: 'prerequest' | 'test', err: Error | null, cursor: Cursor, results: Array<{ error?: { name?: string; message?: string } }>, item: SdkItem): void {
    const errors = [...(err ? [{ name: err.name, message: err.message }] : []), ...(results ?? []).flatMap((result) => (result?.error ? [result.error] : []))];
    for (const error of errors) {
      this.summary.stats.scriptErrors += 1;
      if (this.current?.live) this.current.live.scriptErrors[listen] += 1;
      this.addFailure({ kind: 'script_error', ...this.base(cursor, item), message: `${listen === 'test' ? 'test' : 'pre-request'} script: ${error.name ?? 'Error'}: ${error.message ?? ''}` });
    }
  }

  /**
   * Sets this summary to the sum of several lanes' summaries (in collection order), for parallel
   * runs. Iterations of lane i are shifted by its offset so they read as one run's.
   */
  absorb(lanes: Array<{ summary: RunSummary; records: RequestRecord[]; iterationOffset: number }>): void {
    const target = this.summary;
    const stats = target.stats;
    stats.requests = { total: 0, failed: 0 };
    stats.assertions = { total: 0, failed: 0, skipped: 0 };
    stats.scriptErrors = 0;
    target.failures = [];
    target.failuresOmitted = 0;
    target.console = [];
    target.consoleOmitted = 0;
    target.progress.done = 0;
    this.records.length = 0;
    this.allFailures.length = 0;
    for (const { summary, records, iterationOffset } of lanes) {
      const indexOffset = this.records.length;
      stats.requests.total += summary.stats.requests.total;
      stats.requests.failed += summary.stats.requests.failed;
      stats.assertions.total += summary.stats.assertions.total;
      stats.assertions.failed += summary.stats.assertions.failed;
      stats.assertions.skipped += summary.stats.assertions.skipped;
      stats.scriptErrors += summary.stats.scriptErrors;
      target.progress.done += summary.progress.done;
      if (summary.progress.current) target.progress.current = summary.progress.current;
      const every = everyFailure(summary, records);
      for (const failure of every.failures) {
        const shifted = { ...failure, iteration: failure.iteration + iterationOffset, ...(failure.requestIndex !== undefined ? { requestIndex: failure.requestIndex + indexOffset } : {}) };
        this.allFailures.push(shifted);
        if (target.failures.length < MAX_FAILURES) target.failures.push(shifted);
        else target.failuresOmitted += 1;
      }
      target.failuresOmitted += every.omitted;
      for (const line of summary.console) {
        const same = target.console.find((kept) => kept.level === line.level && kept.message === line.message);
        if (same) same.count = (same.count ?? 1) + (line.count ?? 1);
        else if (target.console.length < MAX_CONSOLE_LINES) target.console.push({ ...line });
        else target.consoleOmitted += 1;
      }
      target.consoleOmitted += summary.consoleOmitted;
      // What finish() says from the records (deprecations, unchecked errors) is said once, from all of them.
      // A lane run in lanes of its own (a worker's share) says how many it had; the merged run says the total.
      const codes = summary.warningCodes ?? {};
      const anew = new Set(SAID_ANEW.map((code) => codes[code]).filter(Boolean));
      for (const warning of summary.warnings) {
        if (anew.has(warning) || target.warnings.includes(warning)) continue;
        target.warnings.push(warning);
        const code = (Object.keys(codes) as WarningCode[]).find((key) => codes[key] === warning);
        if (code) target.warningCodes[code] = warning;
      }
      for (const record of records) this.records.push({ ...record, iteration: record.iteration + iterationOffset });
    }
  }

  /** A copy of the summary as it stands, for polling. */
  snapshot(): RunSummary {
    return { ...structuredClone(this.summary), durationMs: Date.now() - this.started };
  }

  /** Closes the summary with a final status (its message coded when code reads it back); the first call wins. */
  finish(forced?: ForcedStatus, message?: string, code?: WarningCode): RunSummary {
    if (this.summary.status !== 'running' && this.summary.status !== 'queued') return this.summary;
    const { stats } = this.summary;
    if (this.runError) addWarning(this.summary, 'runtime_stopped', `The runtime stopped: ${this.runError}`);
    if (message && code) addWarning(this.summary, code, message);
    else if (message) this.summary.warnings.push(message);
    if (this.unresolved.size) {
      const names = [...this.unresolved].map(([name, count]) => `{{${name}}} (${count} request${count === 1 ? '' : 's'})`);
      addWarning(this.summary, 'unresolved_variables', `Unresolved variables in request URLs: ${names.join(', ')}. Define them in the environment (or pass env_vars), or check that the right environment was used.`);
    }
    // A run can only "pass" what it checked: error answers nobody asserted on are said out loud.
    const unchecked = this.records.filter((record) => (record.code ?? 0) >= 400 && record.assertions.passed + record.assertions.failed + record.assertions.skipped === 0);
    if (unchecked.length) {
      const shown = unchecked.slice(0, 5).map((record) => `${record.folder ? `${record.folder}/` : ''}${record.name} → ${record.code}`);
      addWarning(this.summary, 'unchecked_errors', `${unchecked.length} request${unchecked.length === 1 ? '' : 's'} ${UNCHECKED_WARNING} ${unchecked.length === 1 ? 'it' : 'them'}: ${shown.join(', ')}${unchecked.length > 5 ? ', …' : ''}. Add pm.test checks on the status, or the run cannot notice these.`);
    }
    const deprecations = deprecationWarning(this.records);
    if (deprecations) addWarning(this.summary, 'deprecated_apis', deprecations);
    this.summary.warnings = countRepeats(this.summary.warnings);
    this.summary.status =
      forced ?? (this.runError || stats.requests.failed > 0 || stats.scriptErrors > 0 ? 'errored' : stats.assertions.failed > 0 ? 'failed' : 'passed');
    const ended = Date.now();
    this.summary.endedAt = new Date(ended).toISOString();
    this.summary.durationMs = ended - this.started;
    delete this.summary.progress.current;
    const causes = groupFailures(this.allFailures);
    this.summary.causes = causes.slice(0, MAX_CAUSES_KEPT);
    this.summary.causesOmitted = Math.max(0, causes.length - MAX_CAUSES_KEPT);
    this.summary.hint = hintFor(this.summary);
    return this.summary;
  }
}

export { OUT_OF_MEMORY, WARNING_CODES, type WarningCode };

/** Adds a coded warning to a summary. */
export function addWarning(summary: Pick<RunSummary, 'warnings' | 'warningCodes'>, code: WarningCode, text: string): void {
  summary.warnings.push(text);
  summary.warningCodes[code] = text;
}

export const ranOutOfMemory = (summary: Pick<RunSummary, 'warningCodes'>) => OUT_OF_MEMORY in (summary.warningCodes ?? {});

/** The sandbox's console warning for a legacy API (postman-legacy-interface.js), with its replacement. */
const DEPRECATION = /^Using "(.+?)" is deprecated\.(?: Use "?(.+?)"? instead\.)?$/;
const DEPRECATION_WARNING = 'Deprecated sandbox APIs';
const UNCHECKED_WARNING = 'answered 4xx/5xx and no assertion checked';
/**
 * Warnings a merged run says anew rather than from its parts: finish() builds these from all the
 * records, and the lanes' count is the merged run's.
 */
const SAID_ANEW: WarningCode[] = ['deprecated_apis', 'unchecked_errors', 'parallel_lanes'];

/** One warning for every legacy API the run's scripts used: which, with what instead, in which requests. */
export function deprecationWarning(records: RequestRecord[]): string | undefined {
  const byApi = new Map<string, string[]>();
  for (const record of records) {
    for (const entry of record.deprecated ?? []) {
      const names = byApi.get(entry) ?? [];
      const name = record.folder ? `${record.folder}/${record.name}` : record.name;
      if (!names.includes(name)) names.push(name);
      byApi.set(entry, names);
    }
  }
  if (!byApi.size) return undefined;
  const parts = [...byApi].map(([entry, names]) => `${entry} in ${names.length} request${names.length === 1 ? '' : 's'} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`);
  return `${DEPRECATION_WARNING} (they still work; replace them in the scripts): ${parts.join('; ')}.`;
}

/** The same warning given several times is said once, with how many times. */
export function countRepeats(warnings: string[]): string[] {
  const counts = new Map<string, number>();
  for (const warning of warnings) counts.set(warning, (counts.get(warning) ?? 0) + 1);
  return [...counts].map(([warning, count]) => (count > 1 ? `${warning} (×${count})` : warning));
}

const recordFailure = ({ iteration: _i, folder: _f, request: _r, method: _m, url: _u, requestIndex: _x, ...failure }: Failure): RecordFailure => failure;

/** Every failure the records hold, whole again (the request's fields from its record), in run order. */
export function failuresOf(records: RequestRecord[]): Failure[] {
  return records.flatMap((record, requestIndex) =>
    (record.failures ?? []).map((failure) => {
      const { kind, ...rest } = failure;
      return { kind, iteration: record.iteration, folder: record.folder, request: record.name, method: record.method, url: record.url, requestIndex, ...rest };
    }),
  );
}

/**
 * Every failure of a run: from its records when they hold them all (a run that ended), else (a worker
 * stopped before sending its records) the summary's capped list, with how many it left out.
 */
export function everyFailure(summary: RunSummary, records: RequestRecord[]): { failures: Failure[]; omitted: number } {
  const unattached = summary.failures.filter((failure) => failure.requestIndex === undefined);
  const attached = failuresOf(records);
  return attached.length + unattached.length >= summary.failures.length + summary.failuresOmitted
    ? { failures: [...attached, ...unattached], omitted: 0 }
    : { failures: summary.failures, omitted: summary.failuresOmitted };
}

/** An object without its zero counts (and the given defaults), nested objects included. */
function withoutZeros<T extends object>(value: T, defaults: Record<string, unknown> = {}): T {
  const entries = Object.entries(value).flatMap(([key, field]) => {
    if (field === 0 || defaults[key] === field) return [];
    return [[key, field && typeof field === 'object' && !Array.isArray(field) ? withoutZeros(field as object) : field]];
  });
  return Object.fromEntries(entries) as T;
}

/** `{{name}}` left in a URL, as written or percent-encoded by the URL parser. */
export function unresolvedVariables(url: string): string[] {
  const names = new Set<string>();
  for (const match of url.matchAll(/\{\{([^{}]+)\}\}|%7B%7B(.+?)%7D%7D/gi)) {
    const name = match[1] ?? decodeURIComponent(match[2]);
    if (!name.startsWith('$')) names.add(name);
  }
  return [...names];
}

function hintFor(summary: RunSummary): string | undefined {
  switch (summary.status) {
    case 'passed':
      return undefined;
    case 'failed':
      return 'Read each failure (assertion, expected/actual, response excerpt), find the change in the backend that caused it, and propose a fix; then run again.';
    case 'errored':
      if (ranOutOfMemory(summary)) {
        return 'The run ran out of memory (see the warning for which heap and its limit): fix the script or data that keeps growing, or raise the limit it names.';
      }
      if (summary.warningCodes.unresolved_variables) {
        return 'Some request URLs use variables nothing defines (see warnings and each request_error): use the environment that defines them (environment), set them with env_vars, or point base_url at the variable the collection uses.';
      }
      if (summary.stats.requests.failed > 0) return 'Some requests did not get a response (see request_error failures): check the backend is running (check_backend_health) and the URLs resolve.';
      if (summary.stats.scriptErrors > 0) return 'A script threw (see script_error failures): fix the script in the collection, or the response it expects.';
      return 'The run stopped without a failing request or script: the warnings say why and what to do.';
    case 'cancelled':
      return 'The run was cancelled; the results so far are above.';
    case 'backend_unhealthy':
      return 'The backend is not up, so the run did not start: see health for why (start the backend, or fix baseUrl), then run again.';
    case 'timed_out':
      return 'The run hit its overall timeout: raise run_timeout_ms, narrow it with folders, or check for a hanging endpoint.';
    default:
      return undefined;
  }
}

/**
 * A summary as a tool answer carries it: what parsing with RunSummarySchema would restore is left
 * out (empty lists, zero counts), and so is what repeats another field (the source's path when it is
 * the reference; the end time of a run that ended, which is its start plus its duration).
 */
export function compactRunSummary(summary: RunSummary): z.input<typeof RunSummarySchema> {
  const { failures, failuresOmitted, causes, causesOmitted, console: lines, consoleOmitted, warnings, warningCodes, endedAt: _endedAt, collection, sinceLast, progress, stats, ...rest } = summary;
  const { path: sourcePath, ...source } = collection.source;
  const ended = summary.status !== 'running' && summary.status !== 'queued';
  const restored = progress.current === undefined && progress.done === stats.requests.total && progress.total === stats.requests.total;
  return {
    ...rest,
    ...(ended && restored ? {} : { progress }),
    stats: withoutZeros(stats, { iterations: 1 }),
    collection: { ...collection, source: sourcePath === undefined || sourcePath === source.ref ? source : collection.source },
    ...(failures.length ? { failures } : {}),
    ...(causes.length ? { causes } : {}),
    ...(causesOmitted ? { causesOmitted } : {}),
    ...(failuresOmitted ? { failuresOmitted } : {}),
    ...(lines.length ? { console: lines } : {}),
    ...(consoleOmitted ? { consoleOmitted } : {}),
    ...(warnings.length ? { warnings } : {}),
    ...(Object.keys(warningCodes).length ? { warningCodes } : {}),
    ...(sinceLast ? { sinceLast: compactSinceLast(sinceLast) } : {}),
  };
}
