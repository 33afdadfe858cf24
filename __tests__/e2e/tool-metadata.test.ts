// Every tool carries a title, a description that says when to use it, annotations, described inputs
// and an output schema (as github-mcp-server's TestAllToolsHaveRequiredMetadata).
import path from 'node:path';
import { listTools } from '../../src/tools/define-tool.js';
import { tools } from '../../src/tools/index.js';
import { listToolsOver, spawnServer } from '../support/raw-stdio.js';
import { createTempWorkspace } from '../support/temp-workspace.js';

it.each(tools.map((tool) => [tool.name, tool] as const))('%s has the required metadata', (name, tool) => {
  expect(name).toMatch(/^[a-z]+(_[a-z]+)+$/);
  expect(tool.title).toBeTruthy();
  expect(tool.description.length).toBeGreaterThan(60);
  expect(typeof tool.annotations.readOnlyHint).toBe('boolean');
  expect(typeof tool.annotations.destructiveHint).toBe('boolean');
  expect(typeof tool.annotations.idempotentHint).toBe('boolean');
  expect(typeof tool.annotations.openWorldHint).toBe('boolean');
  for (const [field, schema] of Object.entries(tool.inputSchema)) {
    expect([field, (schema as { description?: string }).description]).toEqual([field, expect.any(String)]);
  }
  expect(Object.keys(tool.outputSchema).length).toBeGreaterThan(2);
});

// A cold start answers tools/list with the JSON the build worked out from these definitions
// (scripts/bundle.mjs, src/server.ts): it must be what the definitions say today, through the binary
// and through dist/cli.js, the name that starts the same binary.
it.each(['dist/cli.cjs', 'dist/cli.js'])('%s answers tools/list exactly as the tool definitions list themselves', async (binary) => {
  const ws = createTempWorkspace('Test_Task5_');
  const server = spawnServer(ws.dir, {}, [path.resolve(binary)]);
  try {
    const listed = await listToolsOver(server);
    expect(listed.result).toEqual(JSON.parse(JSON.stringify(listTools(tools))));
    expect(server.junk).toEqual([]);
  } finally {
    await server.close();
    ws.cleanup();
  }
});
