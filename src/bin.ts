// The postman-power binary, bundled by scripts/bundle.mjs into dist/cli.cjs: a CommonJS file, which Node
// starts without its ES module loader (a few ms of every cold start). With no arguments, or `serve`,
// it runs the MCP server's bundle (dist/postman-power-server.cjs: what the handshake needs, src/serve.ts);
// any other command, the CLI's (dist/postman-power.cjs), which also answers `serve --help`. Both with
// a code cache (src/launcher.ts). For `run`, the run's process starts first: its start is most of a
// one-shot run's wait, and it overlaps the CLI's own (src/core/engine/run-process-spawn.ts).
import { coreModule, launchBuilt } from './core-bundle.js';

/** The server bundle's hash as the build recorded it (scripts/bundle.mjs); unbundled, the launcher hashes it. */
declare const __POSTMAN_POWER_SERVER_SHA256__: string | undefined;

/** Runs `start`; a bundle it cannot load is said on stderr (with what to do), exit code 2. */
const orSay = (start: () => void) => () => {
  try {
    start();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
  }
};
const args = process.argv.slice(2);
const runCli = orSay(() => void (coreModule('src/cli/main.ts') as typeof import('./cli/main.js')).main(process.argv));
if (args.length === 0 || (args.length === 1 && args[0] === 'serve')) {
  orSay(() => launchBuilt('./postman-power-server.cjs', typeof __POSTMAN_POWER_SERVER_SHA256__ === 'string' ? __POSTMAN_POWER_SERVER_SHA256__ : undefined))();
} else if (args[0] === 'run' && !args.includes('--help') && !args.includes('-h')) {
  import('./core/engine/run-process-spawn.js')
    .then(({ startEarlyRunProcess }) => startEarlyRunProcess())
    // The CLI starts its run's process itself, a moment later.
    .catch(() => undefined)
    .finally(runCli);
} else {
  runCli();
}
