// Answer sizes: the text bytes each tool call puts into an agent's context (every text block of the
// result), on the example project and on a 30-request fixture with 5 failing requests, over the
// built server's real stdio. `node bench/answers.mjs` prints the table; `npm run bench` writes it
// to BENCHMARKS.md with the budgets the issue set. SHOW_ANSWERS=1 also prints each answer to stderr.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startTodoServer } from '../examples/todo-api/server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Thirty GETs in three folders; five of them (one per two folders, and so on) fail two assertions each. */
function failingFixture() {
  const request = (folder, i) => {
    const failing = i % 6 === 5;
    return {
      name: `${folder} ${i + 1}`,
      request: { method: 'GET', url: failing ? '{{baseUrl}}/todos/999' : '{{baseUrl}}/health' },
      event: [{ listen: 'test', script: { exec: ["pm.test('status is 200', () => pm.response.to.have.status(200));", "pm.test('has status ok', () => pm.expect(pm.response.json().status).to.eql('ok'));"] } }],
    };
  };
  return {
    info: { name: 'Thirty with five failing', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: ['Users', 'Orders', 'Billing'].map((folder, f) => ({ name: folder, item: Array.from({ length: 10 }, (_, i) => request(folder, f * 10 + i)) })),
  };
}

const textBytes = (result) => result.content.filter((block) => block.type === 'text').reduce((sum, block) => sum + Buffer.byteLength(block.text), 0);

export async function measureAnswers() {
  const backend = await startTodoServer(0);
  const project = mkdtempSync(path.join(tmpdir(), 'postman-power-answers-'));
  cpSync(path.join(root, 'examples', 'todo-api'), project, { recursive: true });
  const config = path.join(project, '.postman.json');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), baseUrl: backend.url }));
  writeFileSync(path.join(project, 'thirty.postman_collection.json'), JSON.stringify(failingFixture()));
  const env = { PATH: process.env.PATH ?? '' };
  const client = new Client({ name: 'answers-bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(root, 'dist', 'cli.js')], cwd: project, env, stderr: 'ignore' }));
  const rows = [];
  const measure = async (label, name, args, budget) => {
    const result = await client.callTool({ name, arguments: args });
    if (process.env.SHOW_ANSWERS) console.error(`--- ${label}\n${result.content.map((b) => b.text).join("\n")}`);
    rows.push({ label, call: `${name} ${JSON.stringify(args)}`, bytes: textBytes(result), budget, status: result.structuredContent?.status ?? (result.isError ? 'error' : '') });
  };
  try {
    await measure('activate_power, everything ready', 'activate_power', {}, 1024);
    await measure('check_backend_health, healthy', 'check_backend_health', {}, 400);
    await measure('check_backend_health, nothing listening (5 attempts)', 'check_backend_health', { url: 'http://127.0.0.1:9/health', attempts: 5, timeout_ms: 200, deadline_ms: 5000 }, undefined);
    await measure('run_collection, example project, passing (8 requests), first run', 'run_collection', {}, 500);
    await measure('run_collection, the same run again (with since_last)', 'run_collection', {}, 500);
    await measure('run_collection, 30 requests, 5 failing', 'run_collection', { collection: 'thirty.postman_collection.json', check_health: false }, 4096);
    await measure('get_collection, example project outline', 'get_collection', {}, undefined);
  } finally {
    await client.close();
    await backend.close();
    rmSync(project, { recursive: true, force: true });
  }
  return rows;
}

export function answersTable(rows) {
  return [
    '| answer | text bytes | budget |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.label}${row.status ? ` (${row.status})` : ''} | ${row.bytes} | ${row.budget ? `≤ ${row.budget} ${row.bytes <= row.budget ? '✓' : '✗'}` : '—'} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(answersTable(await measureAnswers()));
}
