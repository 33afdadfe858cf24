// The postman-power binary, bundled by scripts/bundle.mjs into dist/cli.cjs: a CommonJS file, which Node
// starts without its ES module loader (a few ms of every cold start). With no arguments, or `serve`,
// it runs the MCP server's bundle (dist/postman-power-server.cjs: what the handshake needs, src/serve.ts);
// any other command, the CLI's (dist/postman-power.cjs), which also answers `serve --help`. Both with
// a code cache (src/launcher.ts). For `run`, the run's process starts first: its start is most of a
// one-shot run's wait, and it overlaps the CLI's own (src/core/engine/run-process-spawn.ts).
import { fileURLToPath } from 'node:url';
import type { CoreBundle } from './core-bundle.js';
import { launch } from './launcher.js';

/** The bundles' hashes as the build recorded them (scripts/bundle.mjs); unbundled, the launcher hashes them. */
declare const __POSTMAN_POWER_BUNDLE_SHA256__: string | undefined;
declare const __POSTMAN_POWER_SERVER_SHA256__: string | undefined;
const beside = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const args = process.argv.slice(2);
const runCli = () => {
  const { modules } = launch(beside('./postman-power.cjs'), typeof __POSTMAN_POWER_BUNDLE_SHA256__ === 'string' ? __POSTMAN_POWER_BUNDLE_SHA256__ : undefined) as CoreBundle;
  void (modules['src/cli/main.ts']!() as typeof import('./cli/main.js')).main(process.argv);
};
if (args.length === 0 || (args.length === 1 && args[0] === 'serve')) {
  launch(beside('./postman-power-server.cjs'), typeof __POSTMAN_POWER_SERVER_SHA256__ === 'string' ? __POSTMAN_POWER_SERVER_SHA256__ : undefined);
} else if (args[0] === 'run' && !args.includes('--help') && !args.includes('-h')) {
  import('./core/engine/run-process-spawn.js')
    .then(({ startEarlyRunProcess }) => startEarlyRunProcess())
    // The CLI starts its run's process itself, a moment later.
    .catch(() => undefined)
    .finally(runCli);
} else {
  runCli();
}
