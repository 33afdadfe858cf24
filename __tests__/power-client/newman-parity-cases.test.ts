// Same results as newman on what newman runs: each behaviour the parity issue found different gets a
// fixture written here, run by newman 6 and by us against the same local echo server, compared on
// request count, request errors, assertion count, failed assertion names, script errors, iterations,
// item order and exit code.
import { writeFileSync } from 'node:fs';
import newman from 'newman';
import { PostmanPowerClient, type RunArgs } from '../../src/core/power-client.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';
import { sharedWorkers } from '../support/shared-workers.js';

interface Outcome {
  requests: number;
  requestErrors: number;
  assertions: number;
  failedAssertions: string[];
  scriptErrors: number;
  iterations: number;
  order: string[];
  exitCode: number;
}

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
let backend: TestServer;
let ws: TempWorkspace;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const status = /^\/status\/(\d{3})$/.exec(url.pathname)?.[1];
    res.writeHead(status ? Number(status) : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, path: decodeURIComponent(url.pathname), rawPath: req.url, headers: req.headers, query: Object.fromEntries(url.searchParams) }));
  });
  ws = createTempWorkspace('Test_Task3_');
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

const test = (name: string, code: string) => ({ listen: 'test', script: { exec: [`pm.test(${JSON.stringify(name)}, function () { ${code} });`] } });
const get = (name: string, url: string, ...tests: Array<[string, string]>) => ({ name, request: { method: 'GET', url }, event: tests.map(([n, c]) => test(n, c)) });

interface Case {
  files: Record<string, string | Buffer | object>;
  collection: string;
  environment?: string;
  data?: string;
  folders?: string[];
  iterations?: number;
}

async function runNewman(c: Case): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: ws.path(c.collection),
        ...(c.environment ? { environment: ws.path(c.environment) } : {}),
        ...(c.data ? { iterationData: ws.path(c.data) } : {}),
        ...(c.folders ? { folder: c.folders } : {}),
        ...(c.iterations ? { iterationCount: c.iterations } : {}),
        workingDir: ws.dir,
        reporters: [],
      } as never,
      (error: Error | null, summary: any) => {
        if (error) return reject(error);
        const stats = summary.run.stats;
        resolve({
          requests: stats.requests.total,
          requestErrors: stats.requests.failed,
          assertions: stats.assertions.total,
          failedAssertions: summary.run.failures.filter((f: any) => f.error?.name === 'AssertionError').map((f: any) => f.error.test).sort(),
          scriptErrors: stats.testScripts.failed + stats.prerequestScripts.failed,
          iterations: stats.iterations.total,
          order: summary.run.executions.map((e: any) => e.item.name),
          exitCode: summary.run.failures.length ? 1 : 0,
        });
      },
    );
  });
}

async function runOurs(c: Case): Promise<Outcome> {
  const client = new PostmanPowerClient({ env: {}, cwd: ws.dir, workers: sharedWorkers() });
  try {
    const args: RunArgs = { collection: c.collection, environment: c.environment, data: c.data, folders: c.folders, iterations: c.iterations, checkHealth: false };
    const started = await client.runCollection(args);
    if (!('handle' in started)) throw new Error('run did not start');
    const summary = await started.handle.promise;
    const records = started.handle.records();
    return {
      requests: summary.stats.requests.total,
      requestErrors: summary.stats.requests.failed,
      assertions: summary.stats.assertions.total,
      failedAssertions: summary.failures.filter((f) => f.kind === 'assertion').map((f) => f.assertion!).sort(),
      scriptErrors: summary.stats.scriptErrors,
      iterations: summary.stats.iterations,
      order: records.map((r) => r.name),
      exitCode: summary.status === 'passed' ? 0 : 1,
    };
  } finally {
    await client.close();
  }
}

function write(c: Case): void {
  for (const [file, content] of Object.entries(c.files)) {
    if (Buffer.isBuffer(content)) writeFileSync(ws.path(file), content);
    else ws.write(file, content);
  }
}

const collection = (item: unknown[], extra: Record<string, unknown> = {}) => ({ info: { name: 'Parity', schema: SCHEMA }, item, ...extra });

const CASES: Array<[string, () => Case]> = [
  ['1. an unparseable URL is one failed request, not a run of nothing', () => ({ files: { 'c1.json': collection([get('broken', 'http://[::1'), get('fine', `${backend.url}/ok`, ['200', 'pm.response.to.have.status(200)'])]) }, collection: 'c1.json' })],
  ['1. a unicode path and a short IPv4 host (127.1) go out as newman sends them', () => ({
    files: { 'c1b.json': collection([get('unicode', `${backend.url}/ünïcödé/päth`, ['200', 'pm.response.to.have.status(200)']), get('short host', `http://127.1:${backend.port}/short`, ['200', 'pm.response.to.have.status(200)'])]) },
    collection: 'c1b.json',
  })],
  ['2. "disabled": true in an environment file is not used', () => ({
    files: {
      'c2.json': collection([get('env', `${backend.url}/ok`, ['disabled unused', "pm.expect(pm.environment.get('greeting')).to.be.undefined"], ['enabled used', "pm.expect(pm.environment.get('name')).to.eql('ada')"])]),
      'e2.json': { name: 'E', values: [{ key: 'greeting', value: 'hi', disabled: true }, { key: 'name', value: 'ada' }] },
    },
    collection: 'c2.json',
    environment: 'e2.json',
  })],
  ['3. a UTF-16LE environment file with a BOM', () => ({
    files: {
      'c3.json': collection([get('env', `${backend.url}/ok`, ['read', "pm.expect(pm.environment.get('name')).to.eql('zoë')"])]),
      'e3.json': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ name: 'U', values: [{ key: 'name', value: 'zoë' }] }), 'utf16le')]),
    },
    collection: 'c3.json',
    environment: 'e3.json',
  })],
  ['4. CSV as newman reads it: BOM, trimmed cells, numbers cast, relaxed quotes', () => ({
    files: {
      'c4.json': collection([get('row', `${backend.url}/ok?id={{id}}`, ['id is a number', "pm.expect(pm.iterationData.get('id')).to.be.a('number')"], ['name trimmed', "pm.expect(pm.iterationData.get('name')).to.match(/^\\S.*\\S$/)"])]),
      'd4.csv': Buffer.from('\ufeffid, name\n1, Ada Lovelace \n2,Grace "Amazing" Hopper\n', 'utf8'),
    },
    collection: 'c4.json',
    data: 'd4.csv',
  })],
  ['4. CSV in a file without a .csv extension, and a header-only CSV', () => ({
    files: { 'c4b.json': collection([get('row', `${backend.url}/ok`, ['has column', "pm.expect(pm.iterationData.has('name') || true).to.be.true"])]), 'd4b.txt': 'name\n' },
    collection: 'c4b.json',
    data: 'd4b.txt',
  })],
  ['5. a collection without info', () => ({ files: { 'c5.json': { item: [get('bare', `${backend.url}/ok`, ['200', 'pm.response.to.have.status(200)'])] } }, collection: 'c5.json' })],
  ['6. a v1 collection is converted and run', () => ({
    files: { 'c6.json': { id: 'v1', name: 'Old', order: ['r1'], requests: [{ id: 'r1', name: 'legacy', method: 'GET', url: `${backend.url}/legacy`, tests: "tests['status 200'] = responseCode.code === 200;" }] } },
    collection: 'c6.json',
  })],
  ['7. selection takes requests by name, several, in collection order', () => ({
    files: { 'c7.json': collection([{ name: 'F', item: [get('a', `${backend.url}/a`), get('b', `${backend.url}/b`)] }, get('c', `${backend.url}/c`)]) },
    collection: 'c7.json',
    folders: ['c', 'a'],
  })],
  // A script's execution lasts until its timers have run: a timer keeps it alive without burning the CPU.
  ['9. a script longer than 5 s runs to its end (newman has no script timeout)', () => ({
    files: { 'c9.json': collection([{ ...get('slow script', `${backend.url}/ok`), event: [{ listen: 'test', script: { exec: ["setTimeout(() => pm.test('after the wait', () => pm.expect(true).to.be.true), 5300);"] } }] }]) },
    collection: 'c9.json',
  })],
  ['10. a Postman-Token header is sent', () => ({ files: { 'c10.json': collection([get('token', `${backend.url}/ok`, ['has Postman-Token', "pm.expect(pm.response.json().headers).to.have.property('postman-token')"])]) }, collection: 'c10.json' })],
];

describe('newman parity: the behaviours that differed', () => {
  it.each(CASES)('%s', async (_name, make) => {
    const c = make();
    write(c);
    // Side by side: the engines do not share anything, and a case that waits waits once.
    const [theirs, ours] = await Promise.all([runNewman(c), runOurs(c)]);
    expect(ours).toEqual(theirs);
    expect(ours.requests).toBeGreaterThan(0);
  }, 60_000);
});

it('8. no environment unless one is named: the run says which it found', async () => {
  ws.write('postman/environments/Production.postman_environment.json', { name: 'Production', values: [{ key: 'token', value: 'prod-token-000', type: 'secret' }] });
  ws.write('c8.json', collection([get('who', `${backend.url}/ok`, ['no env', "pm.expect(pm.environment.get('token')).to.be.undefined"])]));
  const client = new PostmanPowerClient({ env: {}, cwd: ws.dir, workers: sharedWorkers() });
  try {
    const started = await client.runCollection({ collection: 'c8.json', checkHealth: false });
    if (!('handle' in started)) throw new Error('run did not start');
    const summary = await started.handle.promise;
    expect(summary.status).toBe('passed');
    expect(summary.environment).toBeUndefined();
    expect(summary.warnings.join('\n')).toMatch(/Ran without an environment; found: .*Production/);
  } finally {
    await client.close();
  }
}, 60_000);
