// Confinement, bounds and no crash (the attacker's repository and the misbehaving client): every file
// read confined (v12 trees, .postman.json, uploads, reports), FIFOs refused without hanging, depth
// bombs refused with the limit named, oversized and malformed JSON-RPC answered, huge collections
// outlined under a budget, huge responses cut off, and unexpected faults logged while the server
// keeps serving.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { MAX_FOLDER_NESTING, MAX_VALUE_DEPTH } from '../../../src/core/bounds.js';
import { OutlineSchema } from '../../../src/core/sources/outline.js';
import { RunSummarySchema } from '../../../src/core/results/summary.js';
import { startServer, type TestServer } from '../../support/http-server.js';
import { connectPair, textOf, type ConnectedPair } from '../../support/mcp-client.js';
import { INITIALIZE, spawnServer } from '../../support/raw-stdio.js';
import { useWorkspaceAndOutside, type TempWorkspace } from '../../support/temp-workspace.js';

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const TEST_SERVER = path.resolve('__tests__/support/serve-test.mjs');
const OUTSIDE_SECRET = 'postgres://admin:outside-password-42@db';

let ws: TempWorkspace;
let outside: TempWorkspace;
let backend: TestServer;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    if (req.url?.startsWith('/huge')) {
      // 200 MB, streamed: the run must stop reading long before the end.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(1024 * 1024, 97);
      let sent = 0;
      const pump = () => {
        while (sent < 200 && res.write(chunk)) sent += 1;
        if (sent >= 200) res.end();
        else res.once('drain', () => {
          sent += 1;
          pump();
        });
      };
      res.on('close', () => res.removeAllListeners('drain'));
      return pump();
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, bytes: body.length }));
    });
  });
});
afterAll(() => backend.close());
useWorkspaceAndOutside('Test_Task5_', (workspace, other) => {
  ws = workspace;
  outside = other;
});

const request = (name: string, url = `${backend.url}/ok`) => ({ name, request: { method: 'GET', url } });
const collection = (item: unknown[], extra: Record<string, unknown> = {}) => ({ info: { name: 'C', schema: SCHEMA }, item, ...extra });

async function withPair<T>(fn: (pair: ConnectedPair) => Promise<T>, env: Record<string, string> = {}): Promise<T> {
  const pair = await connectPair({ cwd: ws.dir, env, watchConfig: false });
  try {
    return await fn(pair);
  } finally {
    await pair.close();
  }
}

describe('v12 collection directories are read through the confined reader', () => {
  const v3 = () => {
    ws.write('api/.resources/definition.yaml', 'name: API\n');
    ws.write('api/Users/List users.request.yaml', `$kind: http-request\nmethod: GET\nurl: ${backend.url}/ok\n`);
  };
  it.each([
    ['a symlinked definition', () => ws.symlink(outside.write('definition.yaml', `name: Outside\nvariables:\n  db: ${OUTSIDE_SECRET}\n`), 'api/.resources/definition.yaml')],
    ['a symlinked request file', () => ws.symlink(outside.write('r.request.yaml', `$kind: http-request\nmethod: GET\nurl: ${backend.url}/?db=${OUTSIDE_SECRET}\n`), 'api/Users/Outside.request.yaml')],
    ['a symlinked example', () => ws.symlink(outside.write('e.example.yaml', `name: ex\nresponse:\n  code: 200\n  body: ${OUTSIDE_SECRET}\n`), 'api/Users/.resources/List users.resources/examples/leak.example.yaml')],
    ['a symlinked folder', () => ws.symlink(outside.mkdir('folder'), 'api/Linked')],
  ])('%s pointing outside is refused and nothing of it is shown', async (_name, plant) => {
    v3();
    // The outside definition takes the real one's place.
    if (_name === 'a symlinked definition') execFileSync('rm', [ws.path('api/.resources/definition.yaml')]);
    if (_name === 'a symlinked folder') outside.write('folder/x.request.yaml', `$kind: http-request\nmethod: GET\nurl: ${backend.url}/?db=${OUTSIDE_SECRET}\n`);
    plant();
    await withPair(async (pair) => {
      for (const [tool, args] of [['get_collection', { collection: './api', detail: 'full' }], ['run_collection', { collection: './api', check_health: false }]] as const) {
        const result = await pair.call(tool, args);
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/^path_outside_workspace: /);
        expect(JSON.stringify(result)).not.toContain('outside-password-42');
      }
    });
  });
});

it('a .postman.json that is a symlink to a file outside is not read', async () => {
  ws.symlink(outside.write('credentials.json', { client_secret: 'outside-client-secret', refresh_token: 'outside-refresh-token', baseUrl: backend.url }), '.postman.json');
  await withPair(async (pair) => {
    const config = (await pair.client.readResource({ uri: 'postman://config' })).contents[0] as { text: string };
    expect(JSON.parse(config.text).errors[0].code).toBe('path_outside_workspace');
    expect(config.text).not.toMatch(/outside-client-secret|outside-refresh-token/);
    const activation = await pair.call('activate_power', {});
    expect(JSON.stringify(activation)).not.toMatch(/outside-client-secret|outside-refresh-token/);
  });
});

describe('named pipes are refused without waiting on them', () => {
  it('a FIFO collection, environment and data file: answered, and the server keeps reading files', async () => {
    ws.write('c.postman_collection.json', collection([request('one')]));
    for (const name of ['fifo.postman_collection.json', 'fifo.postman_environment.json', 'fifo.json']) execFileSync('mkfifo', [ws.path(name)]);
    await withPair(async (pair) => {
      // More calls than Node has file-I/O threads (4): a FIFO opened for reading would hold one each.
      for (let i = 0; i < 3; i += 1) {
        expect(textOf(await pair.call('get_collection', { collection: 'fifo.postman_collection.json' }))).toMatch(/^file_unreadable: .*named pipe/);
        expect(textOf(await pair.call('get_environment', { environment: 'fifo.postman_environment.json' }))).toMatch(/^file_unreadable: .*named pipe/);
        expect(textOf(await pair.call('run_collection', { collection: 'c.postman_collection.json', data: 'fifo.json', check_health: false }))).toMatch(/^file_unreadable: .*named pipe/);
      }
      const fine = await pair.call('get_collection', { collection: 'c.postman_collection.json' });
      expect(fine.isError).toBeFalsy();
    });
  }, 60_000);

  it('a FIFO .postman.json: every tool answers, and so does `postman-power config`', async () => {
    execFileSync('mkfifo', [ws.path('.postman.json')]);
    await withPair(async (pair) => {
      const result = await pair.call('get_collection', {});
      expect(textOf(result)).toMatch(/config_unreadable: .*named pipe/);
      expect((await pair.call('activate_power', {})).isError).toBeFalsy();
    });
    const cli = (() => {
      try {
        return execFileSync(process.execPath, [path.resolve('dist/cli.cjs'), 'config'], { cwd: ws.dir, timeout: 20_000, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        return `${(error as { stdout: string }).stdout}${(error as { stderr: string }).stderr}`;
      }
    })();
    expect(cli).toMatch(/named pipe/);
  }, 60_000);
});

describe('depth bombs are refused with the limit named, and the server lives', () => {
  it.each([
    ['a collection value 4000 levels deep (folders within the limit)', 'collection', () => ws.write('c.postman_collection.json', `{"info":{"name":"C","schema":"${SCHEMA}"},"variable":[{"key":"x","value":${'['.repeat(4000)}1${']'.repeat(4000)}}],"item":[{"name":"r","request":"${backend.url}/ok"}]}`), 'invalid_collection'],
    ['an environment value 4000 levels deep', 'environment', () => ws.write('e.postman_environment.json', `{"name":"E","values":[{"key":"x","value":${'['.repeat(4000)}1${']'.repeat(4000)}}]}`), 'invalid_environment'],
    ['a data file [{"a":[[[…]]]}]', 'data', () => ws.write('d.json', `[{"a":${'['.repeat(4000)}1${']'.repeat(4000)}}]`), 'invalid_data_file'],
  ])('%s', async (_name, kind, plant, code) => {
    ws.write('c.postman_collection.json', collection([request('one')]));
    plant();
    await withPair(async (pair) => {
      const args = kind === 'collection' ? ['get_collection', { collection: 'c.postman_collection.json' }] : kind === 'environment' ? ['run_collection', { collection: 'c.postman_collection.json', environment: 'e.postman_environment.json', check_health: false }] : ['run_collection', { collection: 'c.postman_collection.json', data: 'd.json', check_health: false }];
      const text = textOf(await pair.call(args[0] as string, args[1] as Record<string, unknown>));
      expect(text).toMatch(new RegExp(`^${code}: .*limit is ${MAX_VALUE_DEPTH}`));
      expect((await pair.call('activate_power', {})).isError).toBeFalsy();
    });
  });

  it(`a v12 folder tree ${MAX_FOLDER_NESTING + 50} levels deep`, async () => {
    const parts = Array.from({ length: MAX_FOLDER_NESTING + 50 }, (_, i) => `f${i}`);
    ws.write('api/.resources/definition.yaml', 'name: Deep\n');
    ws.write(path.join('api', ...parts, 'r.request.yaml'), `$kind: http-request\nmethod: GET\nurl: ${backend.url}/ok\n`);
    await withPair(async (pair) => {
      expect(textOf(await pair.call('get_collection', { collection: './api' }))).toMatch(new RegExp(`^invalid_collection: .*limit is ${MAX_FOLDER_NESTING}`));
      expect((await pair.call('activate_power', {})).isError).toBeFalsy();
    });
  });
});

describe('over real stdio', () => {
  it('an 11 MB line is answered with an error naming the limit and its id (read from the line\'s start), and a ping after it is answered', async () => {
    const server = spawnServer(ws.dir);
    try {
      server.send(INITIALIZE);
      await server.waitFor((m) => m.id === 'init');
      server.send({ jsonrpc: '2.0', id: 'huge', method: 'ping', params: { pad: 'x'.repeat(11 * 1024 * 1024) } });
      // The id after the huge member: not readable from the start, so answered with id null.
      server.send({ jsonrpc: '2.0', method: 'ping', params: { pad: 'x'.repeat(11 * 1024 * 1024) }, id: 'late-id' });
      server.send({ jsonrpc: '2.0', id: 'string-params', method: 'tools/call', params: 'activate_power' });
      server.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
      const refused = await server.waitFor((m) => m.id === 'huge' && m.error?.code === -32600, 60_000);
      expect(refused.error.message).toMatch(/10485760-byte limit/);
      expect((await server.waitFor((m) => m.id === null && m.error?.code === -32600, 60_000)).error.message).toMatch(/10485760-byte limit/);
      const malformed = await server.waitFor((m) => m.id === 'string-params', 60_000);
      expect(malformed.error.code).toBe(-32600);
      expect(await server.waitFor((m) => m.id === 'after', 60_000)).toMatchObject({ result: {} });
      expect(server.child.exitCode).toBeNull();
      expect(server.junk).toEqual([]);
    } finally {
      await server.close();
    }
  }, 90_000);

  it('faults nobody handles (a thrown exception, a rejection) are logged as internal_error and the server keeps serving', async () => {
    ws.write('c.postman_collection.json', collection([request('one')]));
    const server = spawnServer(ws.dir, {}, [TEST_SERVER, '--inject-faults']);
    try {
      server.send(INITIALIZE);
      await server.waitFor((m) => m.id === 'init');
      server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      server.send({ jsonrpc: '2.0', id: 'env', method: 'tools/call', params: { name: 'get_environment', arguments: {} } });
      const failed = await server.waitFor((m) => m.id === 'env');
      expect(failed.result.isError).toBe(true);
      expect(failed.result.content[0].text).toMatch(/^internal_error: injected synchronous fault/);
      server.send({ jsonrpc: '2.0', id: 'coll', method: 'tools/call', params: { name: 'get_collection', arguments: { collection: 'c.postman_collection.json' } } });
      expect((await server.waitFor((m) => m.id === 'coll')).result.isError).toBeFalsy();
      server.send({ jsonrpc: '2.0', id: 'ping', method: 'ping' });
      await server.waitFor((m) => m.id === 'ping');
      expect(server.stderr).toMatch(/internal_error: an uncaught exception .*injected uncaught exception/);
      expect(server.stderr).toMatch(/internal_error: an unhandled rejection .*injected unhandled rejection/);
      expect(server.child.exitCode).toBeNull();
    } finally {
      await server.close();
    }
  }, 60_000);
});

it('a 100 000-request collection is outlined under 200 KB, with exact totals and what was left out', async () => {
  const folders = Array.from({ length: 100 }, (_, f) => ({ name: `F${f}`, item: Array.from({ length: 1000 }, (_, r) => request(`r${r}`)) }));
  ws.write('big.postman_collection.json', collection(folders));
  await withPair(async (pair) => {
    const result = await pair.call('get_collection', { collection: 'big.postman_collection.json', detail: 'full' });
    const size = Buffer.byteLength(JSON.stringify(result));
    expect(size).toBeLessThan(200 * 1024);
    const outline = OutlineSchema.parse(result.structuredContent);
    expect(outline.totals.requests).toBe(100_000);
    expect(outline.omitted?.requests).toBe(100_000 - outline.requests.length);
    expect(outline.warnings?.join(' ')).toMatch(/Narrow it with folder/);
  });
}, 60_000);

it('a response over the limit fails its request with response_too_large', async () => {
  ws.write('c.postman_collection.json', collection([request('huge', `${backend.url}/huge`), request('after')]));
  ws.write('.postman.json', { collection: 'c.postman_collection.json', run: { maxResponseBytes: 5 * 1024 * 1024 } });
  await withPair(async (pair) => {
    const summary = RunSummarySchema.parse((await pair.call('run_collection', { check_health: false })).structuredContent);
    expect(summary.status).toBe('errored');
    expect(summary.stats.requests).toEqual({ total: 2, failed: 1 });
    expect(summary.failures[0].message).toMatch(/^response_too_large: .*5 MB limit/);
  });
}, 60_000);

it('an upload outside the workspace fails its request with the refusal', async () => {
  const secretFile = outside.write('secret.txt', 'outside file');
  ws.write('c.postman_collection.json', collection([{ name: 'upload', request: { method: 'POST', url: `${backend.url}/ok`, body: { mode: 'formdata', formdata: [{ key: 'f', type: 'file', src: secretFile }] } } }]));
  await withPair(async (pair) => {
    const summary = RunSummarySchema.parse((await pair.call('run_collection', { collection: 'c.postman_collection.json', check_health: false })).structuredContent);
    expect(summary.status).toBe('errored');
    expect(summary.failures[0]).toMatchObject({ kind: 'request_error', request: 'upload' });
    expect(summary.failures[0].message).toMatch(/refused/);
  });
}, 60_000);

it('reports are not written through a symlinked .postman-power/ that leads outside', async () => {
  ws.write('c.postman_collection.json', collection([request('one')]));
  ws.symlink(outside.mkdir('reports-target'), '.postman-power');
  await withPair(async (pair) => {
    const summary = RunSummarySchema.parse((await pair.call('run_collection', { collection: 'c.postman_collection.json', check_health: false, reporters: ['junit', 'json'] })).structuredContent);
    expect(summary.reports?.junit).toBeUndefined();
    expect(summary.warnings.join(' ')).toMatch(/Could not write reports: .*\.postman-power is a symbolic link/);
    expect(summary.warningCodes.reports_not_written).toMatch(/^Could not write reports/);
  });
  expect(readdirSync(outside.path('reports-target'))).toEqual([]);
  expect(existsSync(outside.path('reports-target', 'reports'))).toBe(false);
}, 60_000);

it('a v12 file with a field of the wrong type is invalid_collection naming the file and the field', async () => {
  ws.write('api/.resources/definition.yaml', 'name: API\n');
  ws.write('api/Users/List.request.yaml', `$kind: http-request\nmethod: GET\nurl: ${backend.url}/ok\nheaders: 42\n`);
  await withPair(async (pair) => {
    expect(textOf(await pair.call('get_collection', { collection: './api' }))).toMatch(/^invalid_collection: api\/Users\/List\.request\.yaml: headers /);
  });
});
