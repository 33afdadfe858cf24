// Plan task 2: for generated API keys, the key never appears whole in the resource text, a
// diagnostic or an error message — whether it comes from the env or the file, valid config or not.
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { readConfigState } from '../../src/core/config.js';
import { formatError } from '../../src/core/errors.js';
import { describeConfigState } from '../../src/core/config-view.js';
import { connectPair } from '../support/mcp-client.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const key = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.split('')), minLength: 12, maxLength: 64 });

describe('the API key never appears whole', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace('Test_Task2_');
  });
  afterAll(() => ws.cleanup());

  it('in diagnostics and errors, for keys in the file and in the env', async () => {
    await fc.assert(
      fc.asyncProperty(key, fc.constantFrom('file', 'env'), fc.boolean(), async (apiKey, where, broken) => {
        const raw: Record<string, unknown> = { baseUrl: broken ? 7 : 'http://localhost:3000', workspaceId: broken ? apiKey : undefined };
        if (where === 'file') raw.apiKey = apiKey;
        writeFileSync(ws.path('.postman.json'), JSON.stringify(raw));
        const state = await readConfigState({ env: where === 'env' ? { POSTMAN_API_KEY: apiKey } : {}, cwd: ws.dir });
        const shown = JSON.stringify(describeConfigState(state)) + (state.error ? formatError(state.error) : '') + state.warnings.join('\n');
        // Even before the server's SecretSet masks it, the description itself never echoes the key.
        expect(shown).not.toContain(apiKey);
      }),
      { numRuns: 100 },
    );
  });

  it('in the resource text read over MCP', async () => {
    await fc.assert(
      fc.asyncProperty(key, fc.constantFrom('file', 'env'), fc.boolean(), async (apiKey, where, broken) => {
        const raw: Record<string, unknown> = { baseUrl: broken ? 7 : 'http://localhost:3000', workspaceId: broken ? apiKey : undefined };
        if (where === 'file') raw.apiKey = apiKey;
        writeFileSync(ws.path('.postman.json'), JSON.stringify(raw));
        const pair = await connectPair({ env: where === 'env' ? { POSTMAN_API_KEY: apiKey } : {}, cwd: ws.dir, watchConfig: false });
        try {
          const read = await pair.client.readResource({ uri: 'postman://config' });
          const text = (read.contents[0] as { text: string }).text;
          expect(text).not.toContain(apiKey);
          expect(pair.stderr.join('\n')).not.toContain(apiKey);
        } finally {
          await pair.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
