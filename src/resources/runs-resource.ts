// postman://runs/{id} — the last runs' summaries (progress while running), presented as run_collection
// presents them and then as data; subscribers hear when one completes.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { MAX_KEPT_RUNS } from '../core/runs/run-registry.js';
import type { ToolContext } from '../tools/context.js';

/** MCP's error code for a resource that does not exist (2025-11-25 spec). */
export const RESOURCE_NOT_FOUND = -32002;

export const RUN_RESOURCE_PREFIX = 'postman://runs/';

export function registerRunsResource(server: McpServer, core: () => Promise<ToolContext>): void {
  server.registerResource(
    'runs',
    new ResourceTemplate(`${RUN_RESOURCE_PREFIX}{id}`, {
      list: async () => {
        const context = await core();
        return {
          resources: context.client.runs.ids().map((id) => {
            const summary = context.client.runs.get(id)!.snapshot();
            return { uri: `${RUN_RESOURCE_PREFIX}${id}`, name: `run ${id}`, description: context.secrets.redactText(`${summary.collection.name}: ${summary.status}`), mimeType: 'application/json' };
          }),
        };
      },
    }),
    {
      title: 'Collection runs',
      description: 'The summary of one of the last 20 runs (its progress while it runs).',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const id = String(variables.id);
      const [context, { presentRun }] = await Promise.all([core(), import('../core/results/format.js')]);
      const handle = context.client.runs.get(id);
      // An unknown run is the protocol's "resource not found" (-32002), not a success holding an error.
      if (!handle) throw new McpError(RESOURCE_NOT_FOUND, `No run "${id}": the last ${MAX_KEPT_RUNS} runs are kept`, { uri: uri.href, known: context.client.runs.ids() });
      // The whole summary as data, then the run as the tools present it (its line, its causes).
      const summary = handle.snapshot();
      return {
        contents: [
          { uri: uri.href, mimeType: 'application/json', text: JSON.stringify(context.secrets.redact(summary), null, 2) },
          { uri: uri.href, mimeType: 'text/plain', text: context.secrets.redactText(presentRun(summary).text) },
        ],
      };
    },
  );
}
