// The run a run process makes on itself before it makes its code caches (once per build and heap
// size; run-process.ts). A cache made right after the boot holds only the code the boot ran; a
// one-shot run then compiles the request path, the pm API, chai and the legacy globals as it goes
// (a fresh process ran 30 requests at ~7 ms each where a warm one takes ~2.5). So the process first
// runs a collection of its own — every kind of script a collection has, against a server of its own
// on loopback — and the caches carry what that compiled. Nothing of a user's is involved: the
// caches are still made before 'ready', before any collection's script exists in the process, and
// the warm-up's script context is dropped with its run, as every run's is.
import type { AddressInfo } from 'node:net';
import type { CollectionJson } from '../collection/json.js';
import { DEFAULT_RUN_OPTIONS } from '../runs/options.js';
import type { startLanes } from '../runs/lanes.js';
import type { Engine } from './run-collection.js';

const PRE_REQUEST = ["pm.variables.set('sent', pm.info.requestName);", "pm.environment.set('count', (pm.environment.get('count') || 0) + 1);"];
const TESTS = [
  "pm.test('status', () => pm.response.to.have.status(200));",
  "pm.test('body', () => { pm.expect(pm.response.json().ok).to.eql(true); pm.expect(pm.response.headers.get('content-type')).to.include('json'); });",
  "pm.collectionVariables.set('last', pm.response.code);",
];
const LEGACY = [
  "tests['status'] = responseCode.code === 200;",
  "tests['body'] = JSON.parse(responseBody).ok === true;",
  "postman.setEnvironmentVariable('last', responseCode.code);",
  "var lodash = require('lodash'); tests['has ok'] = lodash.has(JSON.parse(responseBody), 'ok');",
];
const WARM_UP_REQUEST_MS = 2_000;
const WARM_UP_RUN_MS = 5_000;

const script = (listen: 'prerequest' | 'test', exec: string[]) => ({ listen, script: { type: 'text/javascript', exec } });

const WARM_UP: CollectionJson = {
  info: { name: 'postman-power warm-up', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
  item: [
    { name: 'get', request: { method: 'GET', url: '{{baseUrl}}/json?q=1', header: [{ key: 'accept', value: 'application/json' }] }, event: [script('prerequest', PRE_REQUEST), script('test', TESTS)] },
    { name: 'post', request: { method: 'POST', url: '{{baseUrl}}/json', body: { mode: 'raw', raw: '{"a":1}', options: { raw: { language: 'json' } } } }, event: [script('test', LEGACY)] },
  ],
} as unknown as CollectionJson;

/** Runs the warm-up collection twice in this process (its own server, its own context); resolves when done, whatever it gave. */
export async function warmUp(engine: Engine, lanes: typeof startLanes): Promise<void> {
  const server = engine.http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    // Bounded: a proxy in the environment, or anything else that stalls a request, costs this start
    // a few seconds at most, never the run it is waiting for.
    const input = { ...DEFAULT_RUN_OPTIONS, requestTimeoutMs: WARM_UP_REQUEST_MS, runTimeoutMs: WARM_UP_RUN_MS, collection: WARM_UP, source: { kind: 'local' as const, ref: 'warm-up' }, envVars: { baseUrl: `http://127.0.0.1:${port}` }, root: process.cwd(), iterations: 2 };
    await lanes(input, 1, engine).promise;
  } finally {
    server.close();
    server.closeAllConnections();
  }
}
