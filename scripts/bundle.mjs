// `npm run build`, second step. dist/postman-power.cjs: the server and the CLI with their
// dependencies in one CommonJS file, so a cold start reads and compiles one file instead of
// resolving and loading hundreds (and can use a V8 code cache, see src/launcher.ts). The engine
// (postman-runtime and friends, loaded only when a run starts) stays outside, and so does the run
// worker tsc built under dist/core/. dist/cli.js, the binary, is rewritten to launch the bundle.
import { writeFileSync, chmodSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/postman-power.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's "main" is a UMD build with runtime requires a bundler cannot follow.
  mainFields: ['module', 'main'],
  external: ['postman-runtime', 'postman-collection', 'postman-collection-transformer', '@postman/tough-cookie', 'postman-sandbox'],
  // import() of the engine becomes require(): the bundle is compiled by vm.Script, which has no ESM loader.
  supported: { 'dynamic-import': false },
  // The sources locate their siblings (the run worker, package.json) from import.meta.url.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  logLevel: 'warning',
});

writeFileSync(
  'dist/cli.js',
  `#!/usr/bin/env node
// The postman-power binary: runs the bundled CLI (dist/postman-power.cjs) with a code cache.
import { fileURLToPath } from 'node:url';
import { launch } from './launcher.js';

launch(fileURLToPath(new URL('./postman-power.cjs', import.meta.url)));
`,
);
chmodSync('dist/cli.js', 0o755);
