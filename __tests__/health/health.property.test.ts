// Plan task 4, property "Backend Health Verification": for generated endpoint behaviours (per target,
// a sequence of responses and failures), the verdict is healthy iff every target meets its
// expectation within its attempts, degraded iff some do, unhealthy iff none; the attempt count and
// each recorded outcome follow the injected behaviour exactly, and so does the backoff schedule.
// No sockets and no wall clock: the probe, the clock and the sleep are injected (real-socket
// examples live in health-edge-cases.test.ts).
import fc from 'fast-check';
import { backoffDelay, checkBackendHealth, DEFAULT_BACKOFF, type Outcome, type ProbeResult } from '../../src/core/health.js';

type Behaviour = 'ok' | 'status503' | 'status404' | 'wrongBody' | 'reset' | 'hang' | 'refused';
const EXPECTED_OUTCOME: Record<Behaviour, Outcome> = {
  ok: 'ok',
  status503: 'http_status',
  status404: 'http_status',
  wrongBody: 'body_mismatch',
  reset: 'reset',
  hang: 'timeout',
  refused: 'connection_refused',
};
const ANSWER: Record<Behaviour, ProbeResult> = {
  ok: { kind: 'response', statusCode: 200, body: '{"status":"up"}' },
  status503: { kind: 'response', statusCode: 503, body: 'down' },
  status404: { kind: 'response', statusCode: 404, body: 'missing' },
  wrongBody: { kind: 'response', statusCode: 200, body: '{"status":"starting"}' },
  reset: { kind: 'failure', outcome: 'reset', message: 'socket hang up' },
  hang: { kind: 'failure', outcome: 'timeout', message: 'timed out' },
  refused: { kind: 'failure', outcome: 'connection_refused', message: 'ECONNREFUSED' },
};
/** What each behaviour costs on the fake clock (a hang costs its whole per-attempt timeout). */
const COST_MS: Record<Behaviour, number> = { ok: 3, status503: 4, status404: 4, wrongBody: 5, reset: 2, hang: 200, refused: 1 };

describe('Backend Health Verification (plan task 4)', () => {
  const behaviour = fc.constantFrom<Behaviour>('ok', 'status503', 'status404', 'wrongBody', 'reset', 'hang', 'refused');
  // A down target refuses every attempt; the others serve their script, then ok.
  const target = fc.oneof(
    { weight: 5, arbitrary: fc.array(behaviour, { minLength: 1, maxLength: 6 }).map((seq) => ({ down: false, seq })) },
    { weight: 1, arbitrary: fc.constant({ down: true, seq: [] as Behaviour[] }) },
  );

  it('verdict, attempt count, recorded outcomes and the backoff schedule follow the injected behaviour exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(target, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), async (targets, attempts, jitter) => {
        const urls = targets.map((_, i) => `http://backend.test/t${i}`);
        const scripts = new Map(urls.map((url, i) => [url, targets[i].down ? [] : [...targets[i].seq]]));
        let now = 0;
        const sleeps: number[] = [];
        const result = await checkBackendHealth({
          urls,
          attempts,
          timeoutMs: 200,
          deadlineMs: 600_000,
          expectBody: { jsonPath: 'status', equals: 'up' },
          random: () => jitter,
          clock: { now: () => now },
          sleep: async (ms) => {
            sleeps.push(ms);
            now += ms;
          },
          probe: async ({ url }) => {
            const index = urls.indexOf(url);
            const next: Behaviour = targets[index].down ? 'refused' : (scripts.get(url)!.shift() ?? 'ok');
            now += COST_MS[next];
            return ANSWER[next];
          },
        });
        // The model: a target is healthy iff an `ok` comes within its first `attempts` behaviours.
        const served = targets.map((t) => (t.down ? Array<Behaviour>(attempts).fill('refused') : [...t.seq, ...Array<Behaviour>(attempts).fill('ok')].slice(0, attempts)));
        const attemptsMade = served.map((seq) => (seq.includes('ok') ? seq.indexOf('ok') + 1 : attempts));
        result.targets.forEach((actual, i) => {
          expect(actual.healthy).toBe(served[i].includes('ok'));
          // Only failing targets are retried: a healthy one stops at its first ok.
          expect(actual.attempts.map((record) => record.outcome)).toEqual(served[i].slice(0, attemptsMade[i]).map((b) => EXPECTED_OUTCOME[b]));
        });
        const healthyCount = served.filter((seq) => seq.includes('ok')).length;
        expect(result.status).toBe(healthyCount === targets.length ? 'healthy' : healthyCount === 0 ? 'unhealthy' : 'degraded');
        // One round per attempt of the slowest target; a full-jitter sleep between rounds, exactly.
        const rounds = Math.max(...attemptsMade);
        expect(sleeps).toEqual(Array.from({ length: rounds - 1 }, (_, n) => backoffDelay(n, DEFAULT_BACKOFF, () => jitter)).filter((ms) => ms > 0));
      }),
      { numRuns: 300 },
    );
  });

  it('every backoff delay lies in [0, min(cap, base·2^n)] and the scheduled sleep never passes the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 30 }),
        async (baseMs, capMs, attempts, deadlineMs, randoms) => {
          for (let n = 0; n < 40; n += 1) {
            const delay = backoffDelay(n, { baseMs, capMs }, () => randoms[n % randoms.length]);
            expect(delay).toBeGreaterThanOrEqual(0);
            expect(delay).toBeLessThanOrEqual(Math.min(capMs, baseMs * 2 ** n));
          }
          // A fake clock: sleeping advances time; each probe costs 7 ms and always fails.
          let now = 0;
          let slept = 0;
          let i = 0;
          const result = await checkBackendHealth({
            urls: ['http://127.0.0.1:1/health'],
            attempts,
            deadlineMs,
            backoff: { baseMs, capMs },
            clock: { now: () => now },
            random: () => randoms[i++ % randoms.length],
            sleep: async (ms) => {
              slept += ms;
              now += ms;
            },
            probe: async () => {
              now += 7;
              return { kind: 'failure', outcome: 'connection_refused', message: 'refused' };
            },
          });
          expect(result.status).toBe('unhealthy');
          expect(result.targets[0].attempts.length).toBeLessThanOrEqual(attempts);
          expect(slept).toBeLessThanOrEqual(deadlineMs);
          expect(result.durationMs).toBeLessThanOrEqual(deadlineMs + 7);
        },
      ),
      { numRuns: 200 },
    );
  });
});
