// A scratch copy of examples/todo-api with its backend running and .postman.json pointing at it.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error: the example backend is plain JavaScript (it runs without a build).
import { startTodoServer } from '../../examples/todo-api/server.mjs';
import { createTempWorkspace, type SuitePrefix, type TempWorkspace } from './temp-workspace.js';

export interface ExampleProject {
  ws: TempWorkspace;
  backendUrl: string;
  close(): Promise<void>;
}

export async function createExampleProject(prefix: SuitePrefix, config: Record<string, unknown> = {}): Promise<ExampleProject> {
  const backend = (await startTodoServer(0)) as { url: string; close(): Promise<void> };
  const ws = createTempWorkspace(prefix);
  cpSync(path.resolve('examples/todo-api'), ws.dir, { recursive: true });
  const file = ws.path('.postman.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), baseUrl: backend.url, ...config }, null, 2));
  return {
    ws,
    backendUrl: backend.url,
    async close() {
      await backend.close();
      ws.cleanup();
    },
  };
}
