// The HTML report a reviewer opens from a CI artifact: it parses as HTML5 without an error, holds
// every failure (past the answer's cap), loads nothing from anywhere (no script, no external URL, a
// CSP that forbids both), is navigable by iteration and folder, masks secrets, and renders in a real
// headless Chromium with the verdict banner and the chart visible in the screenshot.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, type ParserError } from 'parse5';
import { PNG } from 'pngjs';
import { HTML_COLOURS } from '../../src/core/reports/html-report.js';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { closedPort, startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const CLI = path.resolve('dist/cli.cjs');
const exec = promisify(execFile);
const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const SECRET = 'html-secret-value-4242';
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));

let backend: TestServer;
let ws: TempWorkspace;
let html: string;
let json: ReturnType<typeof RunSummarySchema.parse> & { requests?: unknown[] };
let code: number;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status, echo: req.headers['x-token'] ?? null }));
  });
  const down = await closedPort();
  ws = createTempWorkspace('Test_Task5_');
  ws.write('.postman.json', { baseUrl: backend.url, environment: 'env.json' });
  ws.write('env.json', { name: 'Local', values: [{ key: 'token', value: SECRET, type: 'secret' }] });
  const request = (name: string, status: number) => ({
    name,
    request: { method: 'GET', url: `{{baseUrl}}/?status=${status}`, header: [{ key: 'x-token', value: '{{token}}' }] },
    event: [{ listen: 'test', script: { exec: ["pm.test('status is 200', () => pm.response.to.have.status(200));", `pm.test('<b>escaped</b> & "quoted"', () => pm.expect(${status}).to.be.below(400));`] } }],
  });
  ws.write('html.postman_collection.json', {
    info: { name: 'HTML <report> & "co"', schema: SCHEMA },
    item: [
      { name: 'Users', item: [request('list', 200), request('create', 500), request('get', 404)] },
      { name: 'Orders', item: [request('list', 200), ...Array.from({ length: 5 }, (_, i) => request(`broken ${i}`, 503))] },
      { name: 'unreachable', request: { method: 'GET', url: `http://127.0.0.1:${down}/` } },
      { name: 'Orders', item: [request('same-named folder', 200)] },
    ],
  });
  const run = await exec(process.execPath, [CLI, 'run', 'html.postman_collection.json', '-n', '2', '--no-history', '-r', 'json,html', '--reporter-html-export', 'report.html', '--reporter-json-export', 'report.json'], { cwd: ws.dir, env: { PATH: process.env.PATH ?? '' } }).then(
    () => 0,
    (error: { code: number }) => error.code,
  );
  code = run;
  html = readFileSync(ws.path('report.html'), 'utf8');
  json = JSON.parse(readFileSync(ws.path('report.json'), 'utf8'));
}, 90_000);
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

it('is HTML5 without a parse error, titled with the verdict', () => {
  expect(code).toBe(1);
  const errors: ParserError[] = [];
  parse(html, { onParseError: (error) => errors.push(error) });
  expect(errors).toEqual([]);
  expect(html).toMatch(/<title>ERRORED · HTML &lt;report&gt; &amp; &quot;co&quot; — postman-power<\/title>/);
});

it('holds every failure (more than an answer shows), each linked to its request', () => {
  const summary = RunSummarySchema.parse(json);
  // 2 iterations × (create and get: 2 + 2, the five broken: 5 × 2, the unreachable request: 1) = 30, past the cap of 20.
  expect(summary.failures.length).toBe(30);
  const ids = new Set([...html.matchAll(/ id="(r-\d+)"/g)].map((match) => match[1]));
  expect(ids.size).toBe(summary.stats.requests.total);
  const list = html.slice(html.indexOf('<section id="failures">'), html.indexOf('</section>', html.indexOf('<section id="failures">')));
  expect(list.match(/<li>/g)).toHaveLength(30);
  for (const failure of summary.failures) {
    expect(ids).toContain(`r-${failure.requestIndex}`);
    expect(list).toContain(`href="#r-${failure.requestIndex}"`);
  }
  expect(list).toContain('&lt;b&gt;escaped&lt;/b&gt; &amp; &quot;quoted&quot;');
  expect(html).toContain('<h2>Failures (30)</h2>');
});

it('loads nothing: no script, no external resource, a CSP forbidding both', () => {
  expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i);
  // Every src/href is an anchor in the page; request URLs appear only as text.
  for (const match of html.matchAll(/\s(?:src|href|action|xlink:href|srcset)\s*=\s*"([^"]*)"/gi)) expect(match[1]).toMatch(/^#/);
  expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
});

it('is navigable by iteration and folder (a folder name met again gets its own anchor); requests are collapsible', () => {
  for (const iteration of [0, 1]) expect(html).toContain(`<h3 id="it-${iteration}">Iteration ${iteration + 1} of 2</h3>`);
  const anchors = [...html.matchAll(/<a href="#(it-\d+-f-\d+)">/g)].map((match) => match[1]);
  expect(anchors.length).toBe(8);
  for (const anchor of anchors) expect(html).toContain(`<h4 id="${anchor}">`);
  expect(html.match(/<details /g)).toHaveLength(json.stats.requests.total);
  // Failed requests are marked; their headers and bodies are inside.
  expect(html).toMatch(/<details id="r-\d+" class="failed"><summary><span class="fail">✗<\/span> GET create — 500/);
  expect(html).toContain('<h5>Response body</h5>');
});

it('masks secrets in headers, bodies and everywhere else', () => {
  expect(html).not.toContain(SECRET);
  expect(html).toContain('<tr><th>x-token</th><td>****</td></tr>');
});

(CHROMIUM ? it : it.skip)(`renders in headless Chromium: the verdict banner and the chart are on the screenshot${CHROMIUM ? '' : ' (skipped: no chromium installed; .ci/run installs it)'}`, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'postman-power-chromium-'));
  try {
    const shot = path.join(dir, 'shot.png');
    await exec(
      CHROMIUM!,
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${path.join(dir, 'profile')}`, '--window-size=1200,1400', `--screenshot=${shot}`, `file://${ws.path('report.html')}`],
      { timeout: 60_000 },
    );
    const png = PNG.sync.read(readFileSync(shot));
    const hex = (colour: string) => [1, 3, 5].map((at) => parseInt(colour.slice(at, at + 2), 16));
    const count = (colour: string, rows: [number, number]) => {
      const [r, g, b] = hex(colour);
      let n = 0;
      for (let y = rows[0]; y < Math.min(rows[1], png.height); y += 1) {
        for (let x = 0; x < png.width; x += 1) {
          const at = (y * png.width + x) * 4;
          if (png.data[at] === r && png.data[at + 1] === g && png.data[at + 2] === b) n += 1;
        }
      }
      return n;
    };
    // The banner (an errored run is red) fills the top rows; the chart has green and red bars.
    expect(count(HTML_COLOURS.verdict.failed, [0, 40])).toBeGreaterThan(png.width * 30);
    expect(count(HTML_COLOURS.bar.failed, [0, png.height])).toBeGreaterThan(50);
    expect(count(HTML_COLOURS.bar.passed, [0, png.height])).toBeGreaterThan(50);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
