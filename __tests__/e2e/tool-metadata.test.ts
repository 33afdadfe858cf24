// Every tool carries a title, a description that says when to use it, annotations, described inputs
// and an output schema (as github-mcp-server's TestAllToolsHaveRequiredMetadata).
import { tools } from '../../src/tools/index.js';

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
