// The run process itself (dist/core/engine/run-process.js: its engine patches, its isolated sandbox
// and its engine load in its own order, with Node's loader rather than jest's module registry), then
// a report of what the engine patches did and the PropertyBase the process's engine ended up with.
// Forked by engine-patches.test.ts with an IPC channel: the run process waits for runs on it.
import { createRequire } from 'node:module';

const report = process.send?.bind(process);
// The run process starts when it has a channel; it says 'ready' once its engine is loaded.
const { startRunProcess } = await import('../../dist/core/engine/run-process.js');
startRunProcess();
await new Promise((resolve) => {
  const wait = () => (process.listenerCount('message') > 0 ? resolve() : setTimeout(wait, 20));
  wait();
});
const { enginePatchOutcomes } = await import('../../dist/core/engine/engine-patches.js');
const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
const sdk = fromRuntime('postman-collection');
const header = new sdk.Header({ key: 'a', value: 'b', _postman_note: 'kept' });
report?.({
  outcomes: [...enginePatchOutcomes()],
  propertyBase: sdk.PropertyBase.toString(),
  meta: header._,
});
