// The pure pieces of the health check, tested directly (ky's style): status expectations, the
// JSON-path reader for body checks, and the full-jitter backoff.
import { backoffDelay, collapseAttempts, readJsonPath } from '../../src/core/health.js';
import { formatStatusRanges, parseStatusExpectation, statusMatches } from '../../src/core/status-ranges.js';

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
  ] as const)('%j → %j', (input, expected) => {
    expect(parseStatusExpectation(input as never)).toEqual(expected);
  });

  it.each(['', '99', '600', '399-200', '6xx', 'ok', '2x', '200-600', 'abc-def'])('%j is refused with a message', (input) => {
    const result = parseStatusExpectation(input);
    expect(typeof result).toBe('string');
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
