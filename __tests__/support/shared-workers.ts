// One warm run worker per test file, lent to every server the file builds: a fresh server would
// otherwise load the engine and boot a sandbox for its first run (~1.5 s of CPU each). Runs still
// build their own scopes, agents and cookie jars; a cancelled run's worker is ended, not reused.
// `after-file.ts` closes it when the file ends.
import { WorkerRunner, workerScript } from '../../src/core/runner/worker-runner.js';

let shared: WorkerRunner | undefined;

/** The file's warm workers (undefined when there is no built worker: runs then go in-thread). */
export function sharedWorkers(): WorkerRunner | undefined {
  const script = workerScript();
  if (!script) return undefined;
  shared ??= new WorkerRunner(script);
  return shared;
}

export async function closeSharedWorkers(): Promise<void> {
  const closing = shared;
  shared = undefined;
  await closing?.close();
}
