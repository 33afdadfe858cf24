// Parity with newman 6: for every fixture collection, our request count, assertion count and set of
// failed assertion names equal newman's on the same (fresh) backend.
import { readFileSync } from 'node:fs';
import newman from 'newman';
import { PostmanPowerClient } from '../../src/core/power-client.js';
import type { RunSummary } from '../../src/core/results/summary.js';
import { closedPort } from '../support/http-server.js';
import { collectionPath, createRunWorkspace, ENV_PATH, type RunWorkspace } from '../support/run-workspace.js';
import { sharedWorkers } from '../support/shared-workers.js';

interface Outcome {
  requests: number;
  assertions: number;
  failedAssertions: string[];
}

interface Case {
  fixture: string;
  data?: string;
  folder?: string;
  bail?: boolean;
  requestTimeoutMs?: number;
  deadPort?: boolean;
}

const CASES: Case[] = [
  { fixture: 'crud-chain' },
  { fixture: 'crud-chain', folder: 'Users' },
  { fixture: 'flow-control' },
  { fixture: 'iterations', data: 'data/users.csv' },
  { fixture: 'auth' },
  { fixture: 'errors', requestTimeoutMs: 300, deadPort: true },
  { fixture: 'bail', bail: true, deadPort: true },
  { fixture: 'bail', deadPort: true },
  { fixture: 'upload' },
];

function runNewman(rw: RunWorkspace, c: Case, envVars: Record<string, string>): Promise<Outcome> {
  const environment = JSON.parse(readFileSync(rw.ws.path(ENV_PATH), 'utf8'));
  for (const [key, value] of Object.entries(envVars)) environment.values.find((v: { key: string }) => v.key === key).value = value;
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: JSON.parse(readFileSync(rw.ws.path(collectionPath(c.fixture)), 'utf8')),
        environment,
        ...(c.data ? { iterationData: rw.ws.path(c.data) } : {}),
        ...(c.folder ? { folder: c.folder } : {}),
        ...(c.bail ? { bail: true } : {}),
        ...(c.requestTimeoutMs ? { timeoutRequest: c.requestTimeoutMs } : {}),
        workingDir: rw.ws.dir,
        reporters: [],
      } as never,
      (error: Error | null, summary: any) => {
        if (error) return reject(error);
        resolve({
          requests: summary.run.stats.requests.total,
          assertions: summary.run.stats.assertions.total,
          failedAssertions: summary.run.failures.filter((f: any) => f.error?.name === 'AssertionError').map((f: any) => f.error.test).sort(),
        });
      },
    );
  });
}

async function runOurs(rw: RunWorkspace, c: Case, envVars: Record<string, string>): Promise<Outcome> {
  const client = new PostmanPowerClient({ env: {}, cwd: rw.ws.dir, workers: sharedWorkers() });
  const started = await client.runCollection({
    collection: collectionPath(c.fixture),
    data: c.data,
    folders: c.folder ? [c.folder] : undefined,
    bail: c.bail ? 'failure' : false,
    requestTimeoutMs: c.requestTimeoutMs,
    envVars,
    checkHealth: false,
  });
  if (!('handle' in started)) throw new Error('run did not start');
  const summary: RunSummary = await started.handle.promise;
  await client.close();
  return {
    requests: summary.stats.requests.total,
    assertions: summary.stats.assertions.total,
    failedAssertions: summary.failures.filter((f) => f.kind === 'assertion').map((f) => f.assertion!).sort(),
  };
}

describe('parity with newman 6 on every fixture', () => {
  it.each(CASES.map((c) => [`${c.fixture}${c.folder ? ` (folder ${c.folder})` : ''}${c.bail ? ' (bail)' : ''}`, c] as const))('%s', async (_label, c) => {
    const envVars: Record<string, string> = c.deadPort ? { deadPort: String(await closedPort()) } : {};
    // Fresh backends: the collections create users, so each runner starts from the same state.
    const ours = await createRunWorkspace('Test_Task3_');
    const theirs = await createRunWorkspace('Test_Task3_');
    try {
      const oursOutcome = await runOurs(ours, c, envVars);
      const newmanOutcome = await runNewman(theirs, c, { ...envVars, baseUrl: theirs.backend.url });
      expect(oursOutcome).toEqual(newmanOutcome);
      expect(oursOutcome.requests).toBeGreaterThan(0);
    } finally {
      await ours.close();
      await theirs.close();
    }
  }, 30_000);
});
