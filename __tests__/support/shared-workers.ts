// Warm run processes per test file, lent to every server the file builds: a fresh server would
// otherwise load the engine and boot a script context for its first run. Runs still get a context,
// scopes, agents and cookie jar of their own; a cancelled run's process is ended, not reused.
// `after-file.ts` closes them when the file ends.
import { ProcessRunner, runProcessScript } from '../../src/core/engine/process-runner.js';

let shared: ProcessRunner | undefined;

/** The file's warm run processes (undefined when the run process is not built). */
export function sharedWorkers(): ProcessRunner | undefined {
  const script = runProcessScript();
  if (!script) return undefined;
  shared ??= new ProcessRunner(script);
  return shared;
}

export async function closeSharedWorkers(): Promise<void> {
  const closing = shared;
  shared = undefined;
  await closing?.close();
}
