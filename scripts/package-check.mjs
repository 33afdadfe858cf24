// `npm run test:package` (CI runs it after `npm test`): the package as a user gets it. Packs the
// built tree, checks what the tarball holds, installs it into an empty prefix with
// `npm install -g <tarball>`, then drives the installed binary: --version, `serve` answering
// tools/list over stdio, `run` on the example project, and every client snippet in README.md (and
// the power's mcp.json) started exactly as written. Exits non-zero naming the first thing wrong.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startTodoServer } from '../examples/todo-api/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(path.join(tmpdir(), 'postman-power-package-'));
const prefix = path.join(work, 'prefix');
const bin = path.join(prefix, 'bin');
const step = (text) => console.log(`- ${text}`);
function fail(message) {
  throw new Error(message);
}

/** The client snippets README.md marks with `<!-- snippet: name -->`, each the fenced block after it. */
export function readmeSnippets(readme) {
  const snippets = [];
  const marker = /<!-- snippet: ([^>]+?) -->\s*```(\w+)\n([\s\S]*?)```/g;
  for (const [, name, language, body] of readme.matchAll(marker)) snippets.push({ name, language, body });
  return snippets;
}

/** The command line a snippet starts: an MCP JSON config's server entry, or `claude mcp add … -- cmd args`. */
export function commandOf(snippet) {
  if (snippet.language === 'json') {
    const config = JSON.parse(snippet.body);
    const server = (config.mcpServers ?? config.servers)?.['postman-power'];
    if (!server?.command) fail(`snippet ${snippet.name}: no postman-power server with a command`);
    return { command: server.command, args: server.args ?? [] };
  }
  const words = snippet.body.trim().split(/\s+/);
  const dashes = words.indexOf('--');
  if (words[0] !== 'claude' || dashes < 0) fail(`snippet ${snippet.name}: not a "claude mcp add … -- command" line`);
  return { command: words[dashes + 1], args: words.slice(dashes + 2) };
}

async function listTools(command, args, cwd) {
  const env = { PATH: `${bin}${path.delimiter}${process.env.PATH}`, HOME: work };
  const client = new Client({ name: 'package-check', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args, cwd, env, stderr: 'pipe' }));
  try {
    const { tools } = await client.listTools();
    return tools.map((tool) => tool.name).sort();
  } finally {
    await client.close();
  }
}

let backend;
try {
  if (!existsSync(path.join(root, 'dist', 'postman-power.cjs'))) fail('dist/ is not built: run `npm run build` first');
  // The tree is built: pack it as it is (prepare would build it again).
  const tarball = path.join(work, execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop());
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const needed of ['dist/cli.cjs', 'dist/postman-power.cjs', 'dist/postman-power-server.cjs', 'dist/launcher.js', 'dist/core/engine/run-process.js', 'dist/server.js', 'POWER.md', 'mcp.json', 'steering/workflow.md', 'steering/config-reference.md', 'README.md']) {
    if (!listing.includes(`package/${needed}`)) fail(`the tarball has no ${needed}`);
  }
  for (const entry of listing) if (/^package\/(src|__tests__|bench)\/|\.v8cache$/.test(entry)) fail(`the tarball holds ${entry}`);
  step(`packed ${path.basename(tarball)} (${listing.filter(Boolean).length} files)`);

  // dist/ is in the tarball: the clone's `prepare` (a build) has nothing to do here.
  execFileSync('npm', ['install', '-g', tarball, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const binary = path.join(bin, 'postman-power');
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== pkg.version) fail(`postman-power --version printed "${version}", expected ${pkg.version}`);
  step(`installed into an empty prefix; postman-power --version: ${version}`);

  const project = path.join(work, 'project');
  cpSync(path.join(root, 'examples', 'todo-api'), project, { recursive: true });
  const served = await listTools(binary, ['serve'], project);
  if (served.length !== 6 || !served.includes('run_collection')) fail(`serve listed ${served.join(', ')}`);
  step(`postman-power serve answers tools/list: ${served.join(', ')}`);

  backend = await startTodoServer(0);
  const config = path.join(project, '.postman.json');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), baseUrl: backend.url }));
  // Asynchronously: the example backend answers from this process's event loop.
  const run = await promisify(execFile)(binary, ['run'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } }).catch((error) =>
    fail(`postman-power run on the example exited ${error.code}:\n${error.stdout}\n${error.stderr}`),
  );
  step(`postman-power run on the example project: exit 0 (${run.stdout.trim().split('\n').pop()})`);

  const snippets = readmeSnippets(readFileSync(path.join(root, 'README.md'), 'utf8'));
  const names = snippets.map((snippet) => snippet.name.split(' ')[0]);
  for (const client of ['kiro', 'claude-code', 'claude-desktop', 'vscode', 'cursor']) if (!names.includes(client)) fail(`README has no ${client} snippet`);
  const kiro = snippets.find((snippet) => snippet.name.startsWith('kiro'));
  const shipped = JSON.parse(readFileSync(path.join(prefix, 'lib', 'node_modules', 'postman-power', 'mcp.json'), 'utf8'));
  if (JSON.stringify(JSON.parse(kiro.body)) !== JSON.stringify(shipped)) fail('README\'s Kiro snippet differs from the packaged mcp.json');
  for (const snippet of [...snippets, { name: 'packaged mcp.json', language: 'json', body: JSON.stringify(shipped) }]) {
    const { command, args } = commandOf(snippet);
    const tools = await listTools(command, args, project);
    if (JSON.stringify(tools) !== JSON.stringify(served)) fail(`snippet ${snippet.name} (${command} ${args.join(' ')}) listed ${tools.join(', ')}`);
    step(`snippet ${snippet.name}: \`${[command, ...args].join(' ')}\` answers tools/list`);
  }
  console.log('Package check passed.');
} catch (error) {
  console.error(`Package check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await backend?.close();
  rmSync(work, { recursive: true, force: true });
}
