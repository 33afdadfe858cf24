// `npm run demo`: the main job end to end, offline, no API key. Builds if needed, starts the example
// todo API, drives the built server through a real MCP client over stdio —
// activate_power → check_backend_health → get_collection → run_collection — and prints each step.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startTodoServer } from './todo-api/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cli = path.join(root, 'dist', 'cli.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

if (!existsSync(cli) || statSync(cli).mtimeMs < newestMtime(path.join(root, 'src'))) {
  console.log('Building the server (npm run build)…');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const backend = await startTodoServer(0);
// A scratch copy of the example project whose .postman.json points at the port the backend got.
const project = mkdtempSync(path.join(tmpdir(), 'postman-power-demo-'));
cpSync(path.join(here, 'todo-api'), project, { recursive: true });
const configFile = path.join(project, '.postman.json');
writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), baseUrl: backend.url }, null, 2));

const env = { ...process.env };
delete env.POSTMAN_API_KEY;
const transport = new StdioClientTransport({ command: process.execPath, args: [cli], cwd: project, env, stderr: 'pipe' });
const client = new Client({ name: 'postman-power-demo', version: '1.0.0' });
let exitCode = 1;
try {
  await client.connect(transport);
  const step = async (title, name, args = {}) => {
    const result = await client.callTool({ name, arguments: args });
    const text = result.content.find((block) => block.type === 'text')?.text ?? '';
    const summary = text.split('\n\n')[0];
    console.log(`\n== ${title} (${name})\n${summary}`);
    if (result.isError) throw new Error(`${name} failed`);
    return result.structuredContent;
  };
  console.log(`Example todo API on ${backend.url}; project ${project}`);
  await step('1. Where do things stand?', 'activate_power');
  await step('2. Is the backend up?', 'check_backend_health', { wait_until_healthy: true, deadline_ms: 5000 });
  await step('3. What will run?', 'get_collection');
  const run = await step('4. Run the collection', 'run_collection');
  exitCode = run.status === 'passed' ? 0 : 1;
  console.log(exitCode === 0 ? '\nDemo passed: every request and assertion of the Todo API collection passed.' : `\nDemo run ended with status ${run.status}.`);
} catch (error) {
  console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await client.close().catch(() => undefined);
  await backend.close();
  rmSync(project, { recursive: true, force: true });
}
process.exit(exitCode);
