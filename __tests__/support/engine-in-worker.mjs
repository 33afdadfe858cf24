// The run worker itself (dist/core/runner/run-worker.js: its sandbox pool, fast path and engine load
// in its own order, with Node's loader rather than jest's module registry), then a report of what the
// engine patches did and the PropertyBase the worker's engine ended up with.
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

await import('../../dist/core/runner/run-worker.js');
const { enginePatchOutcomes } = await import('../../dist/core/runner/engine-patches.js');
const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
const sdk = fromRuntime('postman-collection');
const header = new sdk.Header({ key: 'a', value: 'b', _postman_note: 'kept' });
parentPort?.postMessage({
  outcomes: [...enginePatchOutcomes()],
  propertyBase: sdk.PropertyBase.toString(),
  meta: header._,
});
