// postman-runtime loaded with Node's own loader (the engine patches installed unless switched off),
// running one collection against a loopback server, then a report of what its script and test
// callbacks received: the response each script's result carries, as JSON, and how it is held.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const { installEnginePatches } = await import('../../dist/core/engine/engine-patches.js');
installEnginePatches();
const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
const runtime = fromRuntime('postman-runtime');
const sdk = fromRuntime('postman-collection');

const server = createServer((req, res) => {
  res.sendDate = false;
  res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'set-cookie': 'session=abc; Path=/', 'x-twice': ['a', 'b'] });
  res.end(JSON.stringify({ path: req.url, list: [1, 2, 3] }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const test = (exec) => ({ listen: 'test', script: { exec } });
const collection = new sdk.Collection({
  info: { name: 'lazy response' },
  // Scripts at three levels: one test event, three executions sharing the request's response.
  event: [test(["pm.test('collection level', () => pm.response.to.have.status(200));"])],
  item: [
    {
      name: 'folder',
      event: [test(["pm.response.headers.add({ key: 'x-added', value: 'by the script' });"])],
      item: [
        { name: 'ok', request: `${base}/ok`, event: [test(["pm.test('ok', () => pm.expect(pm.response.json().list).to.have.length(3));"])] },
        { name: 'missing', request: `${base}/missing`, event: [test(["pm.environment.set('seen', pm.response.code);"])] },
      ],
    },
  ],
});

const seen = [];
const describe = (result) => {
  const descriptor = result && Object.getOwnPropertyDescriptor(result, 'response');
  if (!descriptor) return { held: 'absent' };
  const response = result.response;
  const json = response.toJSON();
  delete json.responseTime;
  return { held: descriptor.get ? 'getter' : 'value', enumerable: descriptor.enumerable, isResponse: sdk.Response.isResponse(response), sameOnRereading: result.response === response, json };
};
new runtime.Runner().run(collection, { environment: new sdk.VariableScope({}) }, (error, run) => {
  if (error) throw error;
  run.start({
    script: (_err, _cursor, result) => seen.push({ from: 'script', ...describe(result) }),
    test: (_err, _cursor, results) => seen.push({ from: 'test', scripts: results.map((entry) => describe(entry.result)) }),
    done: () => {
      server.close();
      parentPort?.postMessage({ seen });
    },
  });
});
