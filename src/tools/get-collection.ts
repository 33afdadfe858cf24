// get_collection: see the collection before running it. Plan task 3.
import { z } from 'zod';
import { OutlineSchema } from '../core/sources/outline.js';
import { defineTool } from './define-tool.js';

export const getCollectionTool = defineTool({
  name: 'get_collection',
  title: 'Get collection',
  description:
    'Read the Postman collection to run, from the Postman cloud or a local file. Returns an outline by default: name, variables (secrets masked), auth, folders, and each request with method, URL as written, number of pm.test assertions and whether it has scripts. detail "full" adds the collection JSON up to a size cap (past it, the outline and a note on narrowing by folder).',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    collection: z.string().optional().describe('A UID (12345678-<uuid>), an id, a local path (v2.1 JSON) or a name. Default: "collection" in .postman.json, else the only collection file found.'),
    detail: z.enum(['outline', 'full']).optional().describe('"outline" (default) or "full" (adds the JSON, capped).'),
    folder: z.string().optional().describe('Narrow to one folder, by name, path (A/B) or id.'),
  },
  outputSchema: {
    ...OutlineSchema.shape,
    collection: z.unknown().optional().describe('The collection (or folder) JSON, only with detail "full" and under the cap'),
    note: z.string().optional(),
  },
  async handler(args, context) {
    const result = await context.client.getCollection({ collection: args.collection, detail: args.detail, folder: args.folder });
    const { totals } = result;
    const summary = `Collection "${result.name}" (${result.source.kind}${result.source.path ? `: ${result.source.path}` : ''}): ${totals.requests} requests in ${totals.folders} folders, ${totals.assertions} assertions.${result.note ? ` ${result.note}` : ''}`;
    return { summary, structured: result };
  },
});
