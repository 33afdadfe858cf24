// Loads the engine as a run worker does (real Node loader, not jest's module registry) and reports
// what the engine patches did and the PropertyBase the engine ended up with.
import { parentPort } from 'node:worker_threads';

const { loadEngine } = await import('../../dist/core/runner/run-collection.js');
const { enginePatchOutcomes } = await import('../../dist/core/runner/engine-patches.js');
const engine = await loadEngine();
const header = new engine.sdk.Header({ key: 'a', value: 'b', _postman_note: 'kept' });
parentPort?.postMessage({
  outcomes: [...enginePatchOutcomes()],
  propertyBase: engine.sdk.PropertyBase.toString(),
  meta: header._,
});
