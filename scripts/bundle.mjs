// `npm run build`, second step (after tsc). The server, the CLI and their dependencies in CommonJS
// bundles, so a cold start reads and compiles a file instead of resolving and loading hundreds of
// modules (and can use a V8 code cache, see src/launcher.ts):
// - dist/postman-power-server.cjs (src/serve.ts): the MCP server's front, what the handshake needs;
//   what it imports dynamically from src/ (its core, src/server-core.ts, and what the resources read
//   with) it takes from the CLI's bundle when first needed (src/core-bundle.ts).
// - dist/postman-power.cjs: everything else, the CLI and the server's core; it exports each module
//   others take from it, by source path.
// - dist/cli.cjs (src/bin.ts), the binary: starts one or the other, knowing their hashes.
// The engine (postman-runtime and friends, loaded only in a run process) stays outside; its bundle,
// dist/run-process.cjs, is built below.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { ENGINE_PATCHES, patchFile, patchTargets } from '../dist/core/engine/engine-patches.js';
import { listTools } from '../dist/tools/define-tool.js';
import { tools } from '../dist/tools/index.js';

/** A built file's hash, for the code that loads it (its code cache is named by it; code-cache.ts builtSource). */
const fileSha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

const root = process.cwd();
const sources = path.join(root, 'src');
const fromSources = (file) => path.relative(root, file).split(path.sep).join('/');
const cjs = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's "main" is a UMD build with runtime requires a bundler cannot follow.
  mainFields: ['module', 'main'],
  external: ['postman-runtime', 'postman-collection', 'postman-collection-transformer', '@postman/tough-cookie', 'postman-sandbox'],
  // import() becomes a lazily run module (or require() of the engine): a bundle is compiled by vm.Script, which has no ESM loader.
  supported: { 'dynamic-import': false },
  // The sources locate their siblings (the run worker, package.json) from import.meta.url.
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  logLevel: 'warning',
};
// tools/list, worked out here from the tool definitions tsc just built (src/server.ts answers with it
// at a cold start instead of evaluating them; a test checks it equals what the server works out).
const toolsList = JSON.stringify(JSON.stringify(listTools(tools)));

/** The front's dynamic imports of modules in src/, each resolved to its file: `take(file)` says what becomes of it. */
const frontImports = (take) => ({
  name: 'postman-power-front-imports',
  setup(bundler) {
    bundler.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || !args.importer.startsWith(sources)) return undefined;
      const resolved = await bundler.resolve(args.path, { importer: args.importer, resolveDir: args.resolveDir, kind: 'import-statement' });
      if (resolved.errors.length) return { errors: resolved.errors };
      // Node's own modules and the engine's packages stay as they are; only our modules are taken.
      if (resolved.external || !resolved.path.startsWith(sources)) return undefined;
      return take(fromSources(resolved.path));
    });
    bundler.onLoad({ filter: /.*/, namespace: 'postman-power-core' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(path.join(sources, 'core-bundle.ts'))}).coreModule(${JSON.stringify(args.path)});`,
      resolveDir: root,
      loader: 'js',
    }));
  },
});
const front = { ...cjs, entryPoints: ['src/serve.ts'], define: { 'import.meta.url': '__bundleUrl', __POSTMAN_POWER_TOOLS_LIST__: toolsList } };

// What the front takes from the CLI's bundle: its dynamic imports from src/ (a dry build lists them).
const lazy = new Set();
await build({ ...front, write: false, outfile: 'dist/postman-power-server.cjs', plugins: [frontImports((file) => (lazy.add(file), { path: file, external: true }))] });

// dist/postman-power.cjs: zod set up first (src/zod-jitless.ts), then each module others take, run when first taken.
const carried = ['src/cli/main.ts', ...[...lazy].sort()];
await build({
  ...cjs,
  stdin: {
    contents: `require('./src/zod-jitless.ts');\nexports.modules = {\n${carried.map((file) => `  ${JSON.stringify(file)}: () => require(${JSON.stringify(`./${file}`)}),`).join('\n')}\n};\n`,
    resolveDir: root,
    sourcefile: 'postman-power-bundle.js',
    loader: 'js',
  },
  outfile: 'dist/postman-power.cjs',
  define: { 'import.meta.url': '__bundleUrl', __POSTMAN_POWER_TOOLS_LIST__: toolsList },
  sourcemap: true,
});
const bundleSha256 = JSON.stringify(fileSha256('dist/postman-power.cjs'));

await build({
  ...front,
  outfile: 'dist/postman-power-server.cjs',
  define: { ...front.define, __POSTMAN_POWER_BUNDLE_SHA256__: bundleSha256 },
  plugins: [frontImports((file) => ({ path: file, namespace: 'postman-power-core' }))],
  sourcemap: true,
});

await build({
  ...cjs,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/cli.cjs',
  define: { 'import.meta.url': '__bundleUrl', __POSTMAN_POWER_BUNDLE_SHA256__: bundleSha256, __POSTMAN_POWER_SERVER_SHA256__: JSON.stringify(fileSha256('dist/postman-power-server.cjs')) },
  banner: { js: `#!/usr/bin/env node\n${cjs.banner.js}` },
});
chmodSync('dist/cli.cjs', 0o755);
// dist/cli.js: what `node dist/cli.js` ran before the binary was CommonJS; it starts the same binary.
writeFileSync('dist/cli.js', "#!/usr/bin/env node\n// The postman-power binary is dist/cli.cjs (src/bin.ts); this name starts it too.\nimport './cli.cjs';\n");
chmodSync('dist/cli.js', 0o755);

// dist/run-process.cjs: the run process with the engine compiled in. Node's loader took about 400 ms
// to resolve, read and compile the engine's ~400 modules at every run process's start. The engine
// goes in as src/core/engine/engine-modules.bundled.ts asks for it, with what Node's loader does at
// run time done here: the engine patches applied (patchFile, as the require hook applies them), uvm's
// worker module replaced by the slot the context worker fills. postman-sandbox's boot code stays out
// of the bundle: the browser build (the one that runs) is read beside the engine at run time with
// its own code cache, and the Node build, which uvm would carry for nothing, is a placeholder.
const fromRuntime = createRequire(createRequire(import.meta.url).resolve('postman-runtime'));
const fromSandbox = createRequire(fromRuntime.resolve('postman-sandbox'));
const resolved = {
  uvmWorker: fromSandbox.resolve('uvm/lib/worker.js'),
  nodeBootCode: fromSandbox.resolve('./.cache/bootcode.js'),
  sandboxBundler: fromSandbox.resolve('./lib/bundle/index.js'),
};
const bundledModules = path.resolve('src/core/engine/engine-modules.bundled.ts');
const engineRoots = { 'postman-sandbox': fromRuntime, flatted: createRequire(fromSandbox.resolve('uvm')), uvm: fromSandbox };
// Each patched file's source, worked out before the build so the bundle can carry the outcomes.
const patchedFiles = new Map();
// A module is "patched" when every file of it the engine resolves took its patches.
const outcomes = Object.fromEntries(ENGINE_PATCHES.map((patch) => [patch.module, 'unchanged']));
const failed = new Set();
for (const [file, patches] of patchTargets()) {
  const patched = patchFile(readFileSync(file, 'utf8'), patches);
  if (patched !== undefined) patchedFiles.set(file, patched);
  else process.stderr.write(`warning: the engine patches for ${patches[0].module} no longer apply to ${file}; it is bundled as published\n`);
  for (const patch of patches) {
    if (patched === undefined) failed.add(patch.module);
    outcomes[patch.module] = failed.has(patch.module) ? 'unchanged' : 'patched';
  }
}
const workerSource = readFileSync(resolved.uvmWorker, 'utf8');
for (const member of ['static __self', 'static __bootCodeExecutor', 'static __exceptionHandler', 'module.exports']) {
  if (!workerSource.includes(member)) throw new Error(`uvm/lib/worker.js has no "${member}": the context worker cannot take its place (see src/core/engine/isolated-sandbox.ts)`);
}

const enginePlugin = {
  name: 'postman-power-engine',
  setup(bundler) {
    bundler.onResolve({ filter: /^jsonc-parser$/ }, () => ({ path: createRequire(import.meta.url).resolve('jsonc-parser').replace(/umd[\\/]main\.js$/, 'esm/main.js') }));
    bundler.onResolve({ filter: /engine-modules\.js$/ }, (args) => (args.importer.startsWith(path.resolve('src')) ? { path: bundledModules } : undefined));
    // The engine's copies as postman-runtime resolves them, for the modules engine-modules.bundled.ts names.
    bundler.onResolve({ filter: /^(postman-sandbox|flatted|uvm)(\/|$)/ }, (args) => {
      if (args.importer !== bundledModules) return undefined;
      const root = engineRoots[args.path.split('/')[0]];
      return { path: root.resolve(args.path) };
    });
    bundler.onLoad({ filter: /\.js$/ }, (args) => {
      if (args.path === resolved.uvmWorker) {
        return { contents: `module.exports = require(${JSON.stringify(bundledModules)}).uvmWorker();`, loader: 'js', resolveDir: path.dirname(bundledModules) };
      }
      if (args.path === resolved.nodeBootCode) {
        return { contents: `module.exports = (done) => done(null, ${JSON.stringify('/* postman-power runs the browser build of the boot code (src/core/engine/isolated-sandbox.ts) */')});`, loader: 'js' };
      }
      // postman-sandbox builds its boot code live only when .cache is missing (a development checkout).
      if (args.path === resolved.sandboxBundler) return { contents: 'throw new Error("postman-sandbox\'s boot code cache is missing");', loader: 'js' };
      const patched = patchedFiles.get(args.path);
      return patched === undefined ? undefined : { contents: patched, loader: 'js' };
    });
  },
};

const runProcess = await build({
  entryPoints: ['src/core/engine/run-process.ts'],
  outfile: 'dist/run-process.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The files Node's loader would load (the engine's CommonJS builds, which the patches target);
  // jsonc-parser's CommonJS main is a UMD build a bundler cannot follow (see the plugin).
  // …and from packages with `exports`, the `require` build, not esbuild's default `module` one (uuid).
  conditions: [],
  mainFields: ['main', 'module'],
  metafile: true,
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__bundleUrl', __POSTMAN_POWER_ENGINE_PATCHES__: JSON.stringify(outcomes) },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [enginePlugin],
  sourcemap: true,
  minifyWhitespace: !process.env.BUNDLE_PLAIN,
  minifySyntax: !process.env.BUNDLE_PLAIN,
  legalComments: 'eof',
  logLevel: 'warning',
});
// What ProcessRunner forks: compiles dist/run-process.cjs with this user's code cache, then starts it.
// It knows the engine bundle's hash from here, so a run process does not hash 5 MB at every start.
await build({
  entryPoints: ['src/core/engine/run-process-loader.ts'],
  outfile: 'dist/run-process-loader.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { 'import.meta.url': '__bundleUrl', __RUN_PROCESS_BUNDLE_SHA256__: JSON.stringify(fileSha256('dist/run-process.cjs')) },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
if (process.env.BUNDLE_META) writeFileSync(process.env.BUNDLE_META, JSON.stringify(runProcess.metafile));
// The outcomes the bundle carries are true only if esbuild took the very files patched here.
const bundledInputs = new Set(Object.keys(runProcess.metafile.inputs).map((input) => path.resolve(input)));
for (const file of patchedFiles.keys()) {
  if (!bundledInputs.has(file)) throw new Error(`${file} was patched but the bundle resolved another copy: dist/run-process.patches.json would not be true`);
}
// What the build did to the engine, for the test that every patch is in the bundle.
writeFileSync('dist/run-process.patches.json', `${JSON.stringify(outcomes, null, 2)}\n`);

