// get_environment: the variables a run will use, secrets masked. Plan task 3.
import { z } from 'zod';
import { EnvironmentViewSchema } from '../core/sources/environment-view.js';
import { defineTool } from './define-tool.js';

export const getEnvironmentTool = defineTool({
  name: 'get_environment',
  title: 'Get environment',
  description:
    'Read the Postman environment a run will use, from the cloud or a local file: each value with its type and whether it is enabled. Secret and vault-backed values are masked.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    environment: z.string().optional().describe('A UID, an id, a local path or a name. Default: "environment" in .postman.json, else the only environment file found.'),
  },
  outputSchema: EnvironmentViewSchema.shape,
  async handler(args, context) {
    const view = await context.client.getEnvironment({ environment: args.environment });
    const summary = `Environment "${view.name}" (${view.source.kind}${view.source.path ? `: ${view.source.path}` : ''}): ${view.counts.total} values, ${view.counts.enabled} enabled, ${view.counts.secret} secret (masked).`;
    return { summary, structured: view };
  },
});
