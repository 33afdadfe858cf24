// The CLI flags real projects' run scripts pass to newman, given to newman 6's CLI and to ours on the
// same fixture and server: same exit codes, same exported environment, globals and cookie jar
// entries. The collection is fetched from an http:// URL; the data and globals are files outside
// the current directory; the upload resolves against --working-dir.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const exec = promisify(execFile);
const OURS = path.resolve('dist/cli.cjs');
const NEWMAN = path.resolve('node_modules/newman/bin/newman.js');
const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

let backend: TestServer;
let files: TempWorkspace;
let cwd: TempWorkspace;
let collection: unknown;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/collection.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(collection));
    }
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: '/echo' });
      return res.end();
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'session=abc123; Path=/' });
      res.end(JSON.stringify({ query: Object.fromEntries(url.searchParams), uploaded: body.includes('hello from the working dir') }));
    });
  });
  files = createTempWorkspace('Test_Task5_');
  cwd = createTempWorkspace('Test_Task5_');
  files.write('work/upload.txt', 'hello from the working dir');
  files.write('globals.json', { name: 'G', values: [{ key: 'fromFile', value: 'file-global' }] });
  collection = {
    info: { name: 'Flags', schema: SCHEMA },
    item: [
      {
        name: 'redirect not followed',
        request: { method: 'GET', url: `${backend.url}/redirect` },
        event: [{ listen: 'test', script: { exec: ["pm.test('302', () => pm.response.to.have.status(302));"] } }],
      },
      {
        name: 'vars',
        request: { method: 'GET', url: `${backend.url}/echo?e={{envv}}&g={{globv}}&f={{fromFile}}` },
        event: [
          {
            listen: 'test',
            script: {
              exec: [
                "const q = pm.response.json().query;",
                "pm.test('env var', () => pm.expect(q.e).to.eql('E1'));",
                "pm.test('global var', () => pm.expect(q.g).to.eql('G1'));",
                "pm.test('globals file', () => pm.expect(q.f).to.eql('file-global'));",
                "pm.environment.set('exported', 'yes');",
                "pm.globals.set('gexported', 'yes');",
              ],
            },
          },
        ],
      },
      {
        name: 'upload',
        request: { method: 'POST', url: `${backend.url}/upload`, body: { mode: 'formdata', formdata: [{ key: 'f', type: 'file', src: 'upload.txt' }] } },
        event: [{ listen: 'test', script: { exec: ["pm.test('uploaded', () => pm.expect(pm.response.json().uploaded).to.be.true);", "pm.test('fails on purpose', () => pm.expect(1).to.eql(2));"] } }],
      },
    ],
  };
});
afterAll(async () => {
  files.cleanup();
  cwd.cleanup();
  await backend.close();
});

async function run(binary: string, extra: string[], prefix: string): Promise<{ code: number; environment: Record<string, unknown>; globals: Record<string, unknown>; cookies: string }> {
  const args = [
    binary, 'run', `${backend.url}/collection.json`,
    '--env-var', 'envv=E1', '--global-var', 'globv=G1', '-g', files.path('globals.json'),
    '--working-dir', files.path('work'), '--ignore-redirects', '--timeout-request', '5000', '--delay-request', '5',
    '--export-environment', cwd.path(`${prefix}-env.json`), '--export-globals', cwd.path(`${prefix}-globals.json`), '--export-cookie-jar', cwd.path(`${prefix}-jar.json`),
    ...extra,
  ];
  const result = await exec(process.execPath, args, { cwd: cwd.dir, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }).then(
    () => 0,
    (error: { code: number }) => error.code,
  );
  const values = (file: string) => Object.fromEntries((JSON.parse(readFileSync(cwd.path(file), 'utf8')).values as Array<{ key: string; value: unknown }>).map((v) => [v.key, v.value]));
  return { code: result, environment: values(`${prefix}-env.json`), globals: values(`${prefix}-globals.json`), cookies: readFileSync(cwd.path(`${prefix}-jar.json`), 'utf8') };
}

it('same exit code and exports as newman, with and without -x', async () => {
  const theirs = await run(NEWMAN, [], 'newman');
  const ours = await run(OURS, [], 'ours');
  expect(theirs.code).toBe(1);
  expect(ours.code).toBe(theirs.code);
  expect(ours.environment).toEqual(theirs.environment);
  expect(ours.environment).toMatchObject({ envv: 'E1', exported: 'yes' });
  expect(ours.globals).toEqual(theirs.globals);
  const cookies = (jar: string) => (JSON.parse(jar).cookies as Array<{ key: string; value: string }>).map((c) => `${c.key}=${c.value}`);
  expect(cookies(ours.cookies)).toEqual(cookies(theirs.cookies));
  expect(cookies(ours.cookies)).toEqual(['session=abc123']);
  expect((await run(NEWMAN, ['-x'], 'newman-x')).code).toBe(0);
  expect((await run(OURS, ['-x'], 'ours-x')).code).toBe(0);
}, 120_000);

it('bare-array globals and environment files (an older export) and an unnamed item: read and reported as newman does', async () => {
  files.write('bare-globals.json', [{ key: 'g', value: 'from-bare-globals' }]);
  files.write('bare-env.json', [{ key: 'e', value: 'from-bare-env', enabled: true }]);
  files.write('unnamed.json', {
    info: { name: 'Unnamed', schema: SCHEMA },
    item: [
      {
        request: { method: 'GET', url: `${backend.url}/echo?e={{e}}&g={{g}}` },
        event: [{ listen: 'test', script: { exec: ["const q = pm.response.json().query;", "pm.test('env from a bare array', () => pm.expect(q.e).to.eql('from-bare-env'));", "pm.test('globals from a bare array', () => pm.expect(q.g).to.eql('from-bare-globals'));"] } }],
      },
      { name: 'named', request: { method: 'GET', url: `${backend.url}/echo` } },
    ],
  });
  const report = async (binary: string, prefix: string) => {
    const args = [binary, 'run', files.path('unnamed.json'), '-e', files.path('bare-env.json'), '-g', files.path('bare-globals.json'), '-r', 'json', '--reporter-json-export', cwd.path(`${prefix}-report.json`)];
    const code = await exec(process.execPath, args, { cwd: cwd.dir, env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }).then(() => 0, (error: { code: number }) => error.code);
    return { code, report: JSON.parse(readFileSync(cwd.path(`${prefix}-report.json`), 'utf8')) };
  };
  const theirs = await report(NEWMAN, 'bare-newman');
  const ours = await report(OURS, 'bare-ours');
  expect(theirs.code).toBe(0);
  expect(ours.code).toBe(theirs.code);
  expect(ours.report.stats.assertions).toMatchObject({ total: theirs.report.run.stats.assertions.total, failed: 0 });
  const newmanNames = theirs.report.run.executions.map((execution: { item: { name?: string } }) => execution.item.name);
  expect(newmanNames).toEqual([undefined, 'named']);
  expect(ours.report.requests.map((request: { name?: string }) => request.name)).toEqual(newmanNames);
}, 120_000);
