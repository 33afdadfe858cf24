// Plan task 4, property "Backend Health Verification": for generated endpoint behaviours (per target,
// a sequence of responses and failures, served by a real loopback server), the verdict is healthy iff
// every target meets its expectation within its attempts, degraded iff some do, unhealthy iff none;
// attempts never exceed the limit; each recorded outcome matches the injected behaviour.
import fc from 'fast-check';
import { backoffDelay, checkBackendHealth, type Outcome } from '../../src/core/health.js';
import { closedPort, startServer, type TestServer } from '../support/http-server.js';

type Behaviour = 'ok' | 'status503' | 'status404' | 'wrongBody' | 'reset' | 'hang';
const EXPECTED_OUTCOME: Record<Behaviour, Outcome> = {
  ok: 'ok',
  status503: 'http_status',
  status404: 'http_status',
  wrongBody: 'body_mismatch',
  reset: 'reset',
  hang: 'timeout',
};

describe('Backend Health Verification (plan task 4)', () => {
  let server: TestServer;
  let downPort: number;
  /** Per path, the behaviours still to serve, in order. */
  const scripts = new Map<string, Behaviour[]>();

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const behaviour = scripts.get(req.url ?? '')?.shift() ?? 'ok';
      switch (behaviour) {
        case 'ok':
          res.end('{"status":"up"}');
          break;
        case 'status503':
          res.statusCode = 503;
          res.end('down');
          break;
        case 'status404':
          res.statusCode = 404;
          res.end('missing');
          break;
        case 'wrongBody':
          res.end('{"status":"starting"}');
          break;
        case 'reset':
          req.socket.destroy();
          break;
        case 'hang':
          break;
      }
    });
    downPort = await closedPort();
  });
  afterAll(() => server.close());

  // Hangs cost a whole per-attempt timeout each, so they are generated less often than the others.
  const behaviour = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Behaviour>('ok', 'status503', 'status404', 'wrongBody', 'reset') },
    { weight: 1, arbitrary: fc.constant<Behaviour>('hang') },
  );
  const target = fc.oneof(
    { weight: 5, arbitrary: fc.array(behaviour, { minLength: 1, maxLength: 6 }).map((seq) => ({ down: false as const, seq })) },
    { weight: 1, arbitrary: fc.constant({ down: true as const, seq: [] as Behaviour[] }) },
  );

  it('verdict, attempt limit and recorded outcomes follow the injected behaviour', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(target, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), async (targets, attempts, jitter) => {
        run += 1;
        const urls = targets.map((t, i) => {
          if (t.down) return `http://127.0.0.1:${downPort}/health`;
          const path = `/r${run}/t${i}`;
          scripts.set(path, [...t.seq]);
          return `${server.url}${path}`;
        });
        const sleeps: number[] = [];
        const result = await checkBackendHealth({
          urls,
          attempts,
          // Long enough that a loaded machine still answers a loopback request within it.
          timeoutMs: 200,
          deadlineMs: 60_000,
          expectBody: { jsonPath: 'status', equals: 'up' },
          random: () => jitter,
          sleep: async (ms) => {
            sleeps.push(ms);
          },
        });
        // The model: a target is healthy iff an `ok` comes within its first `attempts` behaviours
        // (past its script the server answers ok; a down target never answers).
        const expectedHealthy = targets.map((t) => {
          if (t.down) return false;
          const served = [...t.seq, ...Array(attempts).fill('ok')].slice(0, attempts);
          return served.includes('ok');
        });
        result.targets.forEach((actual, i) => {
          expect(actual.healthy).toBe(expectedHealthy[i]);
          expect(actual.attempts.length).toBeLessThanOrEqual(attempts);
          actual.attempts.forEach((record, n) => {
            const injected: Outcome = targets[i].down ? 'connection_refused' : EXPECTED_OUTCOME[[...targets[i].seq, 'ok'][n] as Behaviour];
            expect(record.outcome).toBe(injected);
          });
          // Only failing targets are retried: a healthy one stops at its first ok.
          if (actual.healthy) expect(actual.attempts[actual.attempts.length - 1].outcome).toBe('ok');
          else expect(actual.attempts.length).toBe(attempts);
        });
        const healthyCount = expectedHealthy.filter(Boolean).length;
        const expectedStatus = healthyCount === targets.length ? 'healthy' : healthyCount === 0 ? 'unhealthy' : 'degraded';
        expect(result.status).toBe(expectedStatus);
        sleeps.forEach((ms, n) => expect(ms).toBeLessThanOrEqual(Math.min(5000, 200 * 2 ** n)));
      }),
      { numRuns: 100 },
    );
  }, 120_000);

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
