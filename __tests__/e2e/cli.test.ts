// The CLI for CI and humans: `run`, `check`, `config`, `--version`, with the exit codes the README
// promises (0 pass, 1 test failures, 2 errors).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CLI, runCli } from '../support/cli.js';
import { closedPort } from '../support/http-server.js';
import { createExampleProject, type ExampleProject } from '../support/example-project.js';


const cli = runCli;

let project: ExampleProject;
beforeAll(async () => {
  project = await createExampleProject('Test_Task5_');
});
afterAll(() => project.close());

it('--version prints the package version', async () => {
  const { code, stdout } = await cli(['--version'], project.ws.dir);
  expect(code).toBe(0);
  expect(stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
});

it('run: exit 0 and a summary when everything passes; JUnit written on request', async () => {
  const { code, stdout } = await cli(['run', '-r', 'cli,junit'], project.ws.dir);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Run passed: "Todo API" — 8 requests, 12 assertions, [\d.]+ s \(environment "[^"]+"\)\./m);
  expect(stdout).toMatch(/JUnit report: \.postman-power\/reports\/run-.*\.xml/);
}, 60_000);

it('run: 0 for every newman timeout flag means none (not "stop at once")', async () => {
  const { code, stdout } = await cli(['run', '--timeout', '0', '--timeout-request', '0', '--timeout-script', '0', '--delay-request', '0'], project.ws.dir);
  expect(stdout).not.toMatch(/timed_out|stopped after 0 ms/);
  expect(stdout).toMatch(/^Run passed: "Todo API" — 8 requests, 12 assertions/m);
  expect(code).toBe(0);
}, 60_000);

it('run: exit 1 on test failures, naming each', async () => {
  const { code, stdout } = await cli(['run', '--base-url', `${project.backendUrl}/nope`, '--no-check-health', '-f', 'Validation'], project.ws.dir);
  expect(code).toBe(1);
  expect(stdout).toContain('Run failed');
  expect(stdout).toContain('1. AssertionError  422 for an empty title');
}, 60_000);

it('run: exit 2 when the backend is down or the config is broken', async () => {
  const port = await closedPort();
  const down = await cli(['run'], project.ws.dir, { POSTMAN_POWER_CONFIG: 'down.json' });
  expect(down.code).toBe(2);
  expect(down.stderr).toMatch(/^config_not_found: /);
  project.ws.write('down.json', { baseUrl: `http://127.0.0.1:${port}`, collection: 'postman/collections/Todo API.postman_collection.json' });
  const unhealthy = await cli(['run'], project.ws.dir, { POSTMAN_POWER_CONFIG: 'down.json' });
  expect(unhealthy.code).toBe(2);
  expect(unhealthy.stderr).toContain('Run not started: Backend is unhealthy');
}, 60_000);

it('check and config', async () => {
  const check = await cli(['check'], project.ws.dir);
  expect(check.code).toBe(0);
  expect(check.stdout).toContain('Backend is healthy');
  const config = await cli(['config'], project.ws.dir, { POSTMAN_API_KEY: 'PMAK-cli-secret-0000000000000000' });
  expect(config.code).toBe(0);
  expect(JSON.parse(config.stdout)).toMatchObject({ valid: true, shape: 'kiro_flat', config: { apiKey: '****0000', apiKeySource: 'env' } });
  expect(config.stdout).not.toContain('PMAK-cli-secret');
});

it('usage errors exit 2 with the usage hint; an unknown reporter names the known ones', async () => {
  for (const args of [['run', '-n', '0'], ['run', '--bail', 'foo'], ['run', '--no-such-flag']]) {
    const { code, stderr } = await cli(args, project.ws.dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: [\s\S]*postman-power --help/);
  }
  const reporter = await cli(['run', '-r', 'cli,xml'], project.ws.dir);
  expect(reporter.code).toBe(2);
  expect(reporter.stderr).toMatch(/^invalid_argument: Unknown reporter: xml\nHint: The reporters are: cli, junit, json/);
  expect((await cli(['--help'], project.ws.dir)).code).toBe(0);
});

it('check <url>: the hint names the URL given, not .postman.json', async () => {
  const port = await closedPort();
  const { code, stdout } = await cli(['check', `http://127.0.0.1:${port}/health`, '-a', '1'], project.ws.dir);
  expect(code).toBe(1);
  expect(stdout).toMatch(/fix the URL you gave/);
  expect(stdout).not.toMatch(/\.postman\.json/);
});

it('text output numbers iterations from 1, as newman does', async () => {
  const { stdout } = await cli(['run', '--base-url', `${project.backendUrl}/nope`, '--no-check-health', '-f', 'Validation', '-n', '2'], project.ws.dir);
  expect(stdout).toMatch(/\[iteration 1\]/);
  expect(stdout).toMatch(/\[iteration 2\]/);
  expect(stdout).not.toMatch(/\[iteration 0\]/);
}, 60_000);

it('files named on the command line: a missing one is not found (not "outside the workspace"), a broken cookie jar or cert list is invalid_argument, an unwritable export says so', async () => {
  const missing = await cli(['run', '../no-such-dir/missing.postman_collection.json'], project.ws.dir);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/^file_not_found: No collection file at "..\/no-such-dir\/missing.postman_collection.json"[\s\S]*relative to the current directory/);
  project.ws.write('broken-jar.json', '{ not json');
  const jar = await cli(['run', '--cookie-jar', 'broken-jar.json', '--no-check-health'], project.ws.dir);
  expect(jar.code).toBe(2);
  expect(jar.stderr).toMatch(/^invalid_argument: "[^"]*broken-jar.json" is not valid JSON/);
  project.ws.write('certs.json', { not: 'a list' });
  const certs = await cli(['run', '--ssl-client-cert-list', 'certs.json', '--no-check-health'], project.ws.dir);
  expect(certs.code).toBe(2);
  expect(certs.stderr).toMatch(/^invalid_argument: --ssl-client-cert-list "certs.json"/);
  const unwritable = await cli(['run', '--export-environment', 'no-such-dir/env.json', '--no-check-health'], project.ws.dir);
  expect(unwritable.code).toBe(2);
  expect(unwritable.stderr).toMatch(/^file_unwritable: Cannot write no-such-dir\/env.json: ENOENT/);
}, 90_000);

it('with no arguments at a terminal: a one-line hint on stderr, and it keeps serving; piped, no hint', async () => {
  if (!existsSync('/usr/bin/script')) return; // util-linux's script gives the server a terminal
  const child = spawn('/usr/bin/script', ['-qfec', `${process.execPath} ${CLI}`, '/dev/null'], { cwd: project.ws.dir, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const seen = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('waiting for a client')) resolve(out);
      });
    });
    expect(seen).toContain('MCP server on stdio — waiting for a client; `postman-power --help` for the CLI.');
    expect(child.exitCode).toBeNull();
  } finally {
    child.kill('SIGKILL');
  }
  // Piped (as every MCP client starts it): no hint; the server ends with its input.
  const piped = spawn(process.execPath, [CLI], { cwd: project.ws.dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  piped.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  piped.stdin.end();
  expect(await new Promise((resolve) => piped.on('exit', resolve))).toBe(0);
  expect(stderr).not.toContain('waiting for a client');
});
