// Answer sizes: the text bytes each tool call puts into an agent's context (every text block of the
// result), on the example project, on a 30-request fixture with 5 failing requests, and on a project
// shaped like real ones (bench/shop-project.mjs: 48 requests in nested folders, legacy scripts, chained
// variables, a data file; its backend broken in one field used by 20 requests plus two unrelated
// bugs), over the built server's real stdio. `node bench/answers.mjs` prints the table; `npm run bench` writes it
// to BENCHMARKS.md with the budgets the issue set. SHOW_ANSWERS=1 also prints each answer to stderr.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startTodoServer } from '../examples/todo-api/server.mjs';
import { startShopBackend, writeShopProject } from './shop-project.mjs';

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
  rows.push(...(await measureShop()));
  return rows;
}

/** The real-project-shaped rows: a fresh server per project, as an agent's session would have. */
async function measureShop() {
  const shop = await startShopBackend();
  const project = mkdtempSync(path.join(tmpdir(), 'postman-power-shop-'));
  const bare = mkdtempSync(path.join(tmpdir(), 'postman-power-shop-bare-'));
  const { requests } = writeShopProject(project, shop.url);
  writeShopProject(bare, shop.url, { config: false });
  const rows = [];
  const connect = async (cwd) => {
    const client = new Client({ name: 'answers-bench', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [path.join(root, 'dist', 'cli.js')], cwd, env: { PATH: process.env.PATH ?? '' }, stderr: 'ignore' }));
    return client;
  };
  const measure = async (client, label, name, args, budget, check) => {
    const result = await client.callTool({ name, arguments: args });
    const text = result.content.map((b) => b.text).join('\n');
    if (process.env.SHOW_ANSWERS) console.error(`--- ${label}\n${text}`);
    rows.push({ label, call: `${name} ${JSON.stringify(args)}`, bytes: textBytes(result), budget, status: result.structuredContent?.status ?? (result.isError ? 'error' : ''), ...(check ? { check: check(result, text) } : {}) });
  };
  const client = await connect(project);
  const bareClient = await connect(bare);
  try {
    await measure(bareClient, `Shop API (${requests} requests): activate_power without .postman.json`, 'activate_power', {}, 1024);
    await measure(client, 'Shop API: check_backend_health, healthy', 'check_backend_health', {}, 400);
    await measure(client, `Shop API: get_collection outline (${requests} requests)`, 'get_collection', {}, 3072);
    const data = { data: 'postman/users.csv' };
    await measure(client, 'Shop API: run_collection with the data file, passing, first run', 'run_collection', data, 500);
    await measure(client, 'Shop API: the same run again, passing', 'run_collection', data, 500);
    shop.state.broken = true;
    await measure(client, 'Shop API: backend broken (timestamps in 20 requests, checkout 500, a missing email)', 'run_collection', data, 4096, (result) => {
      // Every distinct cause shown: the timestamp format, the checkout status, the missing email.
      const causes = result.structuredContent?.causes ?? [];
      const text = result.content[0]?.text ?? '';
      const shown = ['createdAt is ISO 8601', 'status is 201', 'has email'].filter((name) => text.includes(`"${name}"`));
      return `${causes.length} causes, ${shown.length}/3 distinct ones named`;
    });
    shop.state.broken = false;
    await measure(client, 'Shop API: fixed again (since the last run: fixed)', 'run_collection', data, 500);
  } finally {
    await client.close();
    await bareClient.close();
    await shop.close();
    rmSync(project, { recursive: true, force: true });
    rmSync(bare, { recursive: true, force: true });
  }
  return rows;
}

export function answersTable(rows) {
  return [
    '| answer | text bytes | budget |',
    '|---|---|---|',
    ...rows.map((row) => `| ${row.label}${row.status ? ` (${row.status})` : ''}${row.check ? `: ${row.check}` : ''} | ${row.bytes} | ${row.budget ? `≤ ${row.budget} ${row.bytes <= row.budget ? '✓' : '✗'}` : '—'} |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(answersTable(await measureAnswers()));
}
