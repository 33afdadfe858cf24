// The CLI reporter as a person and a CI log see it: per-request lines, ✓ and numbered failures,
// console inline, the summary table, the failure list and its limits, --verbose with credentials
// masked, --silent, colour only when asked, report exports and unknown reporters.
import { execFile } from 'node:child_process';
import { jest } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { LiveReporter, PROGRESS_AFTER_MS } from '../../src/cli/live-reporter.js';
import { RunSummarySchema, type RequestEvent } from '../../src/core/results/summary.js';
import { SecretSet } from '../../src/core/redact.js';
import { CLI, runCli } from '../support/cli.js';
import { closedPort, startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const exec = promisify(execFile);
const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const API_KEY = 'sekret-key-123456';
const TOKEN = 'tok-abcdef-987654';
/** Not a secret-typed variable: only the credential-header rule keeps it out. */
const HEADER_KEY = 'plain-header-key-42';
const ANSI = /\u001b\[/;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, ws.dir, env);

const test = (name: string, exec: string[]) => ({ listen: 'test', script: { exec } });
const status200 = "pm.test('200', () => pm.response.to.have.status(200));";

let backend: TestServer;
let ws: TempWorkspace;
let down: number;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const missing = (req.url ?? '').startsWith('/missing');
    res.writeHead(missing ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(missing ? { error: 'not here' } : { ok: true }));
  });
  down = await closedPort();
  ws = createTempWorkspace('Test_Task5_');
  ws.write('.postman.json', { baseUrl: backend.url, environment: 'env.json' });
  ws.write('env.json', { name: 'Local', values: [{ key: 'apiKey', value: API_KEY, type: 'secret' }, { key: 'token', value: TOKEN, type: 'secret' }] });
  ws.write('reporter.postman_collection.json', {
    info: { name: 'Reporter', schema: SCHEMA },
    item: [
      {
        name: 'Users',
        item: [
          { name: 'ok', request: { method: 'GET', url: '{{baseUrl}}/ok' }, event: [test('ok', ["console.log('hello', {a: 1});", "console.warn('careful');", status200])] },
          {
            name: 'missing',
            request: { method: 'POST', url: '{{baseUrl}}/missing', header: [{ key: 'x-api-key', value: HEADER_KEY }, { key: 'x-key-of-env', value: '{{apiKey}}' }, { key: 'content-type', value: 'application/json' }], body: { mode: 'raw', raw: '{"token":"{{token}}"}' } },
            event: [test('missing', [status200, "pm.test('has id', () => pm.expect(pm.response.json().id).to.eql(5));"])],
          },
          { name: 'throws', request: { method: 'GET', url: '{{baseUrl}}/ok' }, event: [test('throws', ["throw new TypeError('boom');"])] },
        ],
      },
      { name: 'down', request: { method: 'GET', url: `http://127.0.0.1:${down}/x` } },
    ],
  });
  ws.write('many.postman_collection.json', {
    info: { name: 'Many', schema: SCHEMA },
    item: Array.from({ length: 25 }, (_, i) => ({ name: `m${i + 1}`, request: { method: 'GET', url: '{{baseUrl}}/missing' }, event: [test('m', [status200])] })),
  });
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

describe('outside a terminal (a CI log)', () => {
  let run: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    run = await cli(['run', 'reporter.postman_collection.json', '--no-history']);
  }, 60_000);

  it('prints each request as newman does: folder, request, METHOD url [status, size, time], ✓ and numbered failures', () => {
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Reporter · environment Local · 4 requests');
    expect(lines).toContain('❏ Users');
    expect(lines).toContain('↳ ok');
    expect(lines.find((line) => line.startsWith('  GET ') && line.includes('/ok '))).toMatch(/^ {2}GET http:\/\/127\.0\.0\.1:\d+\/ok \[200 OK, \d+B, \d+ms\]$/);
    expect(lines).toContain('  ✓  200');
    expect(lines.find((line) => line.startsWith('  POST '))).toMatch(/\/missing \[404 Not Found, \d+B, \d+ms\]$/);
    // Failures are numbered in run order, errors (script, request) included.
    expect(lines).toEqual(expect.arrayContaining(['  1. 200', '  2. has id', '  3. script error: test script: TypeError: boom']));
    expect(lines.find((line) => line.startsWith('  4. request error: '))).toMatch(/ECONNREFUSED/);
    // A top-level request after a folder stands apart from it.
    expect(lines[lines.indexOf('↳ down') - 1]).toBe('');
  });

  it('shows the scripts\' console inline under its request', () => {
    const lines = run.stdout.split('\n');
    const at = lines.indexOf('↳ ok');
    expect(lines.slice(at, at + 6)).toEqual(expect.arrayContaining(['  │ hello {"a":1}', '  │ warn: careful']));
  });

  it('ends with the summary table, the numbered failures and the verdict; no colour or cursor codes', () => {
    expect(run.stdout).not.toMatch(ANSI);
    expect(run.stdout).toMatch(/│\s+requests │\s+4 │\s+1 │/);
    expect(run.stdout).toMatch(/│\s+test-scripts │\s+3 │\s+1 │/);
    expect(run.stdout).toMatch(/│\s+assertions │\s+3 │\s+2 │/);
    expect(run.stdout).toMatch(/average response time: \d+ms \[min: \d+ms, max: \d+ms\]/);
    expect(run.stdout).toMatch(/ {2}1\. AssertionError {2}200\n {6}expected response to have status code 200 but got 404\n {6}expected 200, actual 404\n {6}at Users\/missing \[POST http:\/\/127\.0\.0\.1:\d+\/missing → 404\]/);
    expect(run.stdout).toMatch(/ {2}4\. RequestError/);
    expect(run.stdout).toMatch(/^Run errored: "Reporter"/m);
  });

  it('never prints a secret, and does not print headers or bodies unless --verbose', () => {
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
    expect(run.stdout).not.toContain('x-api-key');
  });
});

it('--verbose prints headers and bodies, with credential headers and secret values masked', async () => {
  const { code, stdout, stderr } = await cli(['run', 'reporter.postman_collection.json', '--no-history', '--verbose']);
  expect(code).toBe(1);
  expect(stdout).toContain('  ┌ request\n');
  expect(stdout).toContain('  │ x-api-key: ****\n');
  expect(stdout).toContain('  │ x-key-of-env: ****\n');
  expect(stdout + stderr).not.toContain(HEADER_KEY);
  expect(stdout).toContain('  │ {"token":"****"}\n');
  expect(stdout).toContain('  │ {"error":"not here"}\n');
  expect(stdout + stderr).not.toContain(API_KEY);
  expect(stdout + stderr).not.toContain(TOKEN);
}, 60_000);

it('--silent prints nothing and keeps the exit code; --color on colours even a log', async () => {
  const [silent, coloured, off] = await Promise.all([
    cli(['run', 'reporter.postman_collection.json', '--no-history', '--silent']),
    // NO_COLOR is for "auto"; "on" was asked for.
    cli(['run', 'reporter.postman_collection.json', '--no-history', '--color', 'on'], { NO_COLOR: '1' }),
    cli(['run', 'reporter.postman_collection.json', '--no-history', '--color', 'off']),
  ]);
  expect(silent.code).toBe(1);
  expect(silent.stdout).toBe('');
  expect(coloured.stdout).toMatch(ANSI);
  expect(coloured.stdout).toContain('\u001b[32m✓\u001b[39m');
  expect(off.stdout).not.toMatch(ANSI);
}, 60_000);

it.each([
  [[] as string[], 20, '… and 5 more failures (--all-failures, or --max-failures N, to list them).'],
  [['--max-failures', '3'], 3, '… and 22 more failures'],
  [['--all-failures'], 25, undefined],
])('the failure list: %j lists %i of 25', async (flags, listed, more) => {
  const { code, stdout } = await cli(['run', 'many.postman_collection.json', '--no-history', ...flags]);
  expect(code).toBe(1);
  expect(stdout.match(/^ {1,3}\d+\. AssertionError/gm)).toHaveLength(listed);
  // Live lines number every failure, whatever the list at the end shows.
  expect(stdout).toContain('  25. 200');
  if (more) expect(stdout).toContain(more);
  else expect(stdout).not.toMatch(/more failures/);
}, 60_000);

it('--reporter-<name>-export writes each report where asked (a folder gets the default name); the paths are printed', async () => {
  const { code, stdout } = await cli(['run', 'reporter.postman_collection.json', '--no-history', '-r', 'cli', '--reporter-junit-export', 'out/junit.xml', '--reporter-json-export', 'out/json/', '--reporter-html-export', 'out/report.html']);
  expect(code).toBe(1);
  expect(existsSync(ws.path('out/junit.xml'))).toBe(true);
  expect(existsSync(ws.path('out/report.html'))).toBe(true);
  const [json] = readdirSync(ws.path('out/json'));
  expect(json).toMatch(/^run-.*\.json$/);
  expect(JSON.parse(readFileSync(ws.path(`out/json/${json}`), 'utf8')).stats.requests.total).toBe(4);
  expect(stdout).toContain('JUnit report: out/junit.xml');
  expect(stdout).toContain(`JSON report: out/json/${json}`);
  expect(stdout).toContain('HTML report: out/report.html');
  expect(readFileSync(ws.path('out/report.html'), 'utf8')).not.toContain(API_KEY);
}, 60_000);

it('a report that cannot be written where asked is said on stderr and exits 2, even without the cli reporter (and never hangs)', async () => {
  ws.write('a-file', 'not a folder');
  // Under a file (ENOTDIR), and under /proc, where Node 20's recursive mkdir would spin forever.
  const [underFile, underProc] = await Promise.all([
    cli(['run', 'reporter.postman_collection.json', '--no-history', '-r', 'junit', '--reporter-junit-export', 'a-file/junit.xml']),
    cli(['run', 'reporter.postman_collection.json', '--no-history', '-r', 'junit', '--reporter-junit-export', '/proc/postman-power-nope/junit.xml']),
  ]);
  expect(underFile.code).toBe(2);
  expect(underFile.stderr).toMatch(/Could not write reports: Cannot write the junit report to a-file\/junit\.xml: ENOTDIR/);
  expect(underProc.code).toBe(2);
  expect(underProc.stderr).toMatch(/Cannot write the junit report to \/proc\/postman-power-nope\/junit\.xml: ENOENT/);
  ws.write('shard.json', JSON.parse(readFileSync(ws.path(`out/json/${readdirSync(ws.path('out/json'))[0]}`), 'utf8')));
  const merged = await cli(['merge-reports', 'shard.json', '--reporter-html-export', 'a-file/r.html']);
  expect(merged.code).toBe(2);
  expect(merged.stderr).toMatch(/file_unwritable: Cannot write the html report to a-file\/r\.html: ENOTDIR\nHint: /);
}, 60_000);

it('an unknown reporter is a usage error naming the known ones, and nothing runs', async () => {
  const { code, stdout, stderr } = await cli(['run', 'reporter.postman_collection.json', '--no-history', '-r', 'cli,xml']);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toMatch(/Unknown reporter: xml/);
  expect(stderr).toMatch(/cli, junit, json, html/);
}, 60_000);

// A real pseudo-terminal (util-linux `script`), a real run slower than a second: what a person sees.
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((file) => existsSync(file));
(SCRIPT ? it : it.skip)(`on a real terminal: colour, the progress bar, every request line and the table${SCRIPT ? '' : ' (skipped: no util-linux script to make a terminal)'}`, async () => {
  const slow = await startServer((req, res) => {
    setTimeout(() => {
      res.writeHead((req.url ?? '').startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    }, 150);
  });
  try {
    ws.write('slow.postman_collection.json', {
      info: { name: 'Slow', schema: SCHEMA },
      item: Array.from({ length: 10 }, (_, i) => ({ name: `s${i + 1}`, request: { method: 'GET', url: `${slow.url}/${i === 4 ? 'missing' : 'ok'}` }, event: [test('s', [status200])] })),
    });
    const command = `${process.execPath} ${CLI} run slow.postman_collection.json --no-history`;
    const { stdout } = await exec(SCRIPT!, ['-q', '-e', '-c', command, '/dev/null'], { cwd: ws.dir, env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', COLUMNS: '120' }, timeout: 60_000 }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(stdout).toMatch(/\u001b\[32m✓\u001b\[39m/);
    expect(stdout).toMatch(/\u001b\[\?25l/);
    expect(stdout).toMatch(/\d+\/10 requests · /);
    const plain = stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    for (let i = 1; i <= 10; i += 1) expect(plain).toContain(`↳ s${i}\n`);
    expect(plain).toContain('  1. 200');
    expect(plain).toMatch(/│\s+requests │\s+10 │\s+0 │/);
    expect(plain).toMatch(/Run failed: "Slow"/);
  } finally {
    await slow.close();
  }
}, 60_000);

describe('on a terminal', () => {
  const event = (index: number, failed: boolean): RequestEvent => ({
    index,
    record: { iteration: 0, folder: 'F', name: `r${index}`, method: 'GET', url: `http://x/${index}`, code: failed ? 500 : 200, timeMs: 5, sizeBytes: 10, assertions: { passed: failed ? 0 : 1, failed: failed ? 1 : 0, skipped: 0 }, ...(failed ? { failures: [{ kind: 'assertion' as const, assertion: 'ok', message: 'expected 500 to equal 200' }] } : {}) },
    status: failed ? 'Internal Server Error' : 'OK',
    assertions: [{ name: 'ok', outcome: failed ? 'failed' : 'passed' }],
    console: [],
    consoleOmitted: 0,
    scripts: { prerequest: 0, test: 1 },
    scriptErrors: { prerequest: 0, test: 0 },
  });
  const summary = RunSummarySchema.parse({
    runId: 'r', status: 'failed', collection: { name: 'C', source: { kind: 'local', ref: 'c.json' } }, startedAt: '2026-11-30T00:00:00.000Z', durationMs: 2500,
    stats: { iterations: 1, requests: { total: 4 }, assertions: { total: 4, failed: 1 } },
  });
  const terminal = () => {
    const written: string[] = [];
    const stream = Object.assign(new Writable({ write: (chunk: Buffer, _: unknown, done: () => void) => (written.push(chunk.toString()), done()) }), { isTTY: true, columns: 100 });
    return { stream, text: () => written.join('') };
  };

  it('a run past one second gets a progress bar (cursor codes, done/total); every request line still arrives, then the table', () => {
    const { stream, text } = terminal();
    let clock = 0;
    const reporter = new LiveReporter({ stream, colour: true, verbose: false, maxFailures: 20, secrets: new SecretSet(), now: () => clock });
    // The bar redraws on cli-progress's own timer (10 times a second).
    jest.useFakeTimers();
    try {
      reporter.start('C', undefined, 4);
      reporter.request(event(0, false), 1);
      jest.advanceTimersByTime(500);
      expect(text()).not.toMatch(/requests ·/);
      clock = PROGRESS_AFTER_MS;
      reporter.request(event(1, true), 1);
      reporter.request(event(2, false), 1);
      jest.advanceTimersByTime(200);
      expect(text()).toMatch(/\u001b\[\?25l/);
      expect(text()).toMatch(/[█░]+ 3\/4 requests · /);
      reporter.request(event(3, false), 1);
    } finally {
      reporter.finish(summary, []);
      jest.useRealTimers();
    }
    const plain = text().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    for (const name of ['r0', 'r1', 'r2', 'r3']) expect(plain).toContain(`↳ ${name}`);
    expect(plain).toContain('  1. ok');
    expect(plain).toMatch(/│\s+test-scripts │\s+4 │\s+0 │/);
    expect(plain).toMatch(/Run failed: "C"/);
  });

  it('a short run prints its lines without a bar; colour follows the option', () => {
    const { stream, text } = terminal();
    const reporter = new LiveReporter({ stream, colour: false, verbose: false, maxFailures: 20, secrets: new SecretSet(), now: () => 0 });
    reporter.start('C', undefined, 2);
    reporter.request(event(0, false), 1);
    reporter.request(event(1, true), 1);
    reporter.finish(summary, []);
    expect(text()).not.toMatch(ANSI);
    expect(text()).toContain('  GET http://x/1 [500 Internal Server Error, 10B, 5ms]\n  1. ok\n');
  });

  it('masks what it is given and every line it writes (the CLI masks nowhere else)', () => {
    const { stream, text } = terminal();
    const secrets = new SecretSet().add('http://x/0');
    const reporter = new LiveReporter({ stream, colour: false, verbose: false, maxFailures: 20, secrets, now: () => 0 });
    reporter.start('collection http://x/0', 'env http://x/0', 1);
    reporter.request(event(0, true), 1);
    reporter.finish(summary, []);
    expect(text()).toContain('GET ****');
    expect(text()).not.toContain('http://x/0');
  });
});
