// get_collection: see the collection before running it. Plan task 3.
import { z } from 'zod';
import { OutlineSchema, type Outline } from '../core/sources/outline.js';
import { defineTool } from './define-tool.js';

/** Requests an answer lists at once: all of a small collection, a page of a big one's folder. */
export const OUTLINE_PAGE = 25;

/** A request as the model reads it: scripts and assertions only when it has them. */
function compactRequest(request: Outline['requests'][number], narrowedTo: string | undefined) {
  const scripts = [request.preRequestScript ? 'pre' : '', request.testScript ? 'test' : ''].filter(Boolean).join('+');
  return {
    ...(request.folder && request.folder !== narrowedTo ? { folder: request.folder } : {}),
    name: request.name,
    method: request.method,
    url: request.url,
    ...(request.assertions ? { assertions: request.assertions } : {}),
    ...(scripts ? { scripts } : {}),
  };
}

/**
 * The outline as the model reads it: folders with their request counts, what the collection needs,
 * and requests only for a small collection or one folder, a page at a time (structuredContent keeps
 * every list up to its limits).
 */
function compactOutline(outline: Outline, page: number): { compact: Record<string, unknown>; listed: string } {
  const { requests, source, omitted: _omitted, ...rest } = outline;
  const listAll = outline.folder !== undefined || outline.totals.requests <= OUTLINE_PAGE;
  const start = (page - 1) * OUTLINE_PAGE;
  const shown = listAll ? requests.slice(start, start + OUTLINE_PAGE) : [];
  const more = listAll ? Math.max(0, requests.length - start - shown.length) : 0;
  const listed = !listAll
    ? ` Requests are listed per folder: call get_collection with folder (e.g. "${outline.folders[0]?.path ?? ''}").`
    : more
      ? ` Requests ${start + 1}–${start + shown.length} of ${requests.length}: page ${page + 1} continues.`
      : '';
  return {
    compact: {
      ...rest,
      source: { kind: source.kind, ref: source.ref },
      ...(shown.length ? { requests: shown.map((request) => compactRequest(request, outline.folder)) } : {}),
      ...(more ? { nextPage: page + 1 } : {}),
    },
    listed,
  };
}

export const getCollectionTool = defineTool({
  name: 'get_collection',
  title: 'Get collection',
  description:
    'What a run will do (cloud or local): variables (secrets masked), auth, folders, requests, assertions; needs: what scripts set, undefined variables, flow control. detail full: the JSON, capped.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    collection: z.string().optional().describe('UID, id, path or name'),
    detail: z.enum(['outline', 'full']).optional().describe('Default "outline"'),
    folder: z.string().optional().describe('One folder: name, path (A/B) or id'),
    page: z.number().int().min(1).optional().describe('Of the requests listed'),
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
    if (args.detail === 'full' && 'collection' in result) return { summary, structured: result };
    const { compact, listed } = compactOutline(result, args.page ?? 1);
    return { summary: `${summary}${listed}`, structured: result, compact };
  },
});
