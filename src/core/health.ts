// Backend health verification (plan task 4): probe one or more endpoints, retry only the failing ones
// with full-jitter exponential backoff under an overall deadline, and classify every attempt so an
// agent can tell "not running" from "starting" from "one dependency down".
//
// Retry is data plus a pure delay function (as in ky); clock, sleep, random and the probe itself are
// injectable, so properties run without real sleeping. The schedule is hand-written because no
// retry library does per-target rounds under one shared deadline; the probe is Node's http client.
import { z } from 'zod';
import { DEFAULT_HEALTH } from './config.js';
import { PowerError } from './errors.js';
import { parseStatusExpectation, statusMatches, formatStatusRanges, type StatusExpectation, type StatusRange } from './status-ranges.js';

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 5000 };

/** Full jitter: random(0, min(cap, base·2^attempt)). `attempt` counts retries from 0. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}


export type Outcome = (typeof OUTCOMES)[number];

export type BodyExpectation = { contains: string } | { jsonPath: string; equals: unknown };

export interface ProbeRequest {
  url: string;
  method: 'GET' | 'HEAD';
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What one HTTP exchange gave, before it is judged against the expectation. */
export type ProbeResult =
  | { kind: 'response'; statusCode: number; body: string }
  | { kind: 'failure'; outcome: Exclude<Outcome, 'ok' | 'http_status' | 'body_mismatch'>; message: string };

export type Probe = (request: ProbeRequest) => Promise<ProbeResult>;

const OUTCOMES = ['ok', 'connection_refused', 'timeout', 'dns', 'tls', 'reset', 'http_status', 'body_mismatch', 'error'] as const;

export const AttemptRecordSchema = z.object({
  attempt: z.number().int().describe('1-based attempt number'),
  startedAtMs: z.number().describe('Milliseconds since the check started'),
  durationMs: z.number(),
  outcome: z.enum(OUTCOMES),
  statusCode: z.number().int().optional(),
  message: z.string(),
  repeats: z.number().int().optional().describe('Collapsed: this many attempts in a row had this outcome and message'),
  lastStartedAtMs: z.number().optional().describe('When the last of the collapsed attempts started'),
});

export const TargetResultSchema = z.object({
  url: z.string(),
  healthy: z.boolean(),
  statusCode: z.number().int().optional().describe('Status of the last answer, if any'),
  latencyMs: z.number().optional().describe('Duration of the last attempt'),
  outcome: z.enum(OUTCOMES).describe('Outcome of the last attempt'),
  hint: z.string().optional().describe('What to do about a failing endpoint'),
  attempts: z.array(AttemptRecordSchema),
});

export const HealthResultSchema = z.object({
  status: z.enum(['healthy', 'degraded', 'unhealthy']).describe('healthy: all endpoints; degraded: some; unhealthy: none'),
  summary: z.string(),
  durationMs: z.number(),
  targets: z.array(TargetResultSchema),
  note: z.string().optional().describe('What the verdict proves, when it proves less than a health endpoint would'),
});

export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;
export type TargetResult = z.infer<typeof TargetResultSchema>;
export type HealthResult = z.infer<typeof HealthResultSchema>;
export type HealthStatus = HealthResult['status'];

export interface Clock {
  now(): number;
}

export interface HealthOptions {
  /** Full http(s) URLs. */
  urls: string[];
  method?: 'GET' | 'HEAD';
  expectStatus?: StatusExpectation;
  expectBody?: BodyExpectation;
  timeoutMs?: number;
  attempts?: number;
  deadlineMs?: number;
  /** Keep retrying until healthy or the deadline, for a backend that is still starting. */
  waitUntilHealthy?: boolean;
  backoff?: BackoffPolicy;
  clock?: Clock;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  probe?: Probe;
  signal?: AbortSignal;
  /** Where the URLs came from (hints name what to fix); default the config. */
  urlSource?: UrlSource;
}


/** Where a probed URL came from, so a hint names what to fix. */
export type UrlSource = 'config' | 'argument';
const fixWhat = (source: UrlSource) => (source === 'argument' ? 'the URL you gave' : 'baseUrl in .postman.json');

const HINTS: Record<Outcome, (url: URL, statusCode: number | undefined, source: UrlSource) => string | undefined> = {
  ok: () => undefined,
  connection_refused: (url, _code, source) => `Nothing is listening on ${url.host}: is the backend running on ${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}? Start it, or fix ${fixWhat(source)}.`,
  timeout: () => 'The backend accepted the connection but did not answer in time: it may be starting, overloaded or stuck. Retry with wait_until_healthy, or raise timeout_ms.',
  dns: (url, _code, source) => `The host ${url.hostname} does not resolve: check the spelling of ${fixWhat(source)}, or use localhost / 127.0.0.1 for a local backend.`,
  tls: () => 'The TLS handshake failed: use http:// for a local backend without a certificate, or fix the certificate.',
  reset: () => 'The connection was reset: the backend crashed or closed the socket while answering. Check its logs.',
  http_status: (_url, code) =>
    code !== undefined && code >= 500
      ? `The backend answered ${code}: it is up but failing (a dependency such as the database may be down). Check its logs.`
      : `The backend answered ${code}: check the health path and the expected status.`,
  body_mismatch: () => 'The status was right but the body did not match the expectation: a dependency may report itself down.',
  error: () => 'An unexpected error: see the message.',
};

export function hintFor(outcome: Outcome, url: string, statusCode?: number, source: UrlSource = 'config'): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return HINTS[outcome](parsed, statusCode, source);
}

/** Validates a URL for probing: http(s) only, with a clear error otherwise. */
export function parseHttpUrl(url: string, field = 'url'): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PowerError('invalid_argument', `${field} "${url}" is not a valid URL`, {
      hint: 'Give a full URL such as http://localhost:3000/health, or a path such as /health joined to baseUrl from .postman.json.',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PowerError('invalid_argument', `${field} "${url}" uses ${parsed.protocol}; only http and https can be checked`, {
      hint: 'Use an http:// or https:// URL.',
    });
  }
  return parsed;
}

/** A path joined to the base URL (keeping the base's own path), or a full URL as is. */
export function resolveTarget(target: string, baseUrl: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return parseHttpUrl(target).href;
  if (!baseUrl) {
    throw new PowerError('nothing_configured', `"${target}" is a path, but there is no baseUrl to join it to`, {
      hint: 'Set baseUrl in .postman.json, or pass a full URL such as http://localhost:3000/health.',
    });
  }
  const base = parseHttpUrl(baseUrl, 'baseUrl');
  return new URL(`${base.pathname.replace(/\/+$/, '')}/${target.replace(/^\/+/, '')}`, base).href;
}

function classifyError(error: NodeJS.ErrnoException): ProbeResult {
  const code = error.code ?? '';
  const message = `${code ? `${code}: ` : ''}${error.message}`;
  if (code === 'ECONNREFUSED') return { kind: 'failure', outcome: 'connection_refused', message };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return { kind: 'failure', outcome: 'dns', message };
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(error.message)) return { kind: 'failure', outcome: 'reset', message };
  if (/^ERR_TLS|^ERR_SSL|CERT|SELF_SIGNED|UNABLE_TO_VERIFY|EPROTO/.test(code)) return { kind: 'failure', outcome: 'tls', message };
  if (code === 'ETIMEDOUT') return { kind: 'failure', outcome: 'timeout', message };
  return { kind: 'failure', outcome: 'error', message };
}

const MAX_BODY = 64 * 1024;

/** The real probe: one request with Node's http client, no keep-alive, a hard timeout. */
export const httpProbe: Probe = async ({ url, method, timeoutMs, signal }) => {
  const parsed = new URL(url);
  // Loaded on the first probe, not at start: a server that is only asked for tools/list never needs them.
  const lib = parsed.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const request = lib.request(parsed, { method, agent: false, headers: { 'user-agent': 'postman-power-health', accept: '*/*' } }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => finish({ kind: 'response', statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) }));
      response.on('error', (error) => finish(classifyError(error)));
    });
    const timer = setTimeout(() => {
      finish({ kind: 'failure', outcome: 'timeout', message: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ kind: 'failure', outcome: 'error', message: 'cancelled' });
      request.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => finish(classifyError(error)));
    request.end();
  });
};

/** Reads `a.b[0].c` (a leading `$.` is allowed) from parsed JSON. */
export function readJsonPath(value: unknown, jsonPath: string): unknown {
  const parts = jsonPath.replace(/^\$\.?/, '').match(/[^.[\]]+/g) ?? [];
  let node: unknown = value;
  for (const part of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function bodyMatches(body: string, expectation: BodyExpectation): { ok: boolean; message: string } {
  if ('contains' in expectation) {
    return body.includes(expectation.contains)
      ? { ok: true, message: `body contains "${expectation.contains}"` }
      : { ok: false, message: `body does not contain "${expectation.contains}"` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, message: `body is not JSON, so ${expectation.jsonPath} cannot be read` };
  }
  const actual = readJsonPath(parsed, expectation.jsonPath);
  return JSON.stringify(actual) === JSON.stringify(expectation.equals)
    ? { ok: true, message: `${expectation.jsonPath} is ${JSON.stringify(actual)}` }
    : { ok: false, message: `${expectation.jsonPath} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expectation.equals)}` };
}

function judge(result: ProbeResult, ranges: StatusRange[], expectBody: BodyExpectation | undefined): { outcome: Outcome; statusCode?: number; message: string } {
  if (result.kind === 'failure') return { outcome: result.outcome, message: result.message };
  if (!statusMatches(result.statusCode, ranges)) {
    return { outcome: 'http_status', statusCode: result.statusCode, message: `status ${result.statusCode}, expected ${formatStatusRanges(ranges)}` };
  }
  if (expectBody) {
    const match = bodyMatches(result.body, expectBody);
    if (!match.ok) return { outcome: 'body_mismatch', statusCode: result.statusCode, message: match.message };
  }
  return { outcome: 'ok', statusCode: result.statusCode, message: `status ${result.statusCode}` };
}

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function summarise(status: HealthStatus, targets: TargetResult[]): string {
  const failing = targets.filter((target) => !target.healthy);
  if (status === 'healthy') {
    return targets.length === 1 ? `Backend is healthy: ${targets[0].url} answered ${targets[0].statusCode}.` : `Backend is healthy: all ${targets.length} endpoints answered as expected.`;
  }
  const described = failing.map((target) => `${target.url} (${target.outcome}${target.statusCode ? ` ${target.statusCode}` : ''})`).join(', ');
  if (status === 'degraded') return `Backend is degraded: ${targets.length - failing.length} of ${targets.length} endpoints are healthy; failing: ${described}.`;
  return `Backend is unhealthy: ${described}.`;
}

/** Probes every URL, retrying only failing ones, and gives a verdict with every attempt recorded. */
export async function checkBackendHealth(options: HealthOptions): Promise<HealthResult> {
  if (options.urls.length === 0) {
    throw new PowerError('nothing_configured', 'No endpoint to check', {
      hint: 'Set baseUrl (and optionally health.path) in .postman.json, or pass url.',
    });
  }
  const urls = options.urls.map((url, index) => parseHttpUrl(url, options.urls.length > 1 ? `urls[${index}]` : 'url').href);
  const ranges = parseStatusExpectation(options.expectStatus);
  if (typeof ranges === 'string') throw new PowerError('invalid_argument', `expect_status: ${ranges}`, { hint: 'Use e.g. 200, "200-399" or "2xx".' });
  const clock = options.clock ?? { now: () => Date.now() };
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const probe = options.probe ?? httpProbe;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH.timeoutMs;
  const deadlineMs = options.deadlineMs ?? DEFAULT_HEALTH.deadlineMs;
  const maxAttempts = options.waitUntilHealthy ? Number.POSITIVE_INFINITY : Math.max(1, options.attempts ?? DEFAULT_HEALTH.attempts);
  const method = options.method ?? 'GET';
  const started = clock.now();
  const elapsed = () => clock.now() - started;

  const targets: TargetResult[] = urls.map((url) => ({ url, healthy: false, outcome: 'error', attempts: [] }));
  // Rounds end at the last attempt, when every target is healthy, at the deadline or on abort (below).
  for (let round = 0; ; round += 1) {
    const pending = targets.filter((target) => !target.healthy);
    const remaining = deadlineMs - elapsed();
    if (remaining <= 0 || options.signal?.aborted) break;
    await Promise.all(
      pending.map(async (target) => {
        const attemptStart = elapsed();
        const result = await probe({ url: target.url, method, timeoutMs: Math.max(1, Math.min(timeoutMs, remaining)), signal: options.signal });
        const verdict = judge(result, ranges, options.expectBody);
        const durationMs = Math.max(0, elapsed() - attemptStart);
        target.attempts.push({ attempt: round + 1, startedAtMs: attemptStart, durationMs, ...verdict });
        target.outcome = verdict.outcome;
        target.healthy = verdict.outcome === 'ok';
        if (verdict.statusCode !== undefined) target.statusCode = verdict.statusCode;
        else delete target.statusCode;
        target.latencyMs = durationMs;
      }),
    );
    if (targets.every((target) => target.healthy) || round + 1 >= maxAttempts) break;
    // The next round checks the deadline: a wait that reaches it is cut to it.
    const wait = Math.min(backoffDelay(round, options.backoff, random), deadlineMs - elapsed());
    if (wait > 0) await sleep(wait, options.signal);
  }
  for (const target of targets) {
    const hint = target.healthy ? undefined : hintFor(target.outcome, target.url, target.statusCode, options.urlSource);
    if (hint) target.hint = hint;
  }
  const healthyCount = targets.filter((target) => target.healthy).length;
  const status: HealthStatus = healthyCount === targets.length ? 'healthy' : healthyCount === 0 ? 'unhealthy' : 'degraded';
  return { status, summary: summarise(status, targets), durationMs: elapsed(), targets };
}

/**
 * The result as an agent reads it: attempts in a row with the same outcome, status and message are
 * one entry with `repeats` ("5 × connection refused over 1.3 s"); the verdict and counts are untouched.
 */
export function collapseAttempts(result: HealthResult): HealthResult {
  return {
    ...result,
    targets: result.targets.map((target) => {
      const attempts: AttemptRecord[] = [];
      for (const attempt of target.attempts) {
        const last = attempts.at(-1);
        if (last && last.outcome === attempt.outcome && last.statusCode === attempt.statusCode && last.message === attempt.message) {
          last.repeats = (last.repeats ?? 1) + 1;
          last.lastStartedAtMs = attempt.startedAtMs;
        } else attempts.push({ ...attempt });
      }
      // A first attempt that succeeded says nothing the target does not (status, latency).
      return { ...target, attempts: target.healthy && target.attempts.length === 1 ? [] : attempts };
    }),
  };
}
