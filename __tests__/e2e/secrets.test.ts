// Secrets never leave, end to end over real stdio: a backend that echoes every secret in every
// encoding (body, headers, cookie, redirect), scripts that print them and store a fresh login token in
// a secret-typed variable, reports on. No form of any secret may appear in the tool text, the
// structured content, postman://runs/{id}, postman://config, the JUnit and JSON reports, stderr, log
// notifications or progress notifications; nor in the CLI's output for the same collection.
// The oracle is tested too: the same scenario against a server whose masking is switched off (an
// injected test-only registry) must be caught leaking.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { createLeakyProject, leaksIn, LEAKY_SECRETS, type LeakyProject } from '../support/leaky-project.js';

const CLI = path.resolve('dist/cli.cjs');
const TEST_SERVER = path.resolve('__tests__/support/serve-test.mjs');
const exec = promisify(execFile);
// The basic-auth header carries base64(user:password).
const EXTRA_FORMS = { basicPassword: [Buffer.from(`ada:${LEAKY_SECRETS.basicPassword}`).toString('base64')] };

let project: LeakyProject;
beforeAll(async () => {
  project = await createLeakyProject('Test_Task5_', LEAKY_SECRETS);
});
afterAll(() => project.close());

/** Drives one server over stdio the way an agent would and returns everything that left it. */
async function driveServer(args: string[]): Promise<string[]> {
  const outputs: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd: project.ws.dir,
    env: { PATH: process.env.PATH ?? '', POSTMAN_API_KEY: LEAKY_SECRETS.apiKey },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => outputs.push(chunk.toString()));
  const client = new Client({ name: 'secrets-e2e', version: '1.0.0' });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    outputs.push(JSON.stringify(notification.params));
  });
  await client.connect(transport);
  try {
    await client.setLoggingLevel('debug');
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args }, CallToolResultSchema, {
        timeout: 120_000,
        onprogress: (progress) => outputs.push(JSON.stringify(progress)),
      });
      outputs.push(JSON.stringify(result.content), JSON.stringify(result.structuredContent ?? null));
      return result;
    };
    await call('activate_power', {});
    await call('get_collection', { detail: 'full' });
    await call('get_environment', {});
    const run = await call('run_collection', { reporters: ['junit', 'json'], detail: 'full', check_health: false });
    const summary = RunSummarySchema.parse(run.structuredContent);
    expect(summary.stats.requests.total).toBe(9);
    expect(summary.stats.assertions.failed).toBeGreaterThan(0);
    for (const uri of [`postman://runs/${summary.runId}`, 'postman://config']) outputs.push(JSON.stringify(await client.readResource({ uri })));
    for (const report of [summary.reports?.junit, summary.reports?.json]) {
      expect(report).toBeDefined();
      outputs.push(readFileSync(path.join(project.ws.dir, report!), 'utf8'));
    }
  } finally {
    await client.close();
  }
  return outputs;
}

it('no form of any secret leaves the built server, its reports or the CLI', async () => {
  const outputs = await driveServer([CLI]);
  const cli = await exec(process.execPath, [CLI, 'run', '-r', 'cli,junit,json', '--no-check-health'], {
    cwd: project.ws.dir,
    env: { PATH: process.env.PATH ?? '', POSTMAN_API_KEY: LEAKY_SECRETS.apiKey },
    timeout: 120_000,
  }).catch((error: { stdout: string; stderr: string }) => error);
  expect(cli.stdout).toMatch(/^Run (failed|errored)/m);
  expect(leaksIn([...outputs, cli.stdout, cli.stderr], LEAKY_SECRETS, EXTRA_FORMS)).toEqual([]);
}, 180_000);

it('the oracle can fail: with masking switched off, the same scenario is caught leaking', async () => {
  const outputs = await driveServer([TEST_SERVER, '--no-redaction']);
  const leaked = leaksIn(outputs, LEAKY_SECRETS, EXTRA_FORMS).map((line) => line.split(' ')[0]);
  expect(leaked).toEqual(expect.arrayContaining(['envSecret', 'collectionSecret', 'bearer', 'basicPassword', 'sessionToken']));
}, 180_000);
