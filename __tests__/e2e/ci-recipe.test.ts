// The agent's path from activate to a green run has no dead ends, for an API whose root answers 404
// (a Conduit-style API under /api, no /health): activate_power writes a template from the
// environment's URL variable with no made-up health path; written as told, the run passes; and
// README's CI recipe (`check --wait`, then `run`) passes too — one health rule everywhere.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ActivationSchema } from '../../src/core/activate.js';
import { HealthResultSchema } from '../../src/core/health.js';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { connectPair } from '../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const CLI = path.resolve('dist/cli.cjs');
const exec = promisify(execFile);

let backend: TestServer;
let ws: TempWorkspace;
beforeAll(async () => {
  backend = await startServer((req, res) => {
    const found = req.url === '/api/articles';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(found ? '{"articles":[]}' : '{"error":"not found"}');
  });
  ws = createTempWorkspace('Test_Task5_');
  ws.write('postman/collections/conduit.postman_collection.json', {
    info: { name: 'Conduit', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [
      {
        name: 'Articles',
        request: { method: 'GET', url: '{{APIURL}}/articles' },
        event: [{ listen: 'test', script: { exec: ["pm.test('200', () => pm.response.to.have.status(200));"] } }],
      },
    ],
  });
  ws.write('postman/environments/conduit.postman_environment.json', { name: 'Conduit', values: [{ key: 'APIURL', value: `${backend.url}/api`, enabled: true }, { key: 'USERNAME', value: 'u', enabled: true }] });
});
afterAll(async () => {
  ws.cleanup();
  await backend.close();
});

it('activate_power → write the template → run_collection passes; activate then says ready, never "start it"', async () => {
  const pair = await connectPair({ cwd: ws.dir, env: {}, watchConfig: false });
  try {
    const first = ActivationSchema.parse((await pair.call('activate_power', {})).structuredContent);
    const template = first.config.template!;
    expect(template).toMatchObject({ baseUrl: `${backend.url}/api`, baseUrlVariable: 'APIURL' });
    expect(template.health).toBeUndefined();
    ws.write('.postman.json', template);
    const run = RunSummarySchema.parse((await pair.call('run_collection', {})).structuredContent);
    expect(run.status).toBe('passed');
    const health = HealthResultSchema.parse((await pair.call('check_backend_health', {})).structuredContent);
    expect(health.status).toBe('healthy');
    expect(health.note).toMatch(/any HTTP answer/);
    const second = ActivationSchema.parse((await pair.call('activate_power', {})).structuredContent);
    expect(second.ready).toBe(true);
    expect(second.backend.status).toBe('healthy');
    expect(second.nextSteps.join('\n')).not.toMatch(/Start it/);
  } finally {
    await pair.close();
  }
}, 60_000);

it("README's CI recipe: `check --wait` then `run` both exit 0", async () => {
  ws.write('.postman.json', { collection: 'postman/collections/conduit.postman_collection.json', environment: 'postman/environments/conduit.postman_environment.json', baseUrl: `${backend.url}/api`, baseUrlVariable: 'APIURL' });
  const env = { PATH: process.env.PATH ?? '' };
  const check = await exec(process.execPath, [CLI, 'check', '--wait', '--deadline', '20000'], { cwd: ws.dir, env });
  expect(check.stdout).toMatch(/healthy/);
  const run = await exec(process.execPath, [CLI, 'run'], { cwd: ws.dir, env, timeout: 60_000 });
  expect(run.stdout).toMatch(/^Run passed/m);
}, 90_000);
