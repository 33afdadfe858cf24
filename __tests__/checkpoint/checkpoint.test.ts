// Plan task 5, the checkpoint: configuration (task 2), backend health (task 4) and the power client
// (task 3) work together — config → health → collection → run as one flow, for a cloud source (the
// fake Postman API) and a local one, through PostmanPowerClient and over MCP.
import { readFileSync, rmSync } from 'node:fs';
import { PostmanPowerClient } from '../../src/core/power-client.js';
import { connectPair, textOf } from '../support/mcp-client.js';
import { createExampleProject, type ExampleProject } from '../support/example-project.js';
import { startFakePostmanApi, type FakePostmanApi } from '../support/fake-postman-api.js';
import { sharedWorkers } from '../support/shared-workers.js';

const API_KEY = 'PMAK-checkpoint00000000000000-00000000000000000000000000000000ab';
const WORKSPACE = '0e0a0b0c-1111-4222-8333-444455556666';
const COLLECTION_UID = '12345678-c0c0c0c0-1111-4222-8333-444455556666';
const ENVIRONMENT_UID = '12345678-e0e0e0e0-1111-4222-8333-444455556666';

let project: ExampleProject;
let api: FakePostmanApi;

beforeEach(async () => {
  api = await startFakePostmanApi({ apiKey: API_KEY, workspace: { id: WORKSPACE, name: 'Team' } });
});
afterEach(async () => {
  await api.close();
  await project?.close();
});

async function flow(client: PostmanPowerClient, expected: { shape: string; source: string }) {
  // 1. configuration
  const state = await client.configState();
  expect(state.error).toBeUndefined();
  expect(state.config.shape).toBe(expected.shape);
  // 2. backend health
  const health = await client.checkBackendHealth();
  expect(health.status).toBe('healthy');
  // 3. collection and environment
  const outline = await client.getCollection();
  expect(outline).toMatchObject({ name: 'Todo API', source: { kind: expected.source }, totals: { requests: 8, assertions: 12 } });
  const environment = await client.getEnvironment();
  expect(environment.values.find((v) => v.key === 'apiToken')?.value).toBe('****');
  // 4. run
  const started = await client.runCollection();
  if (!('handle' in started)) throw new Error(`run did not start: ${started.summary.status}`);
  const summary = await started.handle.promise;
  expect(summary).toMatchObject({ status: 'passed', stats: { requests: { total: 8, failed: 0 }, assertions: { total: 12, failed: 0 } } });
  expect(summary.collection.source.kind).toBe(expected.source);
  return summary;
}

it('local source, Kiro flat shape: config → health → collection → run', async () => {
  project = await createExampleProject('Test_Task5_');
  const client = new PostmanPowerClient({ env: {}, cwd: project.ws.dir, workers: sharedWorkers() });
  await flow(client, { shape: 'kiro_flat', source: 'local' });
  await client.close();
});

it('cloud source, nested shape: config → health → collection → run, the key used and never shown', async () => {
  project = await createExampleProject('Test_Task5_');
  api.collections.set(COLLECTION_UID, JSON.parse(readFileSync(project.ws.path('postman/collections/Todo API.postman_collection.json'), 'utf8')));
  api.environments.set(ENVIRONMENT_UID, JSON.parse(readFileSync(project.ws.path('postman/environments/Local.postman_environment.json'), 'utf8')));
  project.ws.write('.postman.json', {
    version: '0.1',
    project: { name: 'todo', baseUrl: project.backendUrl },
    default: { workspace: 'team', collection: 'todo', environment: 'local' },
    workspaces: { team: { id: WORKSPACE } },
    collections: { todo: { uid: COLLECTION_UID } },
    environments: { local: { uid: ENVIRONMENT_UID } },
    health: { path: '/health' },
  });
  const client = new PostmanPowerClient({ env: { POSTMAN_API_KEY: API_KEY, POSTMAN_API_BASE_URL: api.url }, cwd: project.ws.dir, workers: sharedWorkers() });
  const summary = await flow(client, { shape: 'kiro_nested', source: 'cloud' });
  expect(api.log.map((entry) => entry.path)).toEqual(expect.arrayContaining([`/collections/${COLLECTION_UID}`, `/environments/${ENVIRONMENT_UID}`]));
  expect(api.log.every((entry) => entry.method === 'GET')).toBe(true);
  expect(JSON.stringify(summary)).not.toContain(API_KEY);
  await client.close();
});

it('over MCP: activate_power → check_backend_health → get_collection → run_collection, and a broken backend change is caught', async () => {
  project = await createExampleProject('Test_Task5_', { health: { path: '/health' } });
  const pair = await connectPair({ env: {}, cwd: project.ws.dir, watchConfig: false });
  try {
    const activation = await pair.call('activate_power');
    expect(activation.structuredContent).toMatchObject({ ready: true, config: { valid: true }, backend: { status: 'healthy' } });
    expect((await pair.call('check_backend_health')).structuredContent).toMatchObject({ status: 'healthy' });
    expect((await pair.call('get_collection')).structuredContent).toMatchObject({ totals: { requests: 8 } });
    expect((await pair.call('run_collection')).structuredContent).toMatchObject({ status: 'passed' });
    // An agent "breaks" the contract: the collection now expects a field the backend does not send.
    const file = project.ws.path('postman/collections/Todo API.postman_collection.json');
    const collection = JSON.parse(readFileSync(file, 'utf8'));
    collection.item[1].item[0].event[0].script.exec.push("pm.test('has createdAt', () => pm.expect(pm.response.json()).to.have.property('createdAt'));");
    project.ws.write('postman/collections/Todo API.postman_collection.json', collection);
    const failed = await pair.call('run_collection');
    expect(failed.isError).toBeFalsy();
    expect(failed.structuredContent).toMatchObject({ status: 'failed', failures: [{ assertion: 'has createdAt', request: 'Create todo', folder: 'Todos', response: { code: 201 } }] });
    expect(textOf(failed)).toMatch(/^1\. "has createdAt": expected .* to have property 'createdAt' — Todos\/Create todo \[POST [^\]]+ → 201\]$/m);
  } finally {
    await pair.close();
  }
});

it('a project with no config: activate_power offers a template filled from the files found', async () => {
  project = await createExampleProject('Test_Task5_');
  rmSync(project.ws.path('.postman.json'));
  const pair = await connectPair({ env: {}, cwd: project.ws.dir, watchConfig: false });
  try {
    const result = await pair.call('activate_power');
    expect(result.structuredContent).toMatchObject({
      ready: false,
      config: { found: false, template: { collection: 'postman/collections/Todo API.postman_collection.json', environment: 'postman/environments/Local.postman_environment.json', baseUrl: 'http://127.0.0.1:3000' } },
      collection: { found: true },
    });
    expect(textOf(result)).toContain('1. Write .postman.json');
  } finally {
    await pair.close();
  }
});
