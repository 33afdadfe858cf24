// One regression test per way secrets leaked before the structural redactor (see the secrets issue):
// each drives the path that leaked and looks for every form of the secret in what came out.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { RunSummarySchema, type RunSummary } from '../../src/core/results/summary.js';
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { startFakePostmanApi, type FakePostmanApi } from '../support/fake-postman-api.js';
import { createLeakyProject, leaksIn, LEAKY_SECRETS, type LeakyProject } from '../support/leaky-project.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const CLI = path.resolve('dist/cli.cjs');
const exec = promisify(execFile);
const COLLECTION_UID = '12345678-5b7c3e2a-1f0d-4c1e-9d3e-2a1b0c9d8e7f';
const everything = (result: CallToolResult) => [textOf(result), JSON.stringify(result.structuredContent ?? null)];

let project: LeakyProject;
let pair: ConnectedPair;
let run: RunSummary;
let runOutputs: string[];

beforeAll(async () => {
  project = await createLeakyProject('Test_Task5_', LEAKY_SECRETS);
  pair = await connectPair({ cwd: project.ws.dir, env: { POSTMAN_API_KEY: LEAKY_SECRETS.apiKey }, watchConfig: false });
  const result = await pair.call('run_collection', { detail: 'full', check_health: false });
  run = RunSummarySchema.parse(result.structuredContent);
  runOutputs = everything(result);
}, 120_000);
afterAll(async () => {
  await pair.close();
  await project.close();
});

async function readRun(): Promise<unknown> {
  const resource = await pair.client.readResource({ uri: `postman://runs/${run.runId}` });
  return JSON.parse((resource.contents[0] as { text: string }).text);
}

it('1. postman://runs/{id}: a secret with quotes, backslash and tab echoed in a JSON body is not readable after parsing', async () => {
  const parsed = await readRun();
  // Parsing undoes one level of escaping: what an agent reads must hold no form either.
  expect(leaksIn([JSON.stringify(parsed), JSON.stringify(JSON.stringify(parsed))], { envSecret: LEAKY_SECRETS.envSecret })).toEqual([]);
  expect(JSON.stringify(parsed)).toContain('****');
});

it("2. a secret with ' (postman-url-encoder writes %27) is masked in failure urls, the request list and excerpts", () => {
  const urls = [...run.failures.map((f) => f.url ?? ''), ...(run.requests ?? []).map((r) => r.url)];
  expect(urls.some((url) => url.includes('****'))).toBe(true);
  expect(leaksIn([...urls, ...runOutputs], { envSecret: LEAKY_SECRETS.envSecret, collectionSecret: LEAKY_SECRETS.collectionSecret })).toEqual([]);
});

it('3. PHP-style (\\/) and Python-style (\\u00f1) escapes in echoed bodies are masked', () => {
  const excerpts = run.failures.map((f) => f.response?.bodyExcerpt ?? '').filter((body) => body.includes('\\u00') || body.includes('\\/'));
  expect(excerpts.length).toBeGreaterThan(0);
  expect(leaksIn(excerpts, { envSecret: LEAKY_SECRETS.envSecret })).toEqual([]);
});

it('4. a token a script stores at run time in a secret-typed variable is masked in actual, excerpts and console', () => {
  const actuals = run.failures.filter((f) => f.assertion === 'session token').map((f) => String(f.actual));
  expect(actuals.length).toBeGreaterThan(0);
  expect(actuals.every((actual) => actual === '****')).toBe(true);
  expect(run.console.some((line) => line.message.includes('session ****'))).toBe(true);
  expect(leaksIn(runOutputs, { sessionToken: LEAKY_SECRETS.sessionToken })).toEqual([]);
});

it('5. collection secrets and auth credentials are masked by get_collection "full", whichever tool came first', async () => {
  // A fresh server: get_collection is its first call, with no get_environment before it.
  const ws = createTempWorkspace('Test_Task5_');
  try {
    const collection = JSON.parse(JSON.stringify((await import('../support/leaky-project.js')).leakyCollection(LEAKY_SECRETS)));
    // An environment secret written literally in the collection too (a copied header value).
    collection.item[0].request.header = [{ key: 'X-Literal', value: LEAKY_SECRETS.envSecret }];
    ws.write('c.postman_collection.json', collection);
    ws.write('env.postman_environment.json', { name: 'E', values: [{ key: 'envSecret', value: LEAKY_SECRETS.envSecret, type: 'secret' }] });
    ws.write('.postman.json', { collection: 'c.postman_collection.json', environment: 'env.postman_environment.json' });
    const fresh = await connectPair({ cwd: ws.dir, env: {}, watchConfig: false });
    try {
      const result = await fresh.call('get_collection', { detail: 'full' });
      expect(result.isError).toBeFalsy();
      const { envSecret, collectionSecret, bearer, basicPassword } = LEAKY_SECRETS;
      expect(leaksIn(everything(result), { envSecret, collectionSecret, bearer, basicPassword })).toEqual([]);
    } finally {
      await fresh.close();
    }
  } finally {
    ws.cleanup();
  }
});

describe('6. .postman.json fields of another shape', () => {
  let ws: TempWorkspace;
  beforeEach(() => {
    ws = createTempWorkspace('Test_Task5_');
  });
  afterEach(() => ws.cleanup());

  it.each([
    ['snake_case with apiKey', { base_url: 'http://127.0.0.1:9', collection_id: 'c.json', apiKey: 'PMAK-camel-spelled-0000000000000000' }],
    ['flat with api_key', { baseUrl: 'http://127.0.0.1:9', collection: 'c.json', api_key: 'PMAK-snake-spelled-0000000000000000' }],
    ['unknown field holding credentials', { baseUrl: 'http://127.0.0.1:9', oauth: { client_secret: 'client-secret-value-42', refresh_token: 'refresh-token-value-42' } }],
  ])('%s: postman://config and `postman-power config` show names, not values', async (_name, config) => {
    ws.write('.postman.json', config);
    const values = JSON.stringify(config).match(/(PMAK-[a-z-]+0+|client-secret-value-42|refresh-token-value-42)/g)!;
    const fresh = await connectPair({ cwd: ws.dir, env: {}, watchConfig: false });
    try {
      const resource = await fresh.client.readResource({ uri: 'postman://config' });
      const text = (resource.contents[0] as { text: string }).text;
      for (const value of values) expect(text).not.toContain(value);
      const cli = await exec(process.execPath, [CLI, 'config'], { cwd: ws.dir, env: { PATH: process.env.PATH ?? '' } }).catch((error: { stdout: string; stderr: string }) => error);
      for (const value of values) expect(`${cli.stdout}${cli.stderr}`).not.toContain(value);
      if ('apiKey' in config || 'api_key' in config) {
        expect(JSON.parse(text).config.apiKeySource).toBe('file');
        expect(JSON.parse(text).warnings.join(' ')).toMatch(/spells the API key/);
      }
    } finally {
      await fresh.close();
    }
  }, 60_000);
});

describe('7-8. the API key in errors', () => {
  let api: FakePostmanApi;
  let ws: TempWorkspace;
  const key = 'PMAK-echoed-by-a-proxy-0000000000000000';
  beforeEach(async () => {
    api = await startFakePostmanApi({ apiKey: 'PMAK-some-other-valid-key' });
    ws = createTempWorkspace('Test_Task5_');
  });
  afterEach(async () => {
    await api.close();
    ws.cleanup();
  });

  it('7. the CLI\'s last-resort error handler masks a key an API error quotes', async () => {
    api.fault('GET /collections/:id', { status: 401, body: { error: { name: 'AuthenticationError', message: `Invalid API Key ${key}` } } });
    ws.write('.postman.json', { baseUrl: 'http://127.0.0.1:9' });
    const cli = await exec(process.execPath, [CLI, 'run', COLLECTION_UID, '--no-check-health'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH ?? '', POSTMAN_API_KEY: key, POSTMAN_API_BASE_URL: api.url },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(cli.stderr).toMatch(/auth_failed/);
    expect(leaksIn([cli.stdout, cli.stderr], { apiKey: key })).toEqual([]);
  }, 60_000);

  it('8. a key written with trailing whitespace is masked in the trimmed form it is sent in', async () => {
    api.fault('GET /collections/:id', { status: 401, body: { error: { name: 'AuthenticationError', message: `Invalid API Key ${key}` } } });
    ws.write('.postman.json', { baseUrl: 'http://127.0.0.1:9', collection: COLLECTION_UID, apiKey: `${key}  \n` });
    const fresh = await connectPair({ cwd: ws.dir, env: { POSTMAN_API_BASE_URL: api.url }, watchConfig: false, api: { retryLimit: 0 } });
    try {
      const result = await fresh.call('get_collection', {});
      expect(result.isError).toBe(true);
      expect(api.log.at(-1)?.apiKey).toBe(key);
      expect(leaksIn([textOf(result), ...fresh.stderr], { apiKey: key })).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 60_000);
});

it('9. a short secret that is an ordinary word never corrupts status or other enum fields', async () => {
  const ws = createTempWorkspace('Test_Task5_');
  try {
    ws.write('c.postman_collection.json', {
      info: { name: 'Short', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
      item: [{ name: 'one', event: [{ listen: 'test', script: { exec: ["pm.test('passes', () => pm.expect(1).to.equal(1));"] } }], request: { method: 'GET', url: `${project.backend.url}/login` } }],
    });
    ws.write('e.postman_environment.json', { name: 'E', values: [{ key: 'word', value: 'pass', type: 'secret' }, { key: 'w2', value: 'GET', type: 'secret' }] });
    ws.write('.postman.json', { collection: 'c.postman_collection.json', environment: 'e.postman_environment.json' });
    const fresh = await connectPair({ cwd: ws.dir, env: {}, watchConfig: false });
    try {
      const result = await fresh.call('run_collection', { check_health: false, detail: 'full' });
      expect(result.isError).toBeFalsy();
      const summary = RunSummarySchema.parse(result.structuredContent);
      expect(summary.status).toBe('passed');
      expect(summary.requests?.[0].method).toBe('GET');
      expect(fresh.stderr.join('\n')).toMatch(/shorter than 4 characters/);
    } finally {
      await fresh.close();
    }
  } finally {
    ws.cleanup();
  }
}, 60_000);
