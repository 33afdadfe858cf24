// get_environment: the variables a run will use, secrets masked. Plan task 3.
import { z } from 'zod';
import { EnvironmentViewSchema } from '../core/sources/environment-view.js';
import { defineTool } from './define-tool.js';

export const getEnvironmentTool = defineTool({
  name: 'get_environment',
  title: 'Get environment',
  description:
    'The environment a run will use (cloud or local): each value with its type and enabled flag; secrets masked.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    environment: z.string().optional().describe('UID, id, path or name'),
  },
  outputSchema: EnvironmentViewSchema.shape,
  async handler(args, context) {
    const view = await context.client.getEnvironment({ environment: args.environment });
    const summary = `Environment "${view.name}" (${view.source.kind}${view.source.path ? `: ${view.source.path}` : ''}): ${view.counts.total} values, ${view.counts.enabled} enabled, ${view.counts.secret} secret (masked).`;
    return { summary, structured: view };
  },
});
