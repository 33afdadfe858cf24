// Plan task 2: each way loading can fail, env precedence, unknown fields, and the config resource
// over a real MCP client (including the change notification).
import { chmodSync, writeFileSync } from 'node:fs';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig, readConfigState, POSTMAN_API_EU } from '../../src/core/config.js';
import { PowerError, formatError } from '../../src/core/errors.js';
import { connectPair } from '../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const UUID = '1f0df51a-8658-4ee8-a2a1-d2567dfa09a9';
const UID = `12345678-${UUID}`;

let ws: TempWorkspace;
beforeEach(() => {
  ws = createTempWorkspace('Test_Task2_');
});
afterEach(() => ws.cleanup());

async function failure(env: Record<string, string> = {}): Promise<PowerError> {
  try {
    await loadConfig({ env, cwd: ws.dir });
  } catch (error) {
    if (error instanceof PowerError) return error;
    throw error;
  }
  throw new Error('expected loading to fail');
}

describe('loading failures each give a typed error with a hint', () => {
  it('missing file: the hint carries a template', async () => {
    const error = await failure();
    expect(error.code).toBe('config_not_found');
    expect(error.hint).toContain('"baseUrl"');
  });

  it('POSTMAN_POWER_CONFIG naming a missing file', async () => {
    const error = await failure({ POSTMAN_POWER_CONFIG: 'nope/.postman.json' });
    expect(error.code).toBe('config_not_found');
    expect(error.message).toContain('nope');
  });

  it('a directory', async () => {
    ws.mkdir('.postman.json');
    expect((await failure()).code).toBe('config_is_directory');
  });

  it('empty', async () => {
    ws.write('.postman.json', '  \n');
    expect((await failure()).code).toBe('config_empty');
  });

  it('over 1 MB', async () => {
    ws.write('.postman.json', JSON.stringify({ baseUrl: 'http://localhost:1', padding: 'x'.repeat(1024 * 1024) }));
    expect((await failure()).code).toBe('config_too_large');
  });

  it('invalid JSON, with line and column', async () => {
    ws.write('.postman.json', '{\n  "baseUrl": "http://localhost:3000",\n  "collectionId": }\n');
    const error = await failure();
    expect(error.code).toBe('config_invalid_json');
    expect(error.details).toEqual({ line: 3, column: 19 });
    expect(error.message).toContain('line 3, column 19');
  });

  it('a UTF-8 BOM is accepted', async () => {
    ws.write('.postman.json', `\ufeff${JSON.stringify({ baseUrl: 'http://localhost:3000' })}`);
    const { config } = await loadConfig({ env: {}, cwd: ws.dir });
    expect(config.baseUrl).toBe('http://localhost:3000');
  });

  it.each([[['a']], ['"text"'], ['42'], ['null']])('not an object: %s', async (content) => {
    ws.write('.postman.json', typeof content === 'string' ? content : JSON.stringify(content));
    const error = await failure();
    expect(error.code).toBe('config_not_object');
    expect(error.hint).toContain('object');
  });

  it('reports all bad fields at once, each with its JSON path and the expected form', async () => {
    ws.write('.postman.json', { workspace_id: 'not-a-uuid', collection_id: 12, environment_id: '123-abc', base_url: 'ftp://x', health: { attempts: 'five' } });
    const error = await failure();
    expect(error.code).toBe('config_invalid');
    const issues = error.details?.issues as Array<{ path: string; message: string }>;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['base_url', 'collection_id', 'environment_id', 'health.attempts', 'workspace_id']);
    expect(issues.find((issue) => issue.path === 'workspace_id')?.message).toContain(UUID);
    expect(issues.find((issue) => issue.path === 'environment_id')?.message).toContain('12345678-');
    expect(formatError(error)).toContain('- base_url: must be an http(s) URL');
  });

  it('nested: a default naming a missing key lists the known keys', async () => {
    ws.write('.postman.json', { version: '0.1', default: { collection: 'main' }, collections: { other: { uid: UID } } });
    const error = await failure();
    const issues = error.details?.issues as Array<{ path: string; message: string }>;
    expect(issues).toEqual([{ path: 'default.collection', message: expect.stringContaining('known: other') }]);
  });

  it('a literal ${POSTMAN_API_KEY} in the file: the client did not expand it', async () => {
    ws.write('.postman.json', { apiKey: '${POSTMAN_API_KEY}', baseUrl: 'http://localhost:3000' });
    const error = await failure();
    expect(formatError(error)).toContain('did not expand');
  });

  it('a literal ${POSTMAN_API_KEY} in the environment: a warning, and no key', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:3000' });
    const { config, warnings } = await loadConfig({ env: { POSTMAN_API_KEY: '${POSTMAN_API_KEY}' }, cwd: ws.dir });
    expect(config.apiKey).toBeUndefined();
    expect(config.apiKeySource).toBe('none');
    expect(warnings.join('\n')).toContain('did not expand');
  });

  (process.getuid?.() === 0 ? it.skip : it)('unreadable (skipped as root, who can read anything)', async () => {
    const file = ws.write('.postman.json', { baseUrl: 'http://localhost:3000' });
    chmodSync(file, 0o000);
    expect((await failure()).code).toBe('config_unreadable');
  });

  it('bad POSTMAN_API_BASE_URL and POSTMAN_REGION name the variable', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:3000' });
    const error = await failure({ POSTMAN_API_BASE_URL: 'not a url', POSTMAN_REGION: 'mars' });
    const issues = error.details?.issues as Array<{ path: string }>;
    expect(issues.map((issue) => issue.path)).toEqual(['env.POSTMAN_REGION', 'env.POSTMAN_API_BASE_URL']);
  });
});

describe('precedence, lookup and kept fields', () => {
  it('POSTMAN_API_KEY wins over a key in the file, with a warning to remove it', async () => {
    ws.write('.postman.json', { api_key: 'PMAK-file-key-0000000000', base_url: 'http://localhost:3000' });
    const { config, warnings } = await loadConfig({ env: { POSTMAN_API_KEY: 'PMAK-env-key-1111111111' }, cwd: ws.dir });
    expect(config.apiKey).toBe('PMAK-env-key-1111111111');
    expect(config.apiKeySource).toBe('env');
    expect(warnings[0]).toContain('POSTMAN_API_KEY wins');
    expect(warnings.join()).not.toContain('PMAK-file-key-0000000000');
  });

  it('a key only in the file loads with a warning to move it', async () => {
    ws.write('.postman.json', { api_key: 'PMAK-file-key-0000000000' });
    const { config, warnings } = await loadConfig({ env: {}, cwd: ws.dir });
    expect(config.apiKeySource).toBe('file');
    expect(warnings[0]).toContain('Move it to the POSTMAN_API_KEY');
    expect(warnings[0]).not.toContain('PMAK-file-key-0000000000');
  });

  it('region eu and POSTMAN_API_BASE_URL', async () => {
    ws.write('.postman.json', { version: '0.1', project: { region: 'eu' } });
    expect((await loadConfig({ env: {}, cwd: ws.dir })).config.apiBaseUrl).toBe(POSTMAN_API_EU);
    expect((await loadConfig({ env: { POSTMAN_API_BASE_URL: 'http://127.0.0.1:9/' }, cwd: ws.dir })).config.apiBaseUrl).toBe('http://127.0.0.1:9');
  });

  it('looks upward from the working directory to the git root, and no further', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:4000' });
    const nested = ws.mkdir('packages/api/src');
    const { config } = await loadConfig({ env: {}, cwd: nested });
    expect(config.file).toBe(ws.path('.postman.json'));
    expect(config.root).toBe(ws.dir);
    // A git root below the file stops the search.
    ws.mkdir('packages/api/.git');
    await expect(loadConfig({ env: {}, cwd: nested })).rejects.toMatchObject({ code: 'config_not_found' });
  });

  it('a root named with POSTMAN_POWER_ROOT is the whole workspace: a .postman.json above it is not used', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:4000' });
    const nested = ws.mkdir('packages/api');
    await expect(loadConfig({ env: { POSTMAN_POWER_ROOT: nested }, cwd: '/' })).rejects.toMatchObject({ code: 'config_not_found' });
    ws.write('packages/api/.postman.json', { baseUrl: 'http://localhost:5000' });
    const { config } = await loadConfig({ env: { POSTMAN_POWER_ROOT: nested }, cwd: '/' });
    expect(config.root).toBe(nested);
  });

  it('unknown fields are kept in extra', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:3000', testResults: { passed: 1 }, team: 'payments' });
    const { config } = await loadConfig({ env: {}, cwd: ws.dir });
    expect(config.extra).toEqual({ testResults: { passed: 1 }, team: 'payments' });
  });

  it('health and run blocks normalise with defaults', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:3000', health: { path: '/health', expectStatus: '2xx' }, run: { bail: true } });
    const { config } = await loadConfig({ env: {}, cwd: ws.dir });
    expect(config.health).toEqual({ paths: ['/health'], expectStatus: '200-299', timeoutMs: 2000, attempts: 5 });
    expect(config.run.bail).toBe('failure');
  });

  it('readConfigState never throws and says why', async () => {
    ws.write('.postman.json', '{');
    const state = await readConfigState({ env: {}, cwd: ws.dir });
    expect(state.error?.code).toBe('config_invalid_json');
    expect(state.file).toBe(ws.path('.postman.json'));
  });
});

describe('the postman://config resource', () => {
  const shapes = {
    snake_case: { workspace_id: UUID, collection_id: UID, environment_id: UUID, base_url: 'http://localhost:3000' },
    kiro_flat: { workspaceId: UUID, collectionUid: UID, environmentId: UUID, baseUrl: 'http://localhost:3000', testResults: {} },
    kiro_nested: {
      version: '0.1',
      project: { baseUrl: 'http://localhost:3000' },
      default: { workspace: 'w', collection: 'c', environment: 'e' },
      workspaces: { w: { id: UUID } },
      collections: { c: { uid: UID } },
      environments: { e: { id: UUID } },
    },
  };

  it.each(Object.entries(shapes))('gives the same normalised config for %s', async (shape, raw) => {
    ws.write('.postman.json', raw);
    const pair = await connectPair({ env: {}, cwd: ws.dir, watchConfig: false });
    try {
      const listed = await pair.client.listResources();
      expect(listed.resources.map((resource) => resource.uri)).toContain('postman://config');
      const read = await pair.client.readResource({ uri: 'postman://config' });
      const body = JSON.parse((read.contents[0] as { text: string }).text);
      expect(body.valid).toBe(true);
      expect(body.shape).toBe(shape);
      expect({ w: body.config.workspaceId, c: body.config.collection, e: body.config.environment, b: body.config.baseUrl }).toEqual({
        w: UUID, c: UID, e: UUID, b: 'http://localhost:3000',
      });
    } finally {
      await pair.close();
    }
  });

  it('shows the errors of a broken file instead of failing', async () => {
    ws.write('.postman.json', { baseUrl: 42 });
    const pair = await connectPair({ env: {}, cwd: ws.dir, watchConfig: false });
    try {
      const read = await pair.client.readResource({ uri: 'postman://config' });
      const body = JSON.parse((read.contents[0] as { text: string }).text);
      expect(body.valid).toBe(false);
      expect(body.errors[0].code).toBe('config_invalid');
      expect(body.errors[0].details.issues[0].path).toBe('baseUrl');
    } finally {
      await pair.close();
    }
  });

  it('re-reads the file when it changes and notifies subscribers', async () => {
    ws.write('.postman.json', { baseUrl: 'http://localhost:3000' });
    const pair = await connectPair({ env: {}, cwd: ws.dir });
    try {
      const first = await pair.client.readResource({ uri: 'postman://config' });
      expect((first.contents[0] as { text: string }).text).toContain('localhost:3000');
      const updated = new Promise<string>((resolve) => {
        pair.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => resolve(notification.params.uri));
      });
      await pair.client.subscribeResource({ uri: 'postman://config' });
      await pair.power.configWatched;
      writeFileSync(ws.path('.postman.json'), JSON.stringify({ baseUrl: 'http://localhost:4000' }));
      expect(await updated).toBe('postman://config');
      const second = await pair.client.readResource({ uri: 'postman://config' });
      expect((second.contents[0] as { text: string }).text).toContain('localhost:4000');
    } finally {
      await pair.close();
    }
  });
});
