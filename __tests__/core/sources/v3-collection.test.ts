// Postman v12 git-native collections (v3 YAML directories): read, outline and run them, with parity
// against the same collection written as v2.1 JSON.
import { RunSummarySchema } from '../../../src/core/results/summary.js';
import { cpSync } from 'node:fs';
import path from 'node:path';
import type { RunSummary } from '../../../src/core/results/summary.js';
import { connectPair, textOf, type ConnectedPair } from '../../support/mcp-client.js';
import { collectionPath, createRunWorkspace, type RunWorkspace } from '../../support/run-workspace.js';

const V3 = path.resolve('__tests__/fixtures/v3');
let rw: RunWorkspace;
let pair: ConnectedPair;

beforeEach(async () => {
  rw = await createRunWorkspace('Test_Task3_', { environment: 'postman/environments/Local.environment.yaml' });
  for (const dir of ['crud-chain', 'everything']) cpSync(path.join(V3, dir), rw.ws.path('postman/collections', dir), { recursive: true });
  cpSync(path.join(V3, 'environments'), rw.ws.path('postman/environments'), { recursive: true });
  cpSync(path.join(V3, 'globals'), rw.ws.path('postman/globals'), { recursive: true });
  cpSync(path.join(V3, 'broken'), rw.ws.path('broken'), { recursive: true });
  pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false });
});
afterEach(async () => {
  await pair.close();
  await rw.close();
});

const structured = async (name: string, args: Record<string, unknown>) => {
  const result = await pair.call(name, args);
  if (result.isError) throw new Error(textOf(result));
  // Run answers leave out empty lists and zero counts: parsing restores them.
  return (name === 'run_collection' ? RunSummarySchema.parse(result.structuredContent) : result.structuredContent) as any;
};

describe('parity: a v3 tree and its v2.1 twin', () => {
  it('give the same outline', async () => {
    const v3 = await structured('get_collection', { collection: 'postman/collections/crud-chain' });
    const v2 = await structured('get_collection', { collection: collectionPath('crud-chain') });
    expect(v3.source).toMatchObject({ kind: 'v3-directory', path: 'postman/collections/crud-chain' });
    const { source: _a, ...v3Rest } = v3;
    const { source: _b, ...v2Rest } = v2;
    expect(v3Rest).toEqual(v2Rest);
  });

  it('give the same run results against the test backend', async () => {
    const strip = (summary: RunSummary) => ({
      status: summary.status,
      stats: summary.stats,
      failures: summary.failures.map(({ response, url, ...rest }) => ({ ...rest, code: response?.code })),
      requests: summary.requests!.map(({ timeMs, sizeBytes, url, ...rest }) => rest),
    });
    const v3 = await structured('run_collection', { collection: 'postman/collections/crud-chain', detail: 'full', environment: 'postman/environments/local.postman_environment.json' });
    await rw.backend.close();
    // A fresh backend for the twin, so both start from the same state.
    const again = await createRunWorkspace('Test_Task3_');
    try {
      const twin = await connectPair({ env: {}, cwd: again.ws.dir, watchConfig: false });
      try {
        const v2 = RunSummarySchema.parse((await twin.call('run_collection', { collection: collectionPath('crud-chain'), detail: 'full' })).structuredContent);
        expect(strip(v3)).toEqual(strip(v2));
        expect(v3.stats.assertions.total).toBe(11);
      } finally {
        await twin.close();
      }
    } finally {
      await again.close();
    }
  });
});

describe('every v3 feature', () => {
  it('outlines nested folders in order, maps auth, params and scripts, and lists what it skipped', async () => {
    const outline = await structured('get_collection', { collection: 'postman/collections/everything' });
    expect(outline.name).toBe('Everything');
    expect(outline.auth).toBe('bearer');
    expect(outline.requests.map((r: any) => `${r.folder ? `${r.folder}/` : ''}${r.name}`)).toEqual([
      'A first',
      'B second',
      'Secured/Basic',
      'Secured/Inner folder/Text body',
      'Uploads/Form',
      'Uploads/Raw file',
      'Uploads/GraphQL',
      'Y unordered',
      'Z unordered',
    ]);
    expect(outline.folders).toEqual([
      { path: 'Secured', requests: 2, auth: 'basic' },
      { path: 'Secured/Inner folder', requests: 1 },
      { path: 'Uploads', requests: 3 },
    ]);
    expect(outline.requests.find((r: any) => r.name === 'GraphQL')).toMatchObject({ method: 'POST', url: '{{baseUrl}}/echo' });
    expect(outline.requests[0]).toMatchObject({ preRequestScript: true, testScript: true, assertions: 6 });
    expect(outline.variables).toEqual([
      { key: 'collectionVar', value: 'from-collection' },
      { key: 'flag', value: 'yes' },
    ]);
    expect([...outline.warnings].sort()).toEqual([
      'postman/collections/everything/Secured: folder variables (folderVar) are kept, but the runtime does not resolve them, as in newman; use collection or environment variables',
      'postman/collections/everything/Stream.request.yaml: "grpc-request" requests cannot be run here and were skipped',
      'postman/collections/everything: 2 auths are defined; the first ("Team bearer") is used',
    ]);
  });

  it('full detail is the v2.1 JSON: bodies, graphql, settings, examples', async () => {
    const full = await structured('get_collection', { collection: 'postman/collections/everything', detail: 'full' });
    const find = (name: string, items: any[] = full.collection.item): any => {
      for (const item of items) {
        if (item.name === name) return item;
        const inner = item.item && find(name, item.item);
        if (inner) return inner;
      }
      return undefined;
    };
    expect(full.collection.info.schema).toContain('v2.1.0');
    expect(find('B second').request.body).toEqual({ mode: 'raw', raw: '{"hello": "{{collectionVar}}"}', options: { raw: { language: 'json' } } });
    expect(find('B second').request.url.variable).toEqual([{ key: 'kind', value: 'json' }]);
    expect(find('Y unordered').request.body).toEqual({ mode: 'urlencoded', urlencoded: [{ key: 'a', value: '1' }, { key: 'b', value: 'two' }] });
    expect(find('Form').request.body.formdata).toEqual([{ key: 'note', type: 'text', value: 'hi' }, { key: 'file', type: 'file', src: 'fixtures/upload.txt' }]);
    expect(find('Raw file').request.body).toEqual({ mode: 'file', file: { src: 'fixtures/upload.txt' } });
    expect(find('GraphQL').request.body).toEqual({ mode: 'graphql', graphql: { query: 'query { todos { id } }', variables: '{"limit": 2}' } });
    expect(find('GraphQL').response).toEqual([{ name: 'A good answer', code: 200, status: 'OK', header: [{ key: 'Content-Type', value: 'application/json' }], body: '{"data":{}}' }]);
    expect(find('Text body').protocolProfileBehavior).toEqual({ followRedirects: false, disabledSystemHeaders: { 'cache-control': true } });
    expect(find('Text body').request.auth).toEqual({ type: 'basic', basic: [{ key: 'username', value: 'ada', type: 'string' }, { key: 'password', value: '{{basicPassword}}', type: 'string' }] });
    expect(find('A first').request.url.query).toEqual(expect.arrayContaining([{ key: 'hidden', value: 'h', disabled: true }]));
    expect(find('A first').request.header).toEqual([{ key: 'X-List-Header', value: 'list-value' }, { key: 'X-Disabled', value: 'nope', disabled: true }]);
  });

  it('runs: every body type, auth inheritance, scripts at every level', async () => {
    const summary = await structured('run_collection', { collection: 'postman/collections/everything' });
    expect(summary.failures).toEqual([]);
    expect(summary.status).toBe('passed');
    expect(summary.stats.requests.total).toBe(9);
    expect(summary.warnings).toEqual(expect.arrayContaining([expect.stringContaining('grpc-request')]));
    // Collection test on all 9, folder test on the 2 in Secured, request tests on each.
    expect(summary.stats.assertions.total).toBe(9 + 2 + 6 + 4 + 1 + 2 + 1 + 1 + 1 + 1 + 1);
  });

  it('environments and globals: numbers and nulls coerced, disabled kept, secrets masked', async () => {
    const env = await structured('get_environment', { environment: 'Local v3' });
    expect(env.source.path).toBe('postman/environments/Local.environment.yaml');
    expect(env.values).toEqual([
      { key: 'baseUrl', value: 'http://127.0.0.1:1', type: 'default', enabled: true },
      { key: 'token', value: '****', type: 'secret', enabled: true, masked: true },
      { key: 'basicPassword', value: '****', type: 'secret', enabled: true, masked: true },
      { key: 'port', value: '8080', type: 'default', enabled: true },
      { key: 'empty', value: '', type: 'default', enabled: true },
      { key: 'off', value: 'x', type: 'default', enabled: false },
    ]);
    const globals = await structured('get_environment', { environment: 'postman/globals/Workspace.globals.yaml' });
    expect(globals.values).toEqual([{ key: 'globalVar', value: '42', type: 'default', enabled: true }]);
    const run = await structured('run_collection', { collection: 'postman/collections/everything', reporters: ['json'] });
    expect(JSON.stringify(run)).not.toContain('lovelace');
  });

  it('discovery lists v3 directories; a name matches one', async () => {
    const activation = await structured('activate_power', {});
    expect(activation.environment.found).toBe(true);
    const byName = await structured('get_collection', { collection: 'Everything' });
    expect(byName.source).toMatchObject({ kind: 'v3-directory', path: 'postman/collections/everything' });
  });
});

describe('errors name the file', () => {
  it('malformed YAML: file, line and column', async () => {
    const text = textOf(await pair.call('get_collection', { collection: 'broken/bad-yaml' }));
    expect(text).toMatch(/^invalid_collection: broken\/bad-yaml\/Bad\.request\.yaml:\d+:\d+: malformed YAML/);
  });

  it('a request without method: file and field', async () => {
    const text = textOf(await pair.call('get_collection', { collection: 'broken/no-method' }));
    expect(text).toMatch(/^invalid_collection: broken\/no-method\/NoMethod\.request\.yaml: the request has no "method"/);
  });

  it('a directory that is not a collection', async () => {
    const text = textOf(await pair.call('run_collection', { collection: 'broken/not-a-collection' }));
    expect(text).toMatch(/^invalid_collection: broken\/not-a-collection is a directory but not a Postman v3 collection/);
  });
});

