// The postman-power binary, bundled by scripts/bundle.mjs into dist/cli.cjs: a CommonJS file, which Node
// starts without its ES module loader (a few ms of every cold start). It runs the bundled CLI
// (dist/postman-power.cjs) with a code cache. For `run`, the run's process starts first: its start is
// most of a one-shot run's wait, and it overlaps the CLI's own (src/core/engine/run-process-spawn.ts).
import { fileURLToPath } from 'node:url';
import { launch } from './launcher.js';

/** The CLI bundle's hash as the build recorded it (scripts/bundle.mjs); unbundled, the launcher hashes it. */
declare const __POSTMAN_POWER_BUNDLE_SHA256__: string | undefined;
const bundleSha256 = typeof __POSTMAN_POWER_BUNDLE_SHA256__ === 'string' ? __POSTMAN_POWER_BUNDLE_SHA256__ : undefined;

const start = () => launch(fileURLToPath(new URL('./postman-power.cjs', import.meta.url)), bundleSha256);
const [command] = process.argv.slice(2);
if (command === 'run' && !process.argv.includes('--help') && !process.argv.includes('-h')) {
  import('./core/engine/run-process-spawn.js')
    .then(({ startEarlyRunProcess }) => startEarlyRunProcess())
    // The CLI starts its run's process itself, a moment later.
    .catch(() => undefined)
    .finally(start);
} else {
  start();
}
