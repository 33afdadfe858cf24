// One measurement in a fresh process, so peak RSS and growth are the runner's own:
//   node --expose-gc bench/child.mjs <ours|newman> <rss|soak|huge> <count> <baseUrl>
// (huge: one request to a <count> MB response; ours stops at its 50 MB response limit.)
import { readFileSync } from 'node:fs';
import { ProcessRunner, runProcessScript } from '../dist/core/engine/process-runner.js';
import { DEFAULT_RUN_OPTIONS } from '../dist/core/runs/options.js';
import { flatCollection } from './lib.mjs';

const [runner, mode, countText, baseUrl] = process.argv.slice(2);
const count = Number(countText);

// newman is loaded only when it is the one measured: a server never loads it, and its ~50 MB of
// modules counted in our host process's peak RSS made row D compare ours plus newman against newman.
async function runNewman(collection) {
  const { default: newman } = await import('newman');
  return new Promise((resolve, reject) =>
    newman.run({ collection, envVar: [{ key: 'baseUrl', value: baseUrl }], reporters: [] }, (error, summary) =>
      error ? reject(error) : resolve({ assertions: summary.run.stats.assertions.total, failed: summary.run.stats.assertions.failed }),
    ),
  );
}

/** The peak RSS of a run process, read while it still lives (when it says its run is done). */
let runPeak = 0;
let lastPid;
/** A field of /proc/<pid>/status in bytes: VmHWM (peak RSS) or VmRSS (now). */
const statusBytes = (pid, field) => {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};
const peakOf = (pid) => statusBytes(pid, 'VmHWM');
class MeasuredRunner extends ProcessRunner {
  spawn(heapMb) {
    const spawned = super.spawn(heapMb);
    lastPid = spawned.child.pid;
    // Registered before the runner's own listener, so the process is still there.
    spawned.child.on('message', (message) => {
      if (message?.type === 'done') runPeak = Math.max(runPeak, peakOf(spawned.child.pid));
    });
    return spawned;
  }
}
// A one-shot measurement: no process is booted ahead for a next run that never comes.
const workers = new MeasuredRunner(runProcessScript(), { keepWarm: mode !== 'rss' });
async function runOurs(collection) {
  const summary = await workers.start({ ...DEFAULT_RUN_OPTIONS, collection, source: { kind: 'local', ref: 'bench' }, envVars: { baseUrl }, root: process.cwd() }).promise;
  return { assertions: summary.stats.assertions.total, failed: summary.stats.assertions.failed };
}

// Ours runs in a server: its modules (the MCP SDK, the tools, zod) are resident here as they are there
// (its front, and the core it loads once idle).
if (runner === 'ours') await Promise.all([import('../dist/server.js'), import('../dist/server-core.js')]);
const run = runner === 'ours' ? runOurs : runNewman;
// Ours: this process and the run process that serves the runs (kept warm and reused between them).
const rss = () => process.memoryUsage().rss + (runner === 'ours' && lastPid ? statusBytes(lastPid, 'VmRSS') : 0);
if (mode === 'huge') {
  const collection = { info: { name: 'huge' }, item: [{ name: 'huge', request: { method: 'GET', url: `{{baseUrl}}/huge?mb=${count}` } }] };
  const result = await run(collection).catch((error) => ({ error: String(error) }));
  process.send?.({ peakRss: process.resourceUsage().maxRSS * 1024 + runPeak, ...result });
} else if (mode === 'rss') {
  const result = await run(flatCollection(count));
  // Ours: this process (the server's part) and the run's process together.
  process.send?.({ peakRss: process.resourceUsage().maxRSS * 1024 + runPeak, ...result });
} else {
  // Soak: `count` sequential runs of a 10-request collection; RSS after warm-up (run 20) and at the end.
  const collection = flatCollection(10);
  let warm = 0;
  // Both readings with the run process that serves the next run fully booted: a process is retired
  // every 20 runs, and one read while its replacement boots weighs 20 MB instead of ~110.
  const settled = async () => {
    // An idle run process is unref'd: a timer holds this process open while it boots.
    const open = setInterval(() => undefined, 1_000);
    if (runner === 'ours') await workers.idle();
    clearInterval(open);
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));
    global.gc?.();
    return rss();
  };
  for (let i = 1; i <= count; i += 1) {
    await run(collection);
    if (i === 20) warm = await settled();
  }
  const end = await settled();
  process.send?.({ warmRss: warm, endRss: end, growth: end - warm });
}
await workers.close();
process.exit(0);
