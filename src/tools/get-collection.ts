// get_collection: see the collection before running it. Plan task 3.
import { z } from 'zod';
import { OutlineSchema } from '../core/sources/outline.js';
import { defineTool } from './define-tool.js';

export const getCollectionTool = defineTool({
  name: 'get_collection',
  title: 'Get collection',
  description:
    'What a run will do, as an outline (cloud or local): variables (secrets masked), auth, folders, requests, assertions; needs: scripts and what they set, undefined variables, flow control. detail "full" adds the JSON (capped).',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    collection: z.string().optional().describe('UID, id, path or name; default: config'),
    detail: z.enum(['outline', 'full']).optional().describe('Default "outline"'),
    folder: z.string().optional().describe('One folder: name, path (A/B) or id'),
  },
  outputSchema: {
    ...OutlineSchema.shape,
    collection: z.unknown().optional(),
    note: z.string().optional(),
  },
  async handler(args, context) {
    const result = await context.client.getCollection({ collection: args.collection, detail: args.detail, folder: args.folder });
    const { totals } = result;
    const missing = result.needs?.missingVariables.length ?? 0;
    const summary = `Collection "${result.name}" (${result.source.kind}${result.source.path ? `: ${result.source.path}` : ''}): ${totals.requests} requests in ${totals.folders} folders, ${totals.assertions} assertions written in scripts (a static count: a run may execute more or fewer)${missing ? `; ${missing} variable${missing === 1 ? '' : 's'} used but defined nowhere (see needs)` : ''}.${result.note ? ` ${result.note}` : ''}`;
    return { summary, structured: result };
  },
});
