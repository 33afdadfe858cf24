// A run worker that says it is ready, then throws while nobody has given it a run: what a worker does
// when something its last run left behind fails late (worker-runner.ts must not let it crash the server).
import { parentPort } from 'node:worker_threads';

parentPort?.postMessage({ type: 'ready' });
parentPort?.once('message', () => undefined);
setImmediate(() => {
  throw new Error('thrown while idle');
});
