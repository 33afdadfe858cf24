// postman://runs/{id} — the last runs' summaries (progress while running); subscribers hear when one completes.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../tools/context.js';

export const RUN_RESOURCE_PREFIX = 'postman://runs/';

export function registerRunsResource(server: McpServer, context: ToolContext): void {
  server.registerResource(
    'runs',
    new ResourceTemplate(`${RUN_RESOURCE_PREFIX}{id}`, {
      list: async () => ({
        resources: context.client.runs.ids().map((id) => {
          const summary = context.client.runs.get(id)!.snapshot();
          return { uri: `${RUN_RESOURCE_PREFIX}${id}`, name: `run ${id}`, description: context.secrets.redactText(`${summary.collection.name}: ${summary.status}`), mimeType: 'application/json' };
        }),
      }),
    }),
    {
      title: 'Collection runs',
      description: 'The summary of one of the last 20 runs (its progress while it runs).',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const id = String(variables.id);
      const handle = context.client.runs.get(id);
      const body = handle ? handle.snapshot() : { error: `No run "${id}" (the last 20 are kept)`, known: context.client.runs.ids() };
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(context.secrets.redact(body), null, 2) }] };
    },
  );
}
