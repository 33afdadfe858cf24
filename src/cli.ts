// The postman-power binary's entry (bundled into dist/postman-power.cjs, started by dist/cli.cjs). The
// MCP server (no arguments, or `serve`) loads only what serving needs; any other command loads the
// CLI (src/cli/main.ts: commander, the reporters), which also answers `serve --help`.
import { config } from 'zod';

// These processes parse small inputs (JSON-RPC messages, arguments, a config file): building each
// schema's compiled parser (zod's `new Function` fast path) costs a cold start ~5 ms and saves
// nothing measurable after. Set before the MCP SDK's protocol schemas are built, so they take it too.
config({ jitless: true });

const args = process.argv.slice(2);
if (args.length === 0 || (args.length === 1 && args[0] === 'serve')) {
  void import('./serve-stdio.js').then(({ serveFromCommandLine }) => serveFromCommandLine());
} else {
  void import('./cli/main.js').then(({ main }) => main(process.argv));
}
