// The built server over real stdio, driven by the SDK's client: the protocol surface an MCP client
// sees, each tool once against the example backend and the fake Postman API, and one smoke run
// through the MCP inspector CLI.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ActivationSchema } from '../../src/core/activate.js';
import { HealthResultSchema } from '../../src/core/health.js';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { EnvironmentViewSchema } from '../../src/core/sources/environment-view.js';
import { OutlineSchema } from '../../src/core/sources/outline.js';
import { createExampleProject, type ExampleProject } from '../support/example-project.js';
import { startFakePostmanApi, type FakePostmanApi } from '../support/fake-postman-api.js';

const CLI = path.resolve('dist/cli.cjs');
const API_KEY = 'PMAK-e2e0e2e0e2e0e2e0e2e0e2e0-e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2';
const COLLECTION_UID = '12345678-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const EXPECTED_TOOLS = ['activate_power', 'check_backend_health', 'get_collection', 'get_environment', 'get_run', 'run_collection'];

let project: ExampleProject;
let api: FakePostmanApi;
let client: Client;
let stderr = '';

beforeAll(async () => {
  project = await createExampleProject('Test_Task5_');
  api = await startFakePostmanApi({ apiKey: API_KEY });
  api.collections.set(COLLECTION_UID, JSON.parse(readFileSync(project.ws.path('postman/collections/Todo API.postman_collection.json'), 'utf8')));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    cwd: project.ws.dir,
    env: { PATH: process.env.PATH ?? '', POSTMAN_API_KEY: API_KEY, POSTMAN_API_BASE_URL: api.url },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
});

afterAll(async () => {
  await client?.close();
  await api?.close();
  await project?.close();
});

const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;

it('initialize names the server', () => {
  expect(client.getServerVersion()).toMatchObject({ name: 'postman-power' });
  // What the code declares is what goes on the wire: the tool list never changes, the runs list does.
  expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: false }, resources: { subscribe: true, listChanged: true } });
});

it('tools/list has exactly the six tools, each with a title, annotations and an outputSchema; it stays small and reviewed', async () => {
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name).sort()).toEqual(EXPECTED_TOOLS);
  for (const tool of tools) {
    expect(tool.title).toBeTruthy();
    expect(tool.description!.length).toBeGreaterThan(40);
    expect(tool.annotations).toMatchObject({ readOnlyHint: expect.any(Boolean), destructiveHint: expect.any(Boolean), openWorldHint: expect.any(Boolean) });
    expect(tool.outputSchema).toMatchObject({ type: 'object' });
    for (const property of Object.values((tool.inputSchema.properties ?? {}) as Record<string, { description?: string }>)) {
      expect(property.description).toBeTruthy();
    }
  }
  // What every client loads before doing anything stays under 8 KB: the whole JSON-RPC answer, as on the wire.
  expect(Buffer.byteLength(`${JSON.stringify({ result: { tools }, jsonrpc: '2.0', id: 1000 })}\n`)).toBeLessThanOrEqual(8 * 1024);
  expect(tools).toMatchSnapshot();
});

it('resources/list has postman://config', async () => {
  const { resources } = await client.listResources();
  expect(resources.map((resource) => resource.uri)).toContain('postman://config');
  const read = await client.readResource({ uri: 'postman://config' });
  expect((read.contents[0] as { text: string }).text).not.toContain(API_KEY);
});

it('activate_power reports a ready project', async () => {
  const result = await call('activate_power');
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toMatchObject({ ready: true, collection: { found: true, name: 'Todo API', requests: 8 }, backend: { status: 'healthy' } });
  expect(() => ActivationSchema.parse(result.structuredContent)).not.toThrow();
});

it('check_backend_health against the example backend', async () => {
  const result = await call('check_backend_health');
  expect(result.structuredContent).toMatchObject({ status: 'healthy', targets: [{ url: `${project.backendUrl}/health` }] });
  expect(() => HealthResultSchema.parse(result.structuredContent)).not.toThrow();
});

it('get_collection from the fake Postman API, get_environment from the repo', async () => {
  const cloud = await call('get_collection', { collection: COLLECTION_UID });
  expect(cloud.structuredContent).toMatchObject({ name: 'Todo API', source: { kind: 'cloud' }, totals: { requests: 8 } });
  expect(() => OutlineSchema.parse(cloud.structuredContent)).not.toThrow();
  expect(api.log.some((entry) => entry.path === `/collections/${COLLECTION_UID}`)).toBe(true);
  const env = await call('get_environment');
  expect(JSON.stringify(env)).not.toContain('demo-secret-token');
  expect(() => EnvironmentViewSchema.parse(env.structuredContent)).not.toThrow();
});

it('run_collection passes against the example backend; the runs list announces its change; an unknown run is -32002', async () => {
  let listChanged = 0;
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    listChanged += 1;
  });
  const result = await call('run_collection');
  const runs = await client.listResources();
  expect(runs.resources.some((r) => r.uri === `postman://runs/${(result.structuredContent as { runId: string }).runId}`)).toBe(true);
  // The notification was sent before the run's answer, on the same ordered stream.
  expect(listChanged).toBeGreaterThanOrEqual(1);
  await expect(client.readResource({ uri: 'postman://runs/no-such-run' })).rejects.toMatchObject({ code: -32002 });
  // The compact schema in tools/list is open; the full one in core still holds and restores the zero counts.
  expect(RunSummarySchema.parse(result.structuredContent)).toMatchObject({ status: 'passed', stats: { requests: { total: 8, failed: 0 }, assertions: { total: 12, failed: 0 } } });

  // Two text blocks: the verdict line, and the compact JSON the model reads (for a pass, which run it
  // was); structuredContent keeps the whole summary.
  expect(result.content.map((block) => block.type)).toEqual(['text', 'text']);
  expect(JSON.parse((result.content[1] as { text: string }).text)).toMatchObject({ runId: (result.structuredContent as { runId: string }).runId, status: 'passed' });
  expect((result.content[0] as { text: string }).text).toMatch(/^Run passed: 8 requests, 12 assertions, [\d.]+ s\.$/);

  // Polling is get_run: read-only and idempotent (auto-approvable); the same run reads the same twice.
  const runId = (result.structuredContent as { runId: string }).runId;
  const [polled, again] = [await call('get_run', { run_id: runId, wait_ms: 0 }), await call('get_run', { run_id: runId })];
  expect(RunSummarySchema.parse(polled.structuredContent)).toEqual(RunSummarySchema.parse(result.structuredContent));
  expect(again.structuredContent).toEqual(polled.structuredContent);
  const { tools } = await client.listTools();
  expect(tools.find((tool) => tool.name === 'get_run')?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: true });
  // An unknown run is an isError result whose structuredContent carries the code and a hint, as the output schema says.
  const unknown = await call('get_run', { run_id: 'no-such-run' });
  expect(unknown.isError).toBe(true);
  expect(unknown.structuredContent).toMatchObject({ error: { code: 'run_not_found', message: expect.stringContaining('no-such-run'), hint: expect.any(String) } });
  expect((tools.find((tool) => tool.name === 'get_run')?.outputSchema?.properties ?? {}) as object).toHaveProperty('error');
});

it('logs went to stderr and the key appears nowhere', () => {
  expect(stderr).not.toContain(API_KEY);
});

it('the MCP inspector CLI lists the six tools', async () => {
  const inspector = path.resolve('node_modules/@modelcontextprotocol/inspector/cli/build/cli.js');
  const { stdout } = await promisify(execFile)(process.execPath, [inspector, '--cli', process.execPath, CLI, '--method', 'tools/list'], {
    cwd: project.ws.dir,
    env: { PATH: process.env.PATH ?? '' },
    timeout: 60_000,
  });
  const listed = JSON.parse(stdout) as { tools: Array<{ name: string }> };
  expect(listed.tools.map((tool) => tool.name).sort()).toEqual(EXPECTED_TOOLS);
}, 90_000);
