// Plan task 3 (part 1): get_collection and get_environment over MCP, from the fake Postman API and
// from local files, with every error kind returned as isError with a code and a hint.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connectPair, textOf, type ConnectedPair } from '../support/mcp-client.js';
import { startFakePostmanApi, type FakePostmanApi } from '../support/fake-postman-api.js';
import { closedPort } from '../support/http-server.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const FIXTURES = path.resolve('__tests__/fixtures/collections');
const nested = JSON.parse(readFileSync(path.join(FIXTURES, 'nested.postman_collection.json'), 'utf8'));
const localEnv = JSON.parse(readFileSync(path.join(FIXTURES, 'local.postman_environment.json'), 'utf8'));
const API_KEY = 'PMAK-0123456789abcdef01234567-0123456789abcdef0123456789abcdef01';
const WORKSPACE = '0e0a0b0c-1111-4222-8333-444455556666';
const COLLECTION_UID = '12345678-5b7c3e2a-1f0d-4c1e-9d3e-2a1b0c9d8e7f';
const ENV_UID = '12345678-7d1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

let ws: TempWorkspace;
let api: FakePostmanApi;
let pair: ConnectedPair | undefined;

beforeEach(async () => {
  ws = createTempWorkspace('Test_Task3_');
  api = await startFakePostmanApi({ apiKey: API_KEY, workspace: { id: WORKSPACE, name: 'Team' } });
  api.collections.set(COLLECTION_UID, nested);
  api.environments.set(ENV_UID, localEnv);
});
afterEach(async () => {
  await pair?.close();
  pair = undefined;
  await api.close();
  ws.cleanup();
});

async function connect(config: Record<string, unknown> | undefined, env: Record<string, string> = { POSTMAN_API_KEY: API_KEY }): Promise<ConnectedPair> {
  if (config) ws.write('.postman.json', config);
  pair = await connectPair({ env: { POSTMAN_API_BASE_URL: api.url, ...env }, cwd: ws.dir, watchConfig: false, api: { timeoutMs: 1000 } });
  return pair;
}

function expectNoKey(value: unknown) {
  expect(JSON.stringify(value)).not.toContain(API_KEY);
}

describe('cloud sources', () => {
  it('get_collection returns the outline of a nested collection', async () => {
    const p = await connect({ workspaceId: WORKSPACE, collectionUid: COLLECTION_UID });
    const result = await p.call('get_collection');
    expect(result.isError).toBeFalsy();
    const outline = result.structuredContent as any;
    expect(outline.name).toBe('Shop API');
    expect(outline.source).toMatchObject({ kind: 'cloud', uid: COLLECTION_UID });
    expect(outline.totals).toEqual({ folders: 3, requests: 4, assertions: 4 });
    expect(outline.folders.map((f: any) => f.path)).toEqual(['Users', 'Users/Admin', 'Orders']);
    expect(outline.requests[1]).toEqual({ folder: 'Users', name: 'List users', method: 'GET', url: '{{baseUrl}}/users?limit=10', assertions: 2, preRequestScript: true, testScript: true });
    expect(outline.requests[2]).toMatchObject({ folder: 'Users/Admin', method: 'DELETE', assertions: 1 });
    expect(outline.auth).toBe('bearer');
    expect(outline.variables).toContainEqual({ key: 'adminPassword', value: '****', masked: true });
    expect(textOf(result)).not.toContain('hunter2-collection-secret');
    expect(textOf(result)).toMatch(/^Collection "Shop API" \(cloud\): 4 requests in 3 folders, 4 assertions written in scripts/);
    // The key went in the header and nowhere else.
    expect(api.log[0]).toMatchObject({ path: `/collections/${COLLECTION_UID}`, apiKey: API_KEY });
    expect(api.log[0].userAgent).toMatch(/^postman-power\//);
    expectNoKey(result);
  });

  it('get_collection narrows to a folder; an unknown folder lists those that exist', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    const narrowed = (await p.call('get_collection', { folder: 'users' })).structuredContent as any;
    expect(narrowed.folder).toBe('Users');
    expect(narrowed.requests.map((r: any) => r.name)).toEqual(['List users', 'Delete user']);
    const unknown = await p.call('get_collection', { folder: 'Payments' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('unknown_folder');
    expect(textOf(unknown)).toContain('Users, Users/Admin, Orders');
  });

  it('detail "full" returns the JSON under the cap, and the outline with a note over it', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    const full = (await p.call('get_collection', { detail: 'full' })).structuredContent as any;
    expect(full.collection.info.name).toBe('Shop API');
    const big = structuredClone(nested);
    big.item.push({ name: 'Huge', request: { method: 'POST', url: '{{baseUrl}}/x', body: { mode: 'raw', raw: 'x'.repeat(150_000) } } });
    api.collections.set(COLLECTION_UID, big);
    const capped = await p.call('get_collection', { detail: 'full' });
    const body = capped.structuredContent as any;
    expect(body.collection).toBeUndefined();
    expect(body.note).toContain('over the 98 KB cap');
    expect(body.note).toContain('Users');
    // Never a cut, broken JSON: the second text block is the outline as the model reads it (with the note).
    const json = JSON.parse((capped.content[1] as { text: string }).text);
    expect(json).toMatchObject({ name: body.name, note: body.note, totals: body.totals, folders: body.folders });
  });

  it('get_environment masks secrets and marks vault values', async () => {
    const p = await connect({ environmentUid: ENV_UID });
    const result = await p.call('get_environment');
    const view = result.structuredContent as any;
    expect(view.name).toBe('Local');
    expect(view.values).toEqual([
      { key: 'baseUrl', value: 'http://localhost:3000', type: 'default', enabled: true },
      { key: 'token', value: '****', type: 'secret', enabled: true, masked: true },
      { key: 'userId', value: '42', type: 'default', enabled: false },
      { key: 'dbPassword', value: '****', type: 'secret', enabled: true, masked: true, vault: true },
    ]);
    expect(view.counts).toEqual({ total: 4, enabled: 3, secret: 2 });
    expect(textOf(result)).not.toContain('s3cr3t-token-value-123456');
  });

  it('resolves a name among the configured workspace\'s collections', async () => {
    const p = await connect({ workspaceId: WORKSPACE });
    const result = await p.call('get_collection', { collection: 'shop api' });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as any).source).toMatchObject({ kind: 'cloud', ref: 'shop api', uid: COLLECTION_UID });
  });
});

describe('error kinds are isError with a code and a hint, and the key appears nowhere', () => {
  const cases: Array<[string, () => void, string, RegExp | undefined]> = [
    ['401', () => api.fault('GET /collections/:id', { status: 401, body: { error: { name: 'AuthenticationError', message: 'Invalid API Key' } } }), 'auth_failed', /POSTMAN_API_KEY/],
    ['403', () => api.fault('GET /collections/:id', { status: 403, body: { error: { name: 'forbiddenError', message: 'You are not permitted' } } }), 'forbidden', undefined],
    ['404', () => api.fault('GET /collections/:id', { status: 404, body: { error: { name: 'instanceNotFoundError', message: 'not found' } } }), 'not_found', /UIDs look like 12345678-/],
    ['400 instanceNotFoundError', () => api.fault('GET /collections/:id', { status: 400, body: { error: { name: 'instanceNotFoundError', message: 'We could not find the collection' } } }), 'not_found', /check `collection` in .postman.json/i],
    ['429 over 60 s', () => api.fault('GET /collections/:id', { status: 429, body: { error: 'rateLimited', message: 'Rate limit exceeded. Please retry after 1669048687' }, headers: { 'retry-after': '120' } }), 'rate_limited', /retry after \d{4}-/],
    ['5xx after retries', () => api.fault('GET /collections/:id', ...Array(4).fill({ status: 500, body: { type: 'https://api.postman.com/problems/internal', title: 'Internal', detail: 'boom' }, contentType: 'application/problem+json' })), 'upstream_error', /status\.postman\.com/],
    ['timeout', () => api.fault('GET /collections/:id', { hang: true }), 'timeout', undefined],
    ['invalid JSON', () => api.fault('GET /collections/:id', { malformed: true }), 'bad_response', undefined],
    ['unexpected shape', () => api.fault('GET /collections/:id', { status: 200, body: { collection: { info: { name: 'x' } } } }), 'bad_response', /info` and `item`/],
    ['over 50 MB', () => api.fault('GET /collections/:id', { oversize: true }), 'response_too_large', undefined],
  ];

  it.each(cases)('%s', async (_label, arrange, code, hint) => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    arrange();
    const result = await p.call('get_collection');
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
    const text = textOf(result);
    expect(text).toMatch(new RegExp(`^${code}: `));
    expect(text).toContain('Hint: ');
    if (hint) expect(text).toMatch(hint);
    expectNoKey(result);
    expect(p.stderr.join('\n')).not.toContain(API_KEY);
    // The server answers the next call.
    expect((await p.call('get_collection', { collection: COLLECTION_UID })).isError).toBeFalsy();
  }, 20_000);

  it('400 instanceNotFoundError for an environment is not_found', async () => {
    const p = await connect({ environmentUid: '12345678-00000000-0000-4000-8000-000000000000' });
    const text = textOf(await p.call('get_environment'));
    expect(text).toMatch(/^not_found: /);
    expect(text).toContain('environment');
  });

  it('network: nothing listening', async () => {
    const port = await closedPort();
    ws.write('.postman.json', { collectionUid: COLLECTION_UID });
    pair = await connectPair({ env: { POSTMAN_API_KEY: API_KEY, POSTMAN_API_BASE_URL: `http://127.0.0.1:${port}` }, cwd: ws.dir, watchConfig: false, api: { retryLimit: 1 } });
    const text = textOf(await pair.call('get_collection'));
    expect(text).toMatch(/^network_error: /);
    expect(text).toContain('local collection files work offline');
  });

  it('no key for a cloud reference, and a key the client did not expand', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID }, {});
    expect(textOf(await p.call('get_collection'))).toMatch(/^api_key_missing: [\s\S]*Hint: Create a key/);
    await p.close();
    pair = undefined;
    const q = await connect(undefined, { POSTMAN_API_KEY: '${POSTMAN_API_KEY}' });
    expect(textOf(await q.call('get_collection', { collection: COLLECTION_UID }))).toMatch(/^config_unexpanded_variable: .*did not expand/);
  });
});

describe('retries, read from the fake API\'s log', () => {
  it('429 with Retry-After: 1 → one retry after at least 1 s', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    api.fault('GET /collections/:id', { status: 429, body: { error: 'rateLimited', message: 'slow down' }, headers: { 'retry-after': '1' } });
    const result = await p.call('get_collection');
    expect(result.isError).toBeFalsy();
    expect(api.log).toHaveLength(2);
    expect(api.log[1].at - api.log[0].at).toBeGreaterThanOrEqual(990);
  });

  it('Postman\'s X-RateLimit-RetryAfter header is honoured too', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    api.fault('GET /collections/:id', { status: 429, body: { error: 'rateLimited', message: 'slow down' }, headers: { 'x-ratelimit-retryafter': '1' } });
    expect((await p.call('get_collection')).isError).toBeFalsy();
    expect(api.log[1].at - api.log[0].at).toBeGreaterThanOrEqual(990);
  });

  it('503, 503, 200 → success after two retries', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    api.fault('GET /collections/:id', { status: 503, body: { error: { name: 'serviceUnavailable', message: 'down' } } }, { status: 503, body: {} });
    expect((await p.call('get_collection')).isError).toBeFalsy();
    expect(api.log.map((entry) => entry.path)).toEqual(Array(3).fill(`/collections/${COLLECTION_UID}`));
  });

  it('401 → no retry', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID }, { POSTMAN_API_KEY: 'PMAK-wrong-key-000000000000' });
    expect(textOf(await p.call('get_collection'))).toMatch(/^auth_failed/);
    expect(api.log).toHaveLength(1);
  });

  it('a connection reset is retried', async () => {
    const p = await connect({ collectionUid: COLLECTION_UID });
    api.fault('GET /collections/:id', { reset: true });
    expect((await p.call('get_collection')).isError).toBeFalsy();
    expect(api.log).toHaveLength(2);
  });
});

describe('local sources', () => {
  beforeEach(() => {
    ws.write('postman/collections/Shop API.postman_collection.json', nested);
    ws.write('postman/environments/local.postman_environment.json', localEnv);
  });

  it('reads the configured local collection and environment, offline', async () => {
    const p = await connect({ collection: 'postman/collections/Shop API.postman_collection.json', environment: 'postman/environments/local.postman_environment.json' }, {});
    const outline = (await p.call('get_collection')).structuredContent as any;
    expect(outline.source).toEqual({ kind: 'local', ref: 'postman/collections/Shop API.postman_collection.json', path: 'postman/collections/Shop API.postman_collection.json' });
    expect(outline.totals.requests).toBe(4);
    const env = await p.call('get_environment');
    expect((env.structuredContent as any).values[1].value).toBe('****');
    expect(api.log).toHaveLength(0);
  });

  it('discovers the only collection when nothing is configured, and matches names', async () => {
    const p = await connect(undefined, {});
    expect(((await p.call('get_collection')).structuredContent as any).name).toBe('Shop API');
    expect(((await p.call('get_environment', { environment: 'Local' })).structuredContent as any).source.path).toBe('postman/environments/local.postman_environment.json');
  });

  it('an ambiguous name lists the candidates', async () => {
    ws.write('tests/Shop API.postman_collection.json', nested);
    const p = await connect(undefined, {});
    const text = textOf(await p.call('get_collection', { collection: 'Shop API' }));
    expect(text).toMatch(/^ambiguous_reference: /);
    expect(text).toContain('postman/collections/Shop API.postman_collection.json');
    expect(text).toContain('tests/Shop API.postman_collection.json');
  });

  it('rejects paths that escape the workspace: .., absolute, symlink', async () => {
    const outside = createTempWorkspace('Test_Task3_');
    try {
      const target = outside.write('secret.postman_collection.json', nested);
      ws.symlink(target, 'postman/link.postman_collection.json');
      const p = await connect(undefined, {});
      for (const ref of [path.relative(ws.dir, target), target, 'postman/link.postman_collection.json']) {
        const text = textOf(await p.call('get_collection', { collection: ref }));
        expect(text).toMatch(/^path_outside_workspace: /);
        expect(text).toContain('Hint: Only files inside the workspace');
      }
    } finally {
      outside.cleanup();
    }
  });

  it('broken local files: missing, bad JSON with line, v1 format, no item', async () => {
    ws.write('bad/syntax.postman_collection.json', '{\n  "info": {"name": "x"},\n  "item": [,]\n}');
    ws.write('bad/v1.postman_collection.json', { id: 'x', name: 'old', order: ['r1'], requests: [{ id: 'r1', name: 'legacy get', url: 'http://127.0.0.1:9/x', method: 'GET' }] });
    ws.write('bad/noitem.postman_collection.json', { info: { name: 'x' } });
    const p = await connect(undefined, {});
    expect(textOf(await p.call('get_collection', { collection: 'nope.postman_collection.json' }))).toMatch(/^file_not_found: /);
    expect(textOf(await p.call('get_collection', { collection: 'bad/syntax.postman_collection.json' }))).toMatch(/^invalid_collection: .*line 3, column 12/);
    // v1 is converted with Postman's own converter, as newman does, and says so.
    const v1 = await p.call('get_collection', { collection: 'bad/v1.postman_collection.json' });
    expect(v1.isError).toBeFalsy();
    expect((v1.structuredContent as { requests: Array<{ name: string }> }).requests.map((r) => r.name)).toEqual(['legacy get']);
    expect((v1.structuredContent as { warnings: string[] }).warnings.join(' ')).toMatch(/collection v1 \(deprecated\)/);
    expect(textOf(await p.call('get_collection', { collection: 'bad/noitem.postman_collection.json' }))).toMatch(/^invalid_collection: .*item/);
  });
});
