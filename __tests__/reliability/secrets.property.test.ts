// Secrets never leave: over 1000 generated API keys and 1000 generated secret environment values,
// none appears whole in a tool result, a resource, a log notification, stderr, a JUnit/JSON report
// or an error text — across every tool and the error paths (401, bad config, failing runs whose
// backend echoes the request headers back).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectPair } from '../support/mcp-client.js';
import { startFakePostmanApi, type FakePostmanApi } from '../support/fake-postman-api.js';
import { createRunWorkspace, type RunWorkspace } from '../support/run-workspace.js';

const COLLECTION_UID = '12345678-5b7c3e2a-1f0d-4c1e-9d3e-2a1b0c9d8e7f';
const WORKSPACE = '0e0a0b0c-1111-4222-8333-444455556666';

// Printable ASCII that survives an HTTP header, quotes, backslashes and XML specials included.
const secretChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&\'()*+,;=:@"\\<>/?#%'.split(''));
const secret = fc.string({ unit: secretChar, minLength: 10, maxLength: 48 });

let rw: RunWorkspace;
let api: FakePostmanApi;
beforeAll(async () => {
  rw = await createRunWorkspace('Test_Task5_');
  api = await startFakePostmanApi({ apiKey: 'PMAK-the-only-valid-key-000000000000' });
});
afterAll(async () => {
  await api.close();
  await rw.close();
});

function assertAbsent(haystacks: string[], secrets: string[]) {
  const all = haystacks.join('\n');
  for (const value of secrets) {
    expect(all.includes(value)).toBe(false);
  }
}

it('1000 API keys: in the env or the file, valid config or not, against a 401', async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(secret.map((s) => `PMAK-${s}`), fc.constantFrom('env', 'file'), fc.boolean(), async (apiKey, where, brokenConfig) => {
      const config: Record<string, unknown> = { baseUrl: brokenConfig ? 17 : rw.backend.url, collectionUid: COLLECTION_UID, workspaceId: WORKSPACE };
      if (where === 'file') config.apiKey = apiKey;
      rw.ws.write('.postman.json', config);
      const env = { POSTMAN_API_BASE_URL: api.url, ...(where === 'env' ? { POSTMAN_API_KEY: apiKey } : {}) };
      const pair = await connectPair({ env, cwd: rw.ws.dir, watchConfig: false, isolation: 'inline', logLevel: 'debug' });
      const logs: string[] = [];
      pair.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(JSON.stringify(n.params));
      });
      try {
        await pair.client.setLoggingLevel('debug');
        const outputs: string[] = [];
        for (const [tool, args] of [['activate_power', {}], ['get_collection', {}], ['get_environment', { environment: COLLECTION_UID }], ['run_collection', { check_health: false }]] as const) {
          outputs.push(JSON.stringify(await pair.call(tool, args)));
        }
        outputs.push(JSON.stringify(await pair.client.readResource({ uri: 'postman://config' })));
        assertAbsent([...outputs, ...logs, ...pair.stderr], [apiKey]);
        checked += 1;
      } finally {
        await pair.close();
      }
    }),
    { numRuns: 1000 },
  );
  expect(checked).toBe(1000);
}, 300_000);

it('1000 secret environment values (100 runs × 10): echoed back by the backend, failing, reported', async () => {
  const collection = {
    info: { name: 'Echo secrets' },
    item: [
      {
        name: 'Echo',
        request: {
          method: 'GET',
          url: '{{baseUrl}}/echo?q={{s0}}&r={{s1}}',
          header: Array.from({ length: 10 }, (_, i) => ({ key: `X-S${i}`, value: `{{s${i}}}` })),
        },
        event: [{ listen: 'test', script: { exec: ["console.log('env', JSON.stringify(pm.environment.toObject()));", "pm.test('fails on purpose', () => pm.expect(pm.response.json()).to.eql(pm.environment.toObject()));"] } }],
      },
    ],
  };
  rw.ws.write('postman/collections/echo-secrets.postman_collection.json', collection);
  rw.ws.write('.postman.json', { baseUrl: rw.backend.url, environment: 'postman/environments/secrets.postman_environment.json' });
  const pair = await connectPair({ env: {}, cwd: rw.ws.dir, watchConfig: false, isolation: 'inline' });
  let checked = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(secret, { minLength: 10, maxLength: 10 }), async (secrets) => {
        rw.ws.write('postman/environments/secrets.postman_environment.json', {
          name: 'Secrets',
          values: secrets.map((value, i) => ({ key: `s${i}`, value, type: 'secret', enabled: true })),
        });
        const outputs: string[] = [];
        outputs.push(JSON.stringify(await pair.call('get_environment', {})));
        const run = await pair.call('run_collection', { collection: 'postman/collections/echo-secrets.postman_collection.json', reporters: ['junit', 'json'], detail: 'full' });
        outputs.push(JSON.stringify(run));
        const summary = run.structuredContent as { status: string; runId: string; reports: { junit: string; json: string } };
        expect(summary.status).toBe('failed');
        outputs.push(readFileSync(rw.ws.path(summary.reports.junit), 'utf8'), readFileSync(rw.ws.path(summary.reports.json), 'utf8'));
        outputs.push(JSON.stringify(await pair.client.readResource({ uri: `postman://runs/${summary.runId}` })));
        assertAbsent([...outputs, ...pair.stderr], secrets);
        // The XML-escaped form of a secret is caught too.
        const escaped = secrets.map((s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')).filter((s, i) => s !== secrets[i]);
        assertAbsent(outputs, escaped);
        checked += secrets.length;
      }),
      { numRuns: 100 },
    );
  } finally {
    await pair.close();
  }
  expect(checked).toBe(1000);
}, 300_000);
