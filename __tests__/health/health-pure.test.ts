// The pure pieces of the health check, tested directly (ky's style): status expectations, the
// JSON-path reader for body checks, and the full-jitter backoff.
import { backoffDelay, readJsonPath } from '../../src/core/health.js';
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
