// A workspace holding the runner fixtures (collections, environment, data, upload file) and a
// .postman.json pointing at a fresh test backend.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { startTestBackend, type TestBackend } from './test-backend.js';
import { createTempWorkspace, type SuitePrefix, type TempWorkspace } from './temp-workspace.js';

export const RUN_FIXTURES = path.resolve('__tests__/fixtures/run');
export const ENV_PATH = 'postman/environments/local.postman_environment.json';
export const collectionPath = (name: string) => `postman/collections/${name}.postman_collection.json`;

export interface RunWorkspace {
  ws: TempWorkspace;
  backend: TestBackend;
  close(): Promise<void>;
}

export async function createRunWorkspace(prefix: SuitePrefix, config: Record<string, unknown> = {}, backendOptions: { latencyMs?: number } = {}): Promise<RunWorkspace> {
  const ws = createTempWorkspace(prefix);
  const backend = await startTestBackend(backendOptions);
  cpSync(RUN_FIXTURES, ws.path('postman/collections'), { recursive: true, filter: (src) => !src.endsWith('.postman_environment.json') && !/\.(csv|txt)$/.test(src) });
  cpSync(path.join(RUN_FIXTURES, 'local.postman_environment.json'), ws.path(ENV_PATH));
  cpSync(path.join(RUN_FIXTURES, 'users.csv'), ws.path('data/users.csv'));
  cpSync(path.join(RUN_FIXTURES, 'upload.txt'), ws.path('fixtures/upload.txt'));
  ws.write('.postman.json', { baseUrl: backend.url, environment: ENV_PATH, ...config });
  return {
    ws,
    backend,
    async close() {
      await backend.close();
      ws.cleanup();
    },
  };
}
