// Starts a run of a slow request (in a run process), cancels it while the request is in flight,
// closes the client, and then simply returns: if anything of the run were left (a socket, a timer,
// a process), this process would not exit on its own. Used by load.test.ts.
//   node cancel-and-exit.mjs <workspace dir> <collection path>
import { PostmanPowerClient } from '../../dist/core/power-client.js';

const [cwd, collection] = process.argv.slice(2);
for (const attempt of ['first', 'second']) {
  const client = new PostmanPowerClient({ env: {}, cwd });
  const started = await client.runCollection({ collection, checkHealth: false });
  if (!('handle' in started)) throw new Error('the run did not start');
  // Setup, not a verdict: give the run time to send its request (it then waits 10 s for the answer).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  started.handle.cancel('test');
  const summary = await started.handle.promise;
  if (summary.status !== 'cancelled') throw new Error(`expected cancelled, got ${summary.status}`);
  await client.close();
  process.stderr.write(`${attempt}: cancelled\n`);
}
