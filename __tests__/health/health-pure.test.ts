// The pure pieces of the health check, tested directly (ky's style): status expectations, the
// JSON-path reader for body checks, and the full-jitter backoff.
import { backoffDelay, checkBackendHealth, collapseAttempts, readJsonPath, type HealthOptions, type ProbeResult } from '../../src/core/health.js';
import { formatStatusRanges, parseStatusExpectation, StatusExpectationSchema, statusMatches } from '../../src/core/status-ranges.js';

describe('parseStatusExpectation', () => {
  it.each([
    [200, [{ min: 200, max: 200 }]],
    ['204', [{ min: 204, max: 204 }]],
    ['200-399', [{ min: 200, max: 399 }]],
    [' 2xx ', [{ min: 200, max: 299 }]],
    ['5XX', [{ min: 500, max: 599 }]],
    ['200, 404', [{ min: 200, max: 200 }, { min: 404, max: 404 }]],
    [[200, '3xx'], [{ min: 200, max: 200 }, { min: 300, max: 399 }]],
    ['100-599', [{ min: 100, max: 599 }]],
    ['200 - 299', [{ min: 200, max: 299 }]],
    ['204-204', [{ min: 204, max: 204 }]],
    ['100', [{ min: 100, max: 100 }]],
    ['599', [{ min: 599, max: 599 }]],
    ['2xx, , 404', [{ min: 200, max: 299 }, { min: 404, max: 404 }]],
  ] as const)('%j → %j', (input, expected) => {
    expect(parseStatusExpectation(input as never)).toEqual(expected);
  });

  it.each([
    ['', /empty status expectation/],
    [' , ', /empty status expectation/],
    ['99', /is not an HTTP status/],
    ['600', /is not an HTTP status/],
    ['2000', /is not an HTTP status/],
    ['x200', /is not an HTTP status/],
    ['a2xx', /is not an HTTP status/],
    ['2xxx', /is not an HTTP status/],
    ['399-200', /is not a valid range/],
    ['099-200', /is not a valid range/],
    ['200-600', /is not a valid range/],
    ['x200-300', /is not an HTTP status/],
    ['200-300x', /is not an HTTP status/],
    ['200x-300', /is not an HTTP status/],
    ['200-x300', /is not an HTTP status/],
    ['6xx', /is not an HTTP status/],
    ['ok', /is not an HTTP status/],
    ['2x', /is not an HTTP status/],
  ])('%j is refused, saying why', (input, why) => {
    const result = parseStatusExpectation(input);
    expect(result).toEqual(expect.stringMatching(why));
  });

  it('the schema takes a code, a text, or a non-empty list', () => {
    expect(StatusExpectationSchema.safeParse([200, '3xx']).success).toBe(true);
    expect(StatusExpectationSchema.safeParse([]).success).toBe(false);
    expect(StatusExpectationSchema.safeParse(200.5).success).toBe(false);
  });

  it('matches and formats', () => {
    const ranges = parseStatusExpectation('2xx,404') as ReturnType<typeof parseStatusExpectation> & object;
    expect(statusMatches(204, ranges as never)).toBe(true);
    expect(statusMatches(404, ranges as never)).toBe(true);
    expect(statusMatches(400, ranges as never)).toBe(false);
    expect(statusMatches(299, ranges as never)).toBe(true);
    expect(statusMatches(300, ranges as never)).toBe(false);
    expect(formatStatusRanges(ranges as never)).toBe('200-299, 404');
  });
});

describe('readJsonPath', () => {
  const body = { status: 'up', checks: [{ name: 'db', ok: true }], nested: { deep: { value: 0 } } };
  it.each([
    ['status', 'up'],
    ['$.status', 'up'],
    ['$status', 'up'],
    ['checks[0].name', 'db'],
    ['checks.0.ok', true],
    ['nested.deep.value', 0],
    ['missing', undefined],
    ['status.length', undefined],
    ['checks[5].name', undefined],
  ])('%s → %j', (jsonPath, expected) => {
    expect(readJsonPath(body, jsonPath)).toEqual(expected);
  });
  it('reads through null safely', () => {
    expect(readJsonPath({ a: null }, 'a.b')).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('is floor(random × min(cap, base·2^n))', () => {
    expect(backoffDelay(0, { baseMs: 100, capMs: 1000 }, () => 0.5)).toBe(50);
    expect(backoffDelay(3, { baseMs: 100, capMs: 1000 }, () => 0.5)).toBe(400);
    expect(backoffDelay(4, { baseMs: 100, capMs: 1000 }, () => 0.5)).toBe(500);
    expect(backoffDelay(10, { baseMs: 100, capMs: 1000 }, () => 0.999)).toBe(999);
    expect(backoffDelay(2, { baseMs: 100, capMs: 1000 }, () => 0)).toBe(0);
  });
});

describe('collapseAttempts (what an agent reads)', () => {
  const attempt = (n: number, outcome: 'connection_refused' | 'timeout' | 'ok', message: string, startedAtMs: number, statusCode?: number) => ({ attempt: n, startedAtMs, durationMs: 1, outcome, message, ...(statusCode ? { statusCode } : {}) });
  const result = (healthy: boolean, attempts: ReturnType<typeof attempt>[]) => ({ status: healthy ? 'healthy' : 'unhealthy', summary: 's', durationMs: 1, targets: [{ url: 'http://x/health', healthy, outcome: attempts.at(-1)!.outcome, attempts }] }) as never;
  it('runs of identical attempts become one entry with repeats and the last start; different ones stay apart', () => {
    const collapsed = collapseAttempts(result(false, [attempt(1, 'connection_refused', 'refused', 0), attempt(2, 'connection_refused', 'refused', 40), attempt(3, 'timeout', 'slow', 150), attempt(4, 'connection_refused', 'refused', 470), attempt(5, 'connection_refused', 'refused', 1290)]));
    expect(collapsed.targets[0].attempts.map((a) => [a.attempt, a.outcome, a.repeats, a.lastStartedAtMs])).toEqual([
      [1, 'connection_refused', 2, 40],
      [3, 'timeout', undefined, undefined],
      [4, 'connection_refused', 2, 1290],
    ]);
  });
  it('a first attempt that succeeded is not listed; a success after failures keeps them all', () => {
    expect(collapseAttempts(result(true, [attempt(1, 'ok', 'status 200', 0, 200)])).targets[0].attempts).toEqual([]);
    expect(collapseAttempts(result(true, [attempt(1, 'timeout', 'slow', 0), attempt(2, 'ok', 'status 200', 100, 200)])).targets[0].attempts).toHaveLength(2);
  });
});

describe('checkBackendHealth, exactly (injected probe, clock and sleep)', () => {
  type Answer = { cost: number; result: ProbeResult };
  const ok: Answer = { cost: 3, result: { kind: 'response', statusCode: 200, body: '{}' } };
  const down: Answer = { cost: 2, result: { kind: 'response', statusCode: 503, body: 'no' } };
  const refused: Answer = { cost: 1, result: { kind: 'failure', outcome: 'connection_refused', message: 'ECONNREFUSED' } };
  /** Each URL answers its script in order (the last answer repeats); every call's timeout is kept. */
  async function run(scripts: Record<string, Answer[]>, extra: Partial<HealthOptions> = {}) {
    let now = 100;
    const timeouts: number[] = [];
    const sleeps: number[] = [];
    const result = await checkBackendHealth({
      urls: Object.keys(scripts),
      attempts: 3,
      timeoutMs: 50,
      deadlineMs: 10_000,
      random: () => 0.5,
      clock: { now: () => now },
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      probe: async ({ url, timeoutMs }) => {
        timeouts.push(timeoutMs);
        const script = scripts[url];
        const answer = script.length > 1 ? script.shift()! : script[0];
        now += answer.cost;
        return answer.result;
      },
      ...extra,
    });
    return { result, timeouts, sleeps };
  }

  it('records when each attempt started and how long it took, on the injected clock', async () => {
    const { result, sleeps } = await run({ 'http://a.test/h': [refused, down, ok] });
    expect(result.targets[0].attempts.map((a) => [a.attempt, a.startedAtMs, a.durationMs, a.outcome, a.statusCode])).toEqual([
      [1, 0, 1, 'connection_refused', undefined],
      [2, 1 + sleeps[0], 2, 'http_status', 503],
      [3, 1 + sleeps[0] + 2 + sleeps[1], 3, 'ok', 200],
    ]);
    expect(result.targets[0].latencyMs).toBe(3);
    expect(result.durationMs).toBe(1 + 2 + 3 + sleeps[0] + sleeps[1]);
    expect(result.targets[0].hint).toBeUndefined();
  });

  it('the summary says what happened: one healthy, all healthy, degraded, unhealthy; hints only where unhealthy', async () => {
    expect((await run({ 'http://a.test/h': [ok] })).result.summary).toBe('Backend is healthy: http://a.test/h answered 200.');
    expect((await run({ 'http://a.test/h': [ok], 'http://b.test/h': [ok] })).result.summary).toBe('Backend is healthy: all 2 endpoints answered as expected.');
    const degraded = (await run({ 'http://a.test/h': [ok], 'http://b.test/h': [down] })).result;
    expect(degraded.summary).toBe('Backend is degraded: 1 of 2 endpoints are healthy; failing: http://b.test/h (http_status 503).');
    expect(degraded.targets.map((t) => Boolean(t.hint))).toEqual([false, true]);
    const unhealthy = (await run({ 'http://a.test/h': [down, refused] })).result;
    expect(unhealthy.summary).toBe('Backend is unhealthy: http://a.test/h (connection_refused).');
    // The last answer's status: a refusal after a 503 leaves none.
    expect(unhealthy.targets[0].statusCode).toBeUndefined();
  });

  it('the deadline: the last attempt gets only the time that is left, and no round starts past it', async () => {
    const { result, timeouts } = await run({ 'http://a.test/h': [{ cost: 40, result: down.result }] }, { deadlineMs: 70, backoff: { baseMs: 0, capMs: 0 } });
    expect(timeouts).toEqual([50, 30]);
    expect(result.targets[0].attempts).toHaveLength(2);
  });

  it('a wait that would pass the deadline is cut to it', async () => {
    const { sleeps, result } = await run({ 'http://a.test/h': [down] }, { deadlineMs: 500, backoff: { baseMs: 10_000, capMs: 10_000 } });
    expect(sleeps).toEqual([498]);
    expect(result.targets[0].attempts).toHaveLength(1);
  });

  it('several URLs name their index in an error; no URL and a bad expect_status are errors', async () => {
    await expect(run({ 'http://a.test/h': [ok], 'not a url': [ok] })).rejects.toMatchObject({ message: expect.stringContaining('urls[1]') });
    await expect(run({ 'not a url': [ok] })).rejects.toMatchObject({ message: expect.not.stringContaining('urls[') });
    await expect(checkBackendHealth({ urls: [] })).rejects.toMatchObject({ code: 'nothing_configured' });
    await expect(run({ 'http://a.test/h': [ok] }, { expectStatus: 'often' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('expect_status') });
  });

  it('GET unless told; an abort ends the waiting at once (the real sleep)', async () => {
    const methods: string[] = [];
    const controller = new AbortController();
    const result = await checkBackendHealth({
      urls: ['http://a.test/h'],
      attempts: 5,
      backoff: { baseMs: 600_000, capMs: 600_000 },
      random: () => 0.99,
      signal: controller.signal,
      probe: async ({ method }) => {
        methods.push(method);
        // Aborted while the first wait (ten minutes) has not begun: the real sleep must not wait it out.
        setImmediate(() => controller.abort());
        return down.result;
      },
    });
    expect(methods).toEqual(['GET']);
    // Ended by the abort: had the sleep ignored it, ten minutes would pass and the test's timeout fail it.
    expect(result.status).toBe('unhealthy');
  });
});
