// The postman-power binary's entry (bundled into dist/postman-power.cjs, started by dist/cli.cjs). The
// MCP server (no arguments, or `serve`) loads only what serving needs; any other command loads the
// CLI (src/cli/main.ts: commander, the reporters), which also answers `serve --help`.
const args = process.argv.slice(2);
if (args.length === 0 || (args.length === 1 && args[0] === 'serve')) {
  void import('./serve-stdio.js').then(({ serveFromCommandLine }) => serveFromCommandLine());
} else {
  void import('./cli/main.js').then(({ main }) => main(process.argv));
}

export {};
