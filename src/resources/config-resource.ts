// postman://config — the normalised, redacted config plus diagnostics. Readable when the file is
// missing or broken too: then it says why, so an agent can fix it.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../tools/context.js';

export const CONFIG_RESOURCE_URI = 'postman://config';

export function registerConfigResource(server: McpServer, core: () => Promise<ToolContext>): void {
  server.registerResource(
    'config',
    CONFIG_RESOURCE_URI,
    {
      title: 'Postman power configuration',
      description: 'The project .postman.json, normalised and redacted, with where it was found, its shape, warnings and errors.',
      mimeType: 'application/json',
    },
    async (uri) => {
      const [context, { describeConfigState }] = await Promise.all([core(), import('../core/config-view.js')]);
      const state = await context.client.configState();
      await context.client.primeSecrets();
      const text = JSON.stringify(context.secrets.redact(describeConfigState(state)), null, 2);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text }] };
    },
  );
}
