// Helpers shared by the benchmark scenarios: backends, collections, statistics.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startBackend(latencyMs = 0) {
  const child = fork(path.join(here, 'backend.mjs'), [], { env: { ...process.env, LATENCY_MS: String(latencyMs) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('error', reject);
  });
  return { url: `http://127.0.0.1:${port}`, close: () => child.kill() };
}

const TESTS = ["pm.test('status is 200', () => pm.response.to.have.status(200));", "pm.test('ok is true', () => pm.expect(pm.response.json().ok).to.eql(true));"];

const PRE_REQUEST = ["pm.variables.set('sent', pm.info.requestName);", "pm.environment.set('count', (pm.environment.get('count') || 0) + 1);"];
/** The legacy APIs real collections use: tests[], responseCode, responseBody, postman.*, require. */
const LEGACY = [
  "tests['status is 200'] = responseCode.code === 200;",
  "tests['ok is true'] = JSON.parse(responseBody).ok === true;",
  "postman.setEnvironmentVariable('last', responseCode.code);",
  "var lodash = require('lodash'); tests['has ok'] = lodash.has(JSON.parse(responseBody), 'ok');",
];
/** The scripts of each request: `test` (a test script with two assertions), `none`, `prerequest+test` or `legacy`. */
const EVENTS = {
  legacy: [{ listen: 'test', script: { exec: LEGACY } }],
  none: [],
  test: [{ listen: 'test', script: { exec: TESTS } }],
  'prerequest+test': [{ listen: 'prerequest', script: { exec: PRE_REQUEST } }, { listen: 'test', script: { exec: TESTS } }],
};

export function flatCollection(count, pathname = '/json', scripts = 'test') {
  return {
    info: { name: `bench-${count}`, schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: Array.from({ length: count }, (_, i) => ({
      name: `request ${i + 1}`,
      request: { method: 'GET', url: `{{baseUrl}}${pathname}` },
      event: EVENTS[scripts],
    })),
  };
}

export function folderCollection(folders, perFolder) {
  return {
    info: { name: `bench-${folders}x${perFolder}`, schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: Array.from({ length: folders }, (_, f) => ({
      name: `folder ${f + 1}`,
      item: flatCollection(perFolder).item.map((item, i) => ({ ...item, name: `f${f + 1} request ${i + 1}` })),
    })),
  };
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export const mb = (bytes) => round(bytes / 1024 / 1024, 1);
