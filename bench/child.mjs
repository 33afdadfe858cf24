// One measurement in a fresh process, so peak RSS and growth are the runner's own:
//   node --expose-gc bench/child.mjs <ours|newman> <rss|soak|huge> <count> <baseUrl>
// (huge: one request to a <count> MB response; ours stops at its 50 MB response limit.)
import newman from 'newman';
import { ProcessRunner as WorkerRunner, runProcessScript as workerScript } from '../dist/core/runner/process-runner.js';
import { flatCollection } from './lib.mjs';

const [runner, mode, countText, baseUrl] = process.argv.slice(2);
const count = Number(countText);

function runNewman(collection) {
  return new Promise((resolve, reject) =>
    newman.run({ collection, envVar: [{ key: 'baseUrl', value: baseUrl }], reporters: [] }, (error, summary) =>
      error ? reject(error) : resolve({ assertions: summary.run.stats.assertions.total, failed: summary.run.stats.assertions.failed }),
    ),
  );
}

// A one-shot measurement: no worker is booted ahead for a next run that never comes.
const workers = new WorkerRunner(workerScript(), { keepWarm: mode !== 'rss' });
async function runOurs(collection) {
  const summary = await workers.start({ collection, source: { kind: 'local', ref: 'bench' }, envVars: { baseUrl }, root: process.cwd() }).promise;
  return { assertions: summary.stats.assertions.total, failed: summary.stats.assertions.failed };
}

const run = runner === 'ours' ? runOurs : runNewman;
const rss = () => process.memoryUsage().rss;
if (mode === 'huge') {
  const collection = { info: { name: 'huge' }, item: [{ name: 'huge', request: { method: 'GET', url: `{{baseUrl}}/huge?mb=${count}` } }] };
  const result = await run(collection).catch((error) => ({ error: String(error) }));
  process.send?.({ peakRss: process.resourceUsage().maxRSS * 1024, ...result });
} else if (mode === 'rss') {
  const result = await run(flatCollection(count));
  process.send?.({ peakRss: process.resourceUsage().maxRSS * 1024, ...result });
} else {
  // Soak: `count` sequential runs of a 10-request collection; RSS after warm-up (run 20) and at the end.
  const collection = flatCollection(10);
  let warm = 0;
  for (let i = 1; i <= count; i += 1) {
    await run(collection);
    if (i === 20) {
      global.gc?.();
      warm = rss();
    }
  }
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  global.gc?.();
  process.send?.({ warmRss: warm, endRss: rss(), growth: rss() - warm });
}
await workers.close();
process.exit(0);
