// Answers sized for real projects (bench/shop-project.mjs: 48 requests in nested folders, legacy
// scripts, chained variables, a data file): a passing run is one line, a broken backend reads as its
// causes within 4 KB, the outline lists folders (requests per folder, a page at a time), activate
// without a config fits 1 KB. The bench prints the same figures; here they are held.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
// @ts-expect-error: the bench fixture is plain JavaScript.
import { startShopBackend, writeShopProject } from '../../bench/shop-project.mjs';
import { RunSummarySchema } from '../../src/core/results/summary.js';
import { connectPair, type ConnectedPair } from '../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const textBytes = (result: CallToolResult) => result.content.reduce((sum, block) => sum + (block.type === 'text' ? Buffer.byteLength(block.text) : 0), 0);
const modelJson = (result: CallToolResult) => JSON.parse((result.content[1] as { text: string }).text) as Record<string, any>;

let shop: { url: string; state: { broken: boolean }; close(): Promise<void> };
let ws: TempWorkspace;
let bare: TempWorkspace;
let pair: ConnectedPair;
beforeAll(async () => {
  shop = await startShopBackend();
  ws = createTempWorkspace('Test_Task5_');
  bare = createTempWorkspace('Test_Task5_');
  writeShopProject(ws.dir, shop.url);
  writeShopProject(bare.dir, shop.url, { config: false });
  pair = await connectPair({ cwd: ws.dir, watchConfig: false });
});
afterAll(async () => {
  await pair.close();
  ws.cleanup();
  bare.cleanup();
  await shop.close();
});

it('a passing run is one line (first and repeated), a broken backend reads as its causes in 4 KB', async () => {
  const data = { data: 'postman/users.csv' };
  for (const round of [1, 2]) {
    const passing = await pair.call('run_collection', data);
    expect(RunSummarySchema.parse(passing.structuredContent).status).toBe('passed');
    expect({ round, fits: textBytes(passing) <= 500 }).toEqual({ round, fits: true });
  }
  shop.state.broken = true;
  try {
    const failing = await pair.call('run_collection', data);
    const summary = RunSummarySchema.parse(failing.structuredContent);
    expect(textBytes(failing)).toBeLessThanOrEqual(4096);
    const text = (failing.content[0] as { text: string }).text;
    // The three bugs, each named: the timestamp format (20+ requests), the checkout's 500, the missing email.
    expect(text).toMatch(/^\d\. "createdAt is ISO 8601": expected … to match .* — \d+ failures in (2\d|[3-9]\d) requests/m);
    expect(text).toMatch(/^\d\. "status is 201": expected response to have status code 201 but got 500 — 2 failures: Orders\/Checkout\/Checkout/m);
    expect(text).toMatch(/^\d\. "has email"/m);
    // Every failure counted once across the causes.
    expect(summary.causes.reduce((sum, cause) => sum + cause.failures, 0)).toBe(summary.stats.assertions.failed);
  } finally {
    shop.state.broken = false;
  }
}, 120_000);

it('the outline of 48 requests lists folders with counts and says how to see requests; a folder lists its own, a page at a time', async () => {
  const outline = await pair.call('get_collection', {});
  expect(textBytes(outline)).toBeLessThanOrEqual(3072);
  const json = modelJson(outline);
  expect(json.requests).toBeUndefined();
  expect(json.folders).toContainEqual({ path: 'Catalog', requests: 21 });
  expect((outline.content[0] as { text: string }).text).toMatch(/Requests are listed per folder: call get_collection with folder/);
  expect((outline.structuredContent as { requests: unknown[] }).requests).toHaveLength(48);

  const catalog = modelJson(await pair.call('get_collection', { folder: 'Catalog' }));
  expect(catalog.requests).toHaveLength(21);
  expect(catalog.requests[0]).toEqual({ name: 'List products', method: 'GET', url: '{{baseUrl}}/products', scripts: 'test', assertions: 1 });
  expect(catalog.nextPage).toBeUndefined();

  // A folder longer than a page continues on the next.
  ws.write('long.postman_collection.json', {
    info: { name: 'Long', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: [{ name: 'All', item: Array.from({ length: 30 }, (_, i) => ({ name: `r${i + 1}`, request: { method: 'GET', url: `{{baseUrl}}/r/${i + 1}` } })) }],
  });
  const first = await pair.call('get_collection', { collection: 'long.postman_collection.json', folder: 'All' });
  expect(modelJson(first)).toMatchObject({ nextPage: 2 });
  expect(modelJson(first).requests.map((request: { name: string }) => request.name)).toEqual(Array.from({ length: 25 }, (_, i) => `r${i + 1}`));
  expect((first.content[0] as { text: string }).text).toMatch(/Requests 1–25 of 30: page 2 continues\./);
  const second = modelJson(await pair.call('get_collection', { collection: 'long.postman_collection.json', folder: 'All', page: 2 }));
  expect(second.requests.map((request: { name: string }) => request.name)).toEqual(['r26', 'r27', 'r28', 'r29', 'r30']);
  expect(second.nextPage).toBeUndefined();
}, 60_000);

it('activate_power without .postman.json: the template, the next steps and what it found, in 1 KB', async () => {
  const other = await connectPair({ cwd: bare.dir, watchConfig: false });
  try {
    const result = await other.call('activate_power', {});
    expect(textBytes(result)).toBeLessThanOrEqual(1024);
    expect(modelJson(result)).toMatchObject({
      ready: false,
      config: {
        found: false,
        template: { collection: 'postman/collections/Shop API.postman_collection.json', baseUrl: shop.url, health: { path: '/health' } },
        discovered: { collections: ['postman/collections/Shop API.postman_collection.json'], collectionsTotal: 1, environmentsTotal: 1 },
      },
    });
    expect((result.content[0] as { text: string }).text).toMatch(/Write \.postman\.json/);
  } finally {
    await other.close();
  }
}, 60_000);
