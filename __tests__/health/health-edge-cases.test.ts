// Plan task 4 edge cases, over MCP against real loopback servers.
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { closedPort, startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';
import { HealthResultSchema, type HealthResult } from '../../src/core/health.js';

let ws: TempWorkspace;
let pair: ConnectedPair;
const servers: TestServer[] = [];

async function server(handler: Parameters<typeof startServer>[0], port?: number): Promise<TestServer> {
  const started = await startServer(handler, port);
  servers.push(started);
  return started;
}

/** Attempts as the tool reports them: identical ones in a row are one entry with `repeats`. */
const outcomes = (target: HealthResult['targets'][number]) => target.attempts.flatMap((attempt) => Array<string>(attempt.repeats ?? 1).fill(attempt.outcome));

async function health(args: Record<string, unknown>): Promise<HealthResult> {
  const result = await pair.call('check_backend_health', args);
  expect(result.isError).toBeFalsy();
  return HealthResultSchema.parse(result.structuredContent);
}

beforeEach(async () => {
  ws = createTempWorkspace('Test_Task4_');
});
afterEach(async () => {
  await pair?.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  ws.cleanup();
});

async function withConfig(config: Record<string, unknown>): Promise<void> {
  ws.write('.postman.json', config);
  pair = await connectPair({ env: {}, cwd: ws.dir, watchConfig: false });
}

it('backend not running: unhealthy with the connection_refused hint', async () => {
  const port = await closedPort();
  await withConfig({ baseUrl: `http://127.0.0.1:${port}`, health: { path: '/health' } });
  const result = await health({ attempts: 2 });
  expect(result.status).toBe('unhealthy');
  expect(result.targets[0].url).toBe(`http://127.0.0.1:${port}/health`);
  expect(result.targets[0].outcome).toBe('connection_refused');
  expect(result.targets[0].attempts).toHaveLength(1);
  expect(outcomes(result.targets[0])).toEqual(['connection_refused', 'connection_refused']);
  expect(result.targets[0].hint).toContain(`is the backend running on 127.0.0.1:${port}`);
  const text = textOf(await pair.call('check_backend_health', { attempts: 1 }));
  expect(text).toContain('is the backend running');
});

it('2 of 3 endpoints healthy: degraded, naming the failing one', async () => {
  const backend = await server((req, res) => {
    res.statusCode = req.url === '/db' ? 503 : 200;
    res.end(req.url);
  });
  await withConfig({ baseUrl: backend.url });
  const result = await health({ urls: ['/health', '/ready', '/db'], attempts: 2, timeout_ms: 500 });
  expect(result.status).toBe('degraded');
  expect(result.summary).toContain(`${backend.url}/db`);
  const db = result.targets.find((t) => t.url.endsWith('/db'))!;
  expect(db).toMatchObject({ healthy: false, outcome: 'http_status', statusCode: 503 });
  expect(db.hint).toContain('503');
  // Healthy endpoints are not retried: a first attempt that succeeded is not even listed.
  expect(result.targets.filter((t) => t.healthy).every((t) => t.attempts.length === 0 && t.statusCode === 200)).toBe(true);
});

it('a backend that starts listening ~1 s after the check begins: healthy in wait mode', async () => {
  const port = await closedPort();
  await withConfig({ baseUrl: `http://127.0.0.1:${port}` });
  const late = new Promise<void>((resolve) => {
    setTimeout(() => {
      void server((_req, res) => res.end('ok'), port).then(() => resolve());
    }, 1000);
  });
  const result = await health({ wait_until_healthy: true, deadline_ms: 10_000 });
  await late;
  expect(result.status).toBe('healthy');
  const attempts = result.targets[0].attempts;
  expect(attempts[0].outcome).toBe('connection_refused');
  expect(attempts[attempts.length - 1].outcome).toBe('ok');
}, 15_000);

it('a hanging backend times out per attempt', async () => {
  const backend = await server(() => undefined);
  await withConfig({ baseUrl: backend.url });
  const result = await health({ attempts: 2, timeout_ms: 100 });
  expect(result.status).toBe('unhealthy');
  expect(outcomes(result.targets[0])).toEqual(['timeout', 'timeout']);
  expect(result.targets[0].hint).toContain('did not answer in time');
});

it('flapping: fails, then succeeds within the attempts', async () => {
  let count = 0;
  const backend = await server((_req, res) => {
    count += 1;
    res.statusCode = count % 2 === 1 ? 500 : 200;
    res.end();
  });
  // A health path makes the status count (without one, any answer means up).
  await withConfig({ baseUrl: backend.url, health: { path: '/health' } });
  const result = await health({ attempts: 3 });
  expect(result.status).toBe('healthy');
  expect(result.targets[0].attempts.map((a) => a.outcome)).toEqual(['http_status', 'ok']);
});

it('wrong status and body mismatch are classified', async () => {
  const backend = await server((req, res) => {
    if (req.url === '/teapot') res.statusCode = 418;
    res.end('{"status":"degraded"}');
  });
  await withConfig({ baseUrl: backend.url });
  const wrong = await health({ url: '/teapot', attempts: 1 });
  expect(wrong.targets[0]).toMatchObject({ outcome: 'http_status', statusCode: 418 });
  const body = await health({ url: '/health', attempts: 1, expect_body_contains: '"status":"ok"' });
  expect(body.targets[0].outcome).toBe('body_mismatch');
  expect(body.targets[0].hint).toContain('body did not match');
  const custom = await health({ url: '/teapot', attempts: 1, expect_status: 418 });
  expect(custom.status).toBe('healthy');
});

it('an unresolvable host is a dns failure', async () => {
  await withConfig({});
  // .invalid never resolves (RFC 6761); the timeout is generous so a slow resolver still answers first.
  const result = await health({ url: 'http://no-such-host.invalid/health', attempts: 1, timeout_ms: 15_000 });
  expect(result.status).toBe('unhealthy');
  expect(result.targets[0].outcome).toBe('dns');
});

it('a malformed URL, a non-http scheme, or nothing configured is isError with a hint', async () => {
  await withConfig({});
  for (const url of ['http://exa mple.com:99999', 'ftp://example.com/health']) {
    const result = await pair.call('check_backend_health', { url });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^invalid_argument: /);
    expect(textOf(result)).toContain('Hint:');
  }
  const nothing = await pair.call('check_backend_health', {});
  expect(nothing.isError).toBe(true);
  expect(textOf(nothing)).toContain('nothing_configured');
  const badStatus = await pair.call('check_backend_health', { url: 'http://127.0.0.1:1', expect_status: 'abc' });
  expect(textOf(badStatus)).toContain('invalid_argument');
  // The server answers the next call.
  expect((await pair.client.listTools()).tools.length).toBeGreaterThan(0);
});

it('a broken config is reported instead of guessing', async () => {
  await withConfig({ baseUrl: 'not a url' });
  const result = await pair.call('check_backend_health', {});
  expect(result.isError).toBe(true);
  expect(textOf(result)).toContain('config_invalid');
  expect(textOf(result)).toContain('baseUrl');
});
