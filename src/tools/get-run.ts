// get_run: read a run started by run_collection — its progress, or its result once it ended. Read-only
// and idempotent (it never starts, changes or cancels a run), so a client can auto-approve polling.
import { z } from 'zod';
import { RunSummaryShape } from '../core/results/summary.js';
import { awaitRun, DEFAULT_WAIT_MS, findRun } from './run-collection.js';
import { defineTool } from './define-tool.js';

export const getRunTool = defineTool({
  name: 'get_run',
  title: 'Get run',
  description: 'Poll a run run_collection left running or queued: waits up to wait_ms, then returns its summary.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputSchema: {
    run_id: z.string().min(1).describe('From run_collection'),
    wait_ms: z.number().int().min(0).max(600_000).optional().describe('Wait for the end; default 40000, 0: now'),
    detail: z.enum(['summary', 'full']).optional().describe('"full" adds every request'),
  },
  outputSchema: RunSummaryShape,
  async handler(args, context, extra) {
    return awaitRun(findRun(context, args.run_id), args.wait_ms ?? DEFAULT_WAIT_MS, args.detail, context, extra);
  },
});
