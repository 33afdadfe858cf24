// `npm run bench`: every scenario against its peer in the same run, alternating, ≥ 5 runs each
// unless said otherwise; figures go to BENCHMARKS.md. Needs the build (npm run bench builds).
import { fork, spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import newman from 'newman';
import { HEAP_GROWING_PERCENT, ProcessRunner, runProcessScript } from '../dist/core/engine/process-runner.js';
import { startLanes } from '../dist/core/runs/lanes.js';
import { runProcessHeapMb, warmProcessHeapMb } from '../dist/core/engine/heap-limits.js';
import { loadEngine } from '../dist/core/engine/run-collection.js';
import { DEFAULT_RUN_OPTIONS } from '../dist/core/runs/options.js';
import { answersTable, measureAnswers } from './answers.mjs';
import { flatCollection, folderCollection, mb, median, round, startBackend } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const log = (text) => process.stderr.write(`${text}\n`);
const results = {};

const workers = new ProcessRunner(runProcessScript());
workers.prewarm();

/** Run processes whose engine loads as published: the switch is in the environment each one starts with. */
function withPatchesOff(work) {
  const before = process.env.POSTMAN_POWER_ENGINE_PATCHES;
  process.env.POSTMAN_POWER_ENGINE_PATCHES = 'off';
  try {
    return work();
  } finally {
    if (before === undefined) delete process.env.POSTMAN_POWER_ENGINE_PATCHES;
    else process.env.POSTMAN_POWER_ENGINE_PATCHES = before;
  }
}
class PublishedEngineRunner extends ProcessRunner {
  spawn(heapMb) {
    return withPatchesOff(() => super.spawn(heapMb));
  }
}
// A run as the client hands it to the runner: its options resolved (the defaults, as a project without settings has).
const input = (collection, baseUrl, extra = {}) => ({ ...DEFAULT_RUN_OPTIONS, collection, source: { kind: 'local', ref: 'bench' }, envVars: { baseUrl }, root, ...extra });

// Before each timed run (ours or newman's), the next warm worker has finished loading its engine,
// so no run shares the CPU with a worker booting in the background.
// newman runs in this process: each timed run starts after a full collection here, so neither runner
// pays for collecting the other's garbage (bench runs with --expose-gc).
const collectHere = () => globalThis.gc?.();
/** A process's resident memory now, in bytes (0 when it is gone). */
const rssOf = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

async function timeOurs(collection, baseUrl, parallel = 1, extra = {}, runner = workers) {
  await runner.idle();
  collectHere();
  const started = performance.now();
  const summary = await runner.start(input(collection, baseUrl, extra), parallel).promise;
  return { ms: performance.now() - started, assertions: summary.stats.assertions.total, failed: summary.stats.assertions.failed, requests: summary.stats.requests.total };
}

async function timeNewman(collection, baseUrl) {
  await workers.idle();
  collectHere();
  const started = performance.now();
  return new Promise((resolve, reject) =>
    newman.run({ collection, envVar: [{ key: 'baseUrl', value: baseUrl }], reporters: [] }, (error, summary) =>
      error
        ? reject(error)
        : resolve({ ms: performance.now() - started, assertions: summary.run.stats.assertions.total, failed: summary.run.stats.assertions.failed, requests: summary.run.stats.requests.total }),
    ),
  );
}

async function alternate(label, a, b) {
  await a();
  await b(); // warm-up, not counted
  const as = [];
  const bs = [];
  for (let i = 0; i < RUNS; i += 1) {
    as.push(await a());
    bs.push(await b());
    log(`  ${label} run ${i + 1}/${RUNS}: ${round(as.at(-1).ms)} ms vs ${round(bs.at(-1).ms)} ms`);
  }
  return { a: as, b: bs, aMedian: median(as.map((r) => r.ms)), bMedian: median(bs.map((r) => r.ms)) };
}

// ---- A: 1000 requests with test scripts, ours vs newman 6, both called as libraries from this process
{
  log('A. 1000 requests with 2-assertion test scripts: ours vs newman');
  const backend = await startBackend();
  const small = await alternate('A 100', () => timeOurs(flatCollection(100), backend.url), () => timeNewman(flatCollection(100), backend.url));
  const big = await alternate('A 1000', () => timeOurs(flatCollection(1000), backend.url), () => timeNewman(flatCollection(1000), backend.url));
  const same = big.a.every((r) => r.assertions === big.b[0].assertions && r.failed === big.b[0].failed) && big.b.every((r) => r.assertions === 2000 && r.failed === 0);
  results.A = {
    ours100: small.aMedian, newman100: small.bMedian, ours1000: big.aMedian, newman1000: big.bMedian,
    ratio: big.aMedian / big.bMedian,
    oursSlope: (big.aMedian - small.aMedian) / 900, newmanSlope: (big.bMedian - small.bMedian) / 900,
    sameAssertions: same, assertions: big.a[0].assertions,
    oursMin: Math.min(...big.a.map((r) => r.ms)), oursMax: Math.max(...big.a.map((r) => r.ms)),
    newmanSpread: (Math.max(...big.b.map((r) => r.ms)) - Math.min(...big.b.map((r) => r.ms))) / big.bMedian,
  };
  // The same 1000 requests without scripts, and with a pre-request script too.
  const none = await alternate('A none', () => timeOurs(flatCollection(1000, '/json', 'none'), backend.url), () => timeNewman(flatCollection(1000, '/json', 'none'), backend.url));
  const both = await alternate('A pre+test', () => timeOurs(flatCollection(1000, '/json', 'prerequest+test'), backend.url), () => timeNewman(flatCollection(1000, '/json', 'prerequest+test'), backend.url));
  // The legacy APIs real collections use (tests[], responseCode, responseBody, postman.*, require).
  const legacy = await alternate('A legacy', () => timeOurs(flatCollection(1000, '/json', 'legacy'), backend.url), () => timeNewman(flatCollection(1000, '/json', 'legacy'), backend.url));
  // The engine as published (POSTMAN_POWER_ENGINE_PATCHES=off, in workers of its own), against the
  // patched engine: what src/core/engine/engine-patches.ts is worth, in the same run.
  // Its run process is the one tsc built, whose engine Node's loader reads as published (runProcessScript with the switch off).
  const published = new PublishedEngineRunner(withPatchesOff(runProcessScript));
  published.prewarm();
  const unpatched = await alternate('A engine as published', () => timeOurs(flatCollection(1000), backend.url, 1, {}, published), () => timeOurs(flatCollection(1000), backend.url));
  await published.close();
  Object.assign(results.A, {
    oursPublished: unpatched.aMedian, oursPatched: unpatched.bMedian,
    oursNone: none.aMedian, newmanNone: none.bMedian, noneRatio: none.aMedian / none.bMedian,
    oursBoth: both.aMedian, newmanBoth: both.bMedian, bothRatio: both.aMedian / both.bMedian,
    bothSame: both.a.every((r) => r.assertions === both.b[0].assertions && r.failed === both.b[0].failed),
    oursLegacy: legacy.aMedian, newmanLegacy: legacy.bMedian, legacyRatio: legacy.aMedian / legacy.bMedian,
    legacySame: legacy.a.every((r) => r.assertions === legacy.b[0].assertions && r.failed === legacy.b[0].failed) && legacy.b[0].assertions === 3000,
  });
  // A run after a pause, as an agent makes them: each of these follows 15 s of its process idling,
  // with V8's memory reducer off (as run processes start) and on (POSTMAN_POWER_MEMORY_REDUCER=on),
  // in two runners warmed alike; the RSS of each warm process is read at the end of its pause.
  {
    const PAUSE_MS = 15_000;
    const withReducer = (on, work) => {
      const before = process.env.POSTMAN_POWER_MEMORY_REDUCER;
      if (on) process.env.POSTMAN_POWER_MEMORY_REDUCER = 'on';
      try {
        return work();
      } finally {
        if (before === undefined) delete process.env.POSTMAN_POWER_MEMORY_REDUCER;
        else process.env.POSTMAN_POWER_MEMORY_REDUCER = before;
      }
    };
    const runners = [false, true].map((on) => {
      const runner = new (class extends ProcessRunner {
        spawn(heapMb) {
          return withReducer(on, () => super.spawn(heapMb));
        }
      })(runProcessScript());
      runner.prewarm();
      return { on, runner, ms: [], rss: [] };
    });
    for (const { runner } of runners) for (let i = 0; i < 3; i += 1) await timeOurs(flatCollection(1000), backend.url, 1, {}, runner);
    for (let i = 0; i < 3; i += 1) {
      for (const entry of runners) {
        await entry.runner.idle();
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        entry.rss.push(rssOf(entry.runner.idleProcesses.at(-1)?.child.pid));
        entry.ms.push((await timeOurs(flatCollection(1000), backend.url, 1, {}, entry.runner)).ms);
      }
      log(`  A after a pause ${i + 1}/3: ${round(runners[0].ms.at(-1))} ms (reducer off) vs ${round(runners[1].ms.at(-1))} ms (on)`);
    }
    await Promise.all(runners.map(({ runner }) => runner.close()));
    Object.assign(results.A, { pausedOff: median(runners[0].ms), pausedOn: median(runners[1].ms), pausedRssOff: median(runners[0].rss), pausedRssOn: median(runners[1].rss) });
  }
  // A person's or CI's one-shot: the CLI on a 30-request legacy-API collection, each a process of its own.
  const dir = mkdtempSync(path.join(tmpdir(), 'postman-power-bench-'));
  const file = path.join(dir, 'legacy30.postman_collection.json');
  writeFileSync(file, JSON.stringify(flatCollection(30, '/json', 'legacy')));
  const cliRun = (command, args) => async () => {
    const started = performance.now();
    const code = await new Promise((resolve) => spawn(process.execPath, [command, ...args], { cwd: dir, stdio: 'ignore' }).on('exit', resolve));
    return { ms: performance.now() - started, code };
  };
  const oneShot = await alternate(
    'A CLI one-shot',
    cliRun(path.join(root, 'dist/cli.cjs'), ['run', file, '--silent', '--no-history', '--env-var', `baseUrl=${backend.url}`]),
    cliRun(path.join(root, 'node_modules/newman/bin/newman.js'), ['run', file, '--silent', '--env-var', `baseUrl=${backend.url}`]),
  );
  rmSync(dir, { recursive: true, force: true });
  Object.assign(results.A, { oursCli: oneShot.aMedian, newmanCli: oneShot.bMedian, cliRatio: oneShot.aMedian / oneShot.bMedian, cliPassed: [...oneShot.a, ...oneShot.b].every((r) => r.code === 0) });
  backend.close();
}

// ---- B: parallel lanes, 4 folders × 50 requests, backend adds 20 ms
{
  log('B. 4 folders x 50 requests, +20 ms per response: parallel 4 vs sequential');
  const backend = await startBackend(20);
  const collection = folderCollection(4, 50);
  const lanes = await alternate('B', () => timeOurs(collection, backend.url, 4), () => timeOurs(collection, backend.url, 1));
  results.B = { parallel: lanes.aMedian, sequential: lanes.bMedian, speedup: lanes.bMedian / lanes.aMedian, sameRequests: lanes.a.every((r) => r.requests === 200) };
  backend.close();
}

// ---- C: cold start to `initialize` and to the first `tools/list` answered, bundled (dist/cli.cjs, with
// its code cache) and unbundled (bench/unbundled-serve.mjs: the server as tsc builds it, as before the
// bundle); and the size of tools/list
function coldStart(entry = path.join(root, 'dist/cli.cjs'), env = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [entry], { cwd: path.join(root, 'examples/todo-api'), env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'ignore'] });
    let buffer = '';
    let initialized = 0;
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop();
      for (const line of lines) {
        const message = JSON.parse(line);
        if (message.id === 1) {
          initialized = performance.now() - started;
          child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
        }
        if (message.id === 2) {
          const toolsList = performance.now() - started;
          child.kill();
          resolve({ ms: initialized, toolsListMs: toolsList, toolsListBytes: Buffer.byteLength(line) });
        }
      }
    });
    child.on('error', reject);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`);
  });
}
{
  log('C. cold start: spawn -> initialize and tools/list answered (bundled and unbundled, interleaved)');
  const unbundledEntry = path.join(here, 'unbundled-serve.mjs');
  await coldStart();
  await coldStart(unbundledEntry);
  const runs = [];
  const unbundled = [];
  const uncached = [];
  for (let i = 0; i < Math.max(RUNS, 7); i += 1) {
    runs.push(await coldStart());
    unbundled.push(await coldStart(unbundledEntry));
    uncached.push(await coldStart(undefined, { POSTMAN_POWER_CODE_CACHE: '0' }));
  }
  const peer = [];
  for (let i = 0; i < Math.max(RUNS, 7); i += 1) {
    const started = performance.now();
    await new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', resolve));
    peer.push(performance.now() - started);
  }
  results.C = {
    median: median(runs.map((r) => r.ms)),
    toolsList: median(runs.map((r) => r.toolsListMs)),
    unbundledToolsList: median(unbundled.map((r) => r.toolsListMs)),
    bareNode: median(peer),
    uncached: median(uncached.map((r) => r.ms)),
    toolsListBytes: runs[0].toolsListBytes,
  };
}

// ---- D: 10 000 requests, peak RSS (fresh process each)
function child(args, env = {}) {
  return new Promise((resolve, reject) => {
    const proc = fork(path.join(here, 'child.mjs'), args, { execArgv: ['--expose-gc'], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    proc.once('message', resolve);
    proc.once('error', reject);
    proc.once('exit', (code) => code && reject(new Error(`child exited ${code}`)));
  });
}
{
  const DRUNS = Number(process.env.BENCH_D_RUNS ?? 3);
  log(`D. 10 000 requests: peak RSS (${DRUNS} runs of ours, 1 of newman: it takes ~2 minutes a run)`);
  const backend = await startBackend();
  const ours = [];
  for (let i = 0; i < DRUNS; i += 1) ours.push(await child(['ours', 'rss', '10000', backend.url]));
  const theirs = await child(['newman', 'rss', '10000', backend.url]);
  // One run with V8's own heap growth, as before HEAP_GROWING_PERCENT.
  const v8Growth = await child(['ours', 'rss', '10000', backend.url], { POSTMAN_POWER_HEAP_GROWTH: 'v8' });
  // The limit its process ran under: the warm process's, or one sized for the run when that is more.
  const runHeap = Math.max(warmProcessHeapMb(), runProcessHeapMb({ collection: flatCollection(10000), envVars: { baseUrl: backend.url } }));
  results.D = { ours: median(ours.map((r) => r.peakRss)), newman: theirs.peakRss, v8Growth: v8Growth.peakRss, oursAssertions: ours[0].assertions, newmanAssertions: theirs.assertions, runs: DRUNS, runHeapMb: runHeap };
  backend.close();
}

// ---- E: cancel latency during an in-flight slow request
{
  log('E. cancel latency during an in-flight request (run process killed vs in-thread abort)');
  const backend = await startBackend();
  const slow = flatCollection(1, '/slow?ms=10000');
  const engine = await loadEngine();
  const measure = async (start) => {
    await workers.idle();
    const handle = start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cancelled = performance.now();
    handle.cancel('bench');
    const summary = await handle.promise;
    return { ms: performance.now() - cancelled, status: summary.status };
  };
  const worker = [];
  const inline = [];
  for (let i = 0; i < RUNS; i += 1) {
    worker.push(await measure(() => workers.start(input(slow, backend.url))));
    inline.push(await measure(() => startLanes(input(slow, backend.url), 1, engine)));
  }
  results.E = { worker: median(worker.map((r) => r.ms)), inline: median(inline.map((r) => r.ms)), allCancelled: [...worker, ...inline].every((r) => r.status === 'cancelled') };
  backend.close();
}

// ---- F: soak, 200 sequential runs, RSS growth after warm-up
{
  log('F. soak: 200 sequential runs of a 10-request collection, RSS growth after run 20');
  const backend = await startBackend();
  const ours = await child(['ours', 'soak', '200', backend.url]);
  const theirs = await child(['newman', 'soak', '200', backend.url]);
  results.F = { ours: ours.growth, newman: theirs.growth, oursWarm: ours.warmRss, newmanWarm: theirs.warmRss };
  backend.close();
}

// ---- G: a 200 MB response: ours stops at its 50 MB response limit, newman reads it all
{
  log('G. one request answered with a 200 MB body: peak RSS');
  const backend = await startBackend();
  const ours = await child(['ours', 'huge', '200', backend.url]);
  const theirs = await child(['newman', 'huge', '200', backend.url]);
  results.G = { ours: ours.peakRss, newman: theirs.peakRss };
  backend.close();
}

await workers.close();

// ---- Answer sizes: what each tool call puts into an agent's context
log('Answer sizes over stdio');
const answers = await measureAnswers();

// ---- BENCHMARKS.md
// What we know of each target's gap, written only when the target is missed in this run.
const GAPS = [
  {
    met: (r) => r.A.ratio <= 0.25 && r.A.noneRatio <= 0.2 && r.A.legacyRatio <= 0.3,
    text: (r) => `A: every script now runs in a context of its own inside the run's process (\`src/core/engine/script-context.ts\`): each script is a few calls into the context and a JSON round trip each way through uvm's bridge (flatted before an engine patch), and postman-sandbox sets up its pm API, chai and the legacy globals for every execution, where the old fast path called the pm API in the run's own realm. Ours is CPU-bound and newman's is timer-bound (most of its time is Node's 1 ms clamp on zero-delay timers), so CPU taken by anything else on this shared 2-core machine lands on ours: in this run our five 1000-request runs spread over ${round(r.A.oursMin / 1000, 1)}–${round(r.A.oursMax / 1000, 1)} s while newman's spread over ${Math.round(r.A.newmanSpread * 100)}% of its median. Changes to the engine itself go in \`src/core/engine/engine-patches.ts\`, and to the sandbox's boot code that runs inside the context in \`src/core/engine/boot-code-patches.ts\` (the row with the engine as published, both off, shows what they are worth: ${round(r.A.oursPublished / r.A.oursPatched, 2)}× in this run).`,
  },
  {
    met: (r) => r.A.cliRatio <= 0.6,
    text: (r) => `A (CLI one-shot): ${round(r.A.oursCli)} ms against newman's ${round(r.A.newmanCli)} ms; ours starts Node twice (the CLI, then the run process, which deserialises the engine bundle, loads the engine and boots a script context: about 300 ms here even with its code caches), newman once, and a fresh process runs its first requests on cold code (~6 ms each where a warm one takes ~2.5).`,
  },
  {
    met: (r) => r.B.speedup >= 3,
    text: 'B: four lanes on 2 cores share the CPU of each request; the figure sits around 3× and swings between runs.',
  },
  {
    met: (r) => r.C.toolsList <= 0.6 * r.C.unbundledToolsList,
    text: 'C: the floor here is Node itself (the bare start above) plus the MCP SDK and zod.',
  },
  {
    met: (r) => r.C.median <= 1.7 * r.C.bareNode && r.C.toolsList <= 1.7 * r.C.bareNode,
    text: (r) => `C: \`initialize\` is answered in ${round(r.C.median)} ms and the first \`tools/list\` in ${round(r.C.toolsList)} ms, of which a bare Node start is ${round(r.C.bareNode)} ms. The start is the binary (CommonJS, \`dist/cli.cjs\`), the server's front bundle (\`dist/postman-power-server.cjs\`: the MCP SDK, zod, the transport and tools/list as the build wrote it) and its code cache; measured with --cpu-prof, most of what is left is the MCP SDK's protocol schemas (zod), built as the SDK is evaluated.`,
  },
  {
    met: (r) => r.D.ours < r.D.newman,
    text: 'D: two processes live during a run (the server and the run process, each a Node with its own heap); newman has one.',
  },
  { met: (r) => r.E.worker <= 250, text: 'E: cancel slower than 250 ms in this run.' },
  { met: (r) => r.F.ours <= 50 * 1024 * 1024, text: 'F: memory grew more than 50 MB over the soak.' },
  { met: (r) => r.G.ours <= 400 * 1024 * 1024, text: 'G: the response limit did not keep memory under 400 MB.' },
];

const r = results;
const ok = (met) => (met ? 'met' : '**not met**');
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus().length} × ${cpu}, ${mb(totalmem())} MB RAM, Node ${process.version}, ${process.platform}.`,
  `Each scenario runs against its peer in the same run, alternating, ${RUNS} counted runs each after a warm-up (unless the row says otherwise); figures are medians.`,
  'The backend runs in its own process on 127.0.0.1, so it never shares an event loop with a runner.',
  '',
  '| scenario | ours | peer | ratio | target |',
  '|---|---|---|---|---|',
  `| A. 1000 GET requests, 2-assertion test script each (wall) | ${round(r.A.ours1000)} ms | newman 6: ${round(r.A.newman1000)} ms | ${round(r.A.ratio, 2)}× | ≤ 0.25×: ${ok(r.A.ratio <= 0.25)} |`,
  `| A. 1000 GET requests, no scripts (wall) | ${round(r.A.oursNone)} ms | newman 6: ${round(r.A.newmanNone)} ms | ${round(r.A.noneRatio, 2)}× | ≤ 0.2×: ${ok(r.A.noneRatio <= 0.2)} |`,
  `| A. 1000 GET requests, pre-request script + test script (wall) | ${round(r.A.oursBoth)} ms | newman 6: ${round(r.A.newmanBoth)} ms | ${round(r.A.bothRatio, 2)}× | |`,
  `| A. 1000 GET requests, legacy-API test script (\`tests[…]\`, \`responseCode\`, \`responseBody\`, \`postman.setEnvironmentVariable\`, \`require('lodash')\`) | ${round(r.A.oursLegacy)} ms | newman 6: ${round(r.A.newmanLegacy)} ms | ${round(r.A.legacyRatio, 2)}× | ≤ 0.3×: ${ok(r.A.legacyRatio <= 0.3)} |`,
  `| A. CLI one-shot, 30 requests with the legacy-API script (wall, process start to exit) | ${round(r.A.oursCli)} ms | newman 6 CLI: ${round(r.A.newmanCli)} ms | ${round(r.A.cliRatio, 2)}× | ≤ 0.6×: ${ok(r.A.cliRatio <= 0.6)} |`,
  `| A. 1000 requests with the test script, the engine as published (\`POSTMAN_POWER_ENGINE_PATCHES=off\`) | ${round(r.A.oursPublished)} ms | ours, engine patched: ${round(r.A.oursPatched)} ms | ${round(r.A.oursPublished / r.A.oursPatched, 2)}× | |`,
  `| A. 1000 requests with the test script, each after a 15 s pause of its process (3 runs each) | ${round(r.A.pausedOff)} ms | V8's memory reducer on: ${round(r.A.pausedOn)} ms | ${round(r.A.pausedOff / r.A.pausedOn, 2)}× | |`,
  `| A. a warm run process's RSS after that pause | ${mb(r.A.pausedRssOff)} MB | V8's memory reducer on: ${mb(r.A.pausedRssOn)} MB | ${round(r.A.pausedRssOff / r.A.pausedRssOn, 2)}× | |`,
  `| A. per-request slope, 100 → 1000 requests | ${round(r.A.oursSlope, 2)} ms/request | newman 6: ${round(r.A.newmanSlope, 2)} ms/request | ${round(r.A.oursSlope / r.A.newmanSlope, 2)}× | |`,
  `| A. 100 requests (wall) | ${round(r.A.ours100)} ms | newman 6: ${round(r.A.newman100)} ms | ${round(r.A.ours100 / r.A.newman100, 2)}× | |`,
  `| B. 4 folders × 50 requests, +20 ms per response | parallel 4: ${round(r.B.parallel)} ms | sequential: ${round(r.B.sequential)} ms | ${round(r.B.speedup, 2)}× faster | ≥ 3×: ${ok(r.B.speedup >= 3)} |`,
  `| C. cold start, spawn → \`initialize\` answered | ${round(r.C.median)} ms | bare \`node -e 0\`: ${round(r.C.bareNode)} ms | ${round(r.C.median / r.C.bareNode, 2)}× | ≤ 1.7× bare node: ${ok(r.C.median <= 1.7 * r.C.bareNode)} |`,
  `| C. cold start, spawn → first \`tools/list\` answered, against bare node | ${round(r.C.toolsList)} ms | bare \`node -e 0\`: ${round(r.C.bareNode)} ms | ${round(r.C.toolsList / r.C.bareNode, 2)}× | ≤ 1.7× bare node: ${ok(r.C.toolsList <= 1.7 * r.C.bareNode)} |`,
  `| C. cold start with the authenticated code cache (HMAC checked), spawn → \`initialize\` | ${round(r.C.median)} ms | the same bundle without a cache: ${round(r.C.uncached)} ms | ${round(r.C.median / r.C.uncached, 2)}× | the check costs less than the cache saves: ${ok(r.C.median < r.C.uncached)} |`,
  `| C. cold start, spawn → first \`tools/list\` answered | ${round(r.C.toolsList)} ms | unbundled (tsc's modules, as before the bundle): ${round(r.C.unbundledToolsList)} ms | ${round(r.C.toolsList / r.C.unbundledToolsList, 2)}× | ≤ 0.6×: ${ok(r.C.toolsList <= 0.6 * r.C.unbundledToolsList)} |`,
  `| C. \`tools/list\` response size | ${r.C.toolsListBytes} bytes | | | ≤ 8192 bytes: ${ok(r.C.toolsListBytes <= 8192)} |`,
  `| D. 10 000 requests, peak RSS (ours: the server's process plus the run process; ${r.D.runs} runs; newman 1 run) | ${mb(r.D.ours)} MB | newman 6: ${mb(r.D.newman)} MB | ${round(r.D.ours / r.D.newman, 2)}× | below newman: ${ok(r.D.ours < r.D.newman)} |`,
  `| D. the same with V8's own heap growth (\`POSTMAN_POWER_HEAP_GROWTH=v8\`, 1 run) | ${mb(r.D.v8Growth)} MB | ours, growth limited to ${HEAP_GROWING_PERCENT}%: ${mb(r.D.ours)} MB | ${round(r.D.v8Growth / r.D.ours, 2)}× | |`,
  `| E. cancel during an in-flight request → summary | run process killed: ${round(r.E.worker)} ms | in-thread abort + agent destroy: ${round(r.E.inline)} ms | | ≤ 250 ms: ${ok(r.E.worker <= 250)} |`,
  `| F. soak, 200 runs of 10 requests, RSS growth after run 20 (1 run each) | ${mb(r.F.ours)} MB | newman 6: ${mb(r.F.newman)} MB | | ≤ 50 MB: ${ok(r.F.ours <= 50 * 1024 * 1024)} |`,
  `| G. one request answered with 200 MB, peak RSS of the process (1 run each) | ${mb(r.G.ours)} MB (request fails: response_too_large at 50 MB) | newman 6: ${mb(r.G.newman)} MB (reads it all) | ${round(r.G.ours / r.G.newman, 2)}× | ≤ 400 MB: ${ok(r.G.ours <= 400 * 1024 * 1024)} |`,
  '',
  '## Notes',
  '',
  `- A: each timed run (ours and newman's) starts after a full garbage collection of the bench process, where newman runs: without it, ours paid for collecting newman's garbage from the run before (our medians swung from 3.4 to 6.4 s, newman's did not).
- A: ours is measured with a warm run process (engine loaded, the run's script context booted ahead) and nothing booting in the background, as an agent's repeated runs see it; the first run after the server starts also pays the process's start (about a second here). A process's first few runs are slower than its later ones (V8 optimises the runtime's code over some thousands of requests). V8's memory reducer is off in run processes (\`src/core/engine/run-process-spawn.ts\`): it shrank a warm process's heap a few seconds into any pause — here, the ~10 s newman's run takes between two of ours — and the next run paid to grow it back (the two pause rows).
- A: newman's run and ours alternate, and each of ours waits for newman's run to end; ours is CPU-bound, newman's is timer-bound, so CPU taken by anything else on this shared 2-core machine lands on ours.
- A: identical assertion results in every run: ${r.A.sameAssertions && r.A.bothSame && r.A.legacySame ? `yes (${r.A.assertions} assertions, 0 failed, both runners; the same with the pre-request script and with the legacy APIs)` : '**no**'}. Every row ran behind the same boundary: each script in a V8 context of its own whose every object was created inside it (postman-sandbox's browser build evaluated there, only strings crossing; \`src/core/engine/script-context.ts\`), a fresh context per run, in a run process of its own (a child of the server, Node's permission model, no secrets in its environment; \`src/core/engine/run-process.ts\`). Zero-delay timers are served with \`setImmediate\` in the run process and inside the context (postman-runtime schedules ~7 \`setTimeout(fn, 0)\` per request, each clamped to ≥ 1 ms by Node); newman runs in this process with its pinned runtime and its sandbox in a \`node:vm\` context. \`npm test\` checks our executor against newman's sandbox on every fixture and on 1 000 generated scripts (\`executor-parity.test.ts\`).
- A (CLI one-shot): both CLIs are started as a person starts them (\`node dist/cli.cjs run …\` and newman's bin), ${r.A.cliPassed ? 'every run exited 0' : '**a run did not exit 0**'}. Ours: \`dist/cli.cjs\` starts the run's process before the CLI itself loads (\`src/core/engine/run-process-spawn.ts\`); the run process is one bundle with the engine compiled in (\`dist/run-process.cjs\`), compiled with this user's authenticated code caches (the bundle's and postman-sandbox's boot code's), which a process makes once per build after running a collection of its own (\`src/core/engine/warm-up.ts\`) and its parent writes. The warm-up run before the counted runs makes them.`,
  `- B: the lanes are shared among as many run processes as cores (two here), each lane with its own variable scopes, agents and cookie jar; ${r.B.sameRequests ? 'all 200 requests ran in every run' : '**request counts differed**'}.`,
  '- C: the binary (`dist/cli.cjs`, CommonJS) starts the server\'s front (`dist/postman-power-server.cjs`: the MCP SDK, zod, the transport, the logger, and tools/list as the build worked it out from the tool definitions), which answers the handshake; its core (the client, the tools, the config watcher; `src/server-core.ts`) comes from the CLI\'s bundle on the first call, or once the server is idle after its handshake. postman-runtime and postman-collection are imported only in a run process (started when the first run comes). zod builds no compiled parsers in these processes (`src/zod-jitless.ts`). The bare `node -e 0` start is the floor on this machine.',
  `- D: newman is measured once because a 10 000-request newman run takes about two minutes here. Ours is the peak RSS of the server's process (the bench child, with the server's modules loaded as a server has them; newman's are loaded there only when newman is measured) plus the peak RSS of the run process (VmHWM, read when it reports its run done); V8 may grow a heap only ${HEAP_GROWING_PERCENT}% past its live data before a full collection (\`HEAP_GROWING_PERCENT\` in process-runner.ts); V8's own factor is the row below. Heap limits are sized from the run (collection, data, requests × iterations, response limit, the scripts' scopes; \`heap-limits.ts\`): this run's process had ${r.D.runHeapMb} MB; a run past its limit ends with out_of_memory and the server lives.`,
  `- On newman's sandbox: newman 6.2.2 runs scripts through postman-sandbox 4 on uvm 2.1.1, in-process in a \`node:vm\` context into which uvm injects the host's timers. Ours runs postman-sandbox 6's browser build in a context into which nothing of the host is injected.
- E: newman has no API to cancel a run with a request in flight; the peer is the engine in this process (run.abort() plus destroying the run's agents). Ours kills the run's process. Both ended with status cancelled: ${r.E.allCancelled ? 'yes' : '**no**'}.
- F: ours is the host process plus the run process that serves the next run, read after run 20 and after run 200 with that process booted and idle (a run process is retired every 20 runs: read while its replacement boots, it weighs 20 MB instead of ~110, which made the figure a race); a negative figure means it shrank.`,
  '',
  '## Answer sizes',
  '',
  'Text bytes each tool call puts into an agent\'s context (both text blocks), over the built server\'s stdio: on the example project, on a 30-request fixture with 5 failing requests, and on a project shaped like real ones (`bench/shop-project.mjs`: 48 requests in nested folders, legacy `tests[…]`/`responseCode`/`responseBody` scripts, chained variables, a CSV data file run in 2 iterations; its backend then broken in one field 20 requests check, plus two unrelated bugs) (`bench/answers.mjs`). A failing run is presented by cause (`src/core/results/causes.ts`, `format.ts`); structuredContent keeps every field.',
  '',
  answersTable(answers),
  '',
  'Before the agent-results work (same fixtures, 2026-11-30): activate_power ready 1751, healthy check 400, five refused attempts 1257, passing run 749, the same run again with since_last 672 (after the first round of that work), 30 requests with 5 failing 5667, outline 1945 bytes. The repeated passing run carries since_last (what changed since the run before) and is held to the passing-run budget too: zero counts, one iteration, the progress of a run that ran everything and the end time the verdict already says are left out (RunSummarySchema restores them), and run ids are 12 hex characters.',
  '',
  '## Gaps and their causes',
  '',
  ...GAPS.filter((gap) => !gap.met(r)).map((gap) => `- ${typeof gap.text === 'function' ? gap.text(r) : gap.text}`),
  ...(GAPS.every((gap) => gap.met(r)) ? ['None: every target was met in this run.'] : []),
  '',
  'Reproduce: `npm run bench` (BENCH_RUNS=N for more runs).',
  '',
];
writeFileSync(path.join(root, 'BENCHMARKS.md'), lines.join('\n'));
log(lines.join('\n'));
process.exit(0);
