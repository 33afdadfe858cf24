// check_backend_health: is the backend up, and if not, why. Plan task 4.
import { z } from 'zod';
import { collapseAttempts, HealthResultSchema } from '../core/health.js';
import { defineTool } from './define-tool.js';

export const checkBackendHealthTool = defineTool({
  name: 'check_backend_health',
  title: 'Check backend health',
  description:
    'Is the backend up, and if not, why? Probes the health path (or baseUrl, urls) with jittered backoff: healthy | degraded | unhealthy, each attempt classified (refused, timeout, dns, tls, http_status…) with a hint.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    url: z.string().optional().describe('URL, or path joined to baseUrl'),
    urls: z.array(z.string()).min(1).optional().describe('Several endpoints'),
    method: z.enum(['GET', 'HEAD']).optional().describe('Default GET'),
    expect_status: z.union([z.number().int().min(100).max(599), z.string()]).optional().describe('e.g. 200, "200-399", "2xx"'),
    expect_body_contains: z.string().optional().describe('Text the body must contain'),
    timeout_ms: z.number().int().min(1).max(120_000).optional().describe('Per attempt; default 2000'),
    attempts: z.number().int().min(1).max(50).optional().describe('Default 5'),
    deadline_ms: z.number().int().min(1).max(600_000).optional().describe('Default 30000'),
    wait_until_healthy: z.boolean().optional().describe('Until healthy or the deadline'),
  },
  outputSchema: HealthResultSchema.shape,
  async handler(args, context, extra) {
    const urls = args.urls ?? (args.url ? [args.url] : undefined);
    const result = await context.client.checkBackendHealth({
      urls,
      method: args.method,
      expectStatus: args.expect_status,
      expectBody: args.expect_body_contains === undefined ? undefined : { contains: args.expect_body_contains },
      timeoutMs: args.timeout_ms,
      attempts: args.attempts,
      deadlineMs: args.deadline_ms,
      waitUntilHealthy: args.wait_until_healthy,
      signal: extra.signal,
    });
    const hints = result.targets.flatMap((target) => {
      if (!target.hint) return [];
      const tried = target.attempts.length > 1 ? ` (${target.attempts.length} attempts over ${(target.attempts.at(-1)!.startedAtMs / 1000).toFixed(1)} s)` : '';
      return [`- ${target.url}${tried}: ${target.hint}`];
    });
    return { summary: [result.summary, ...hints, ...(result.note ? [result.note] : [])].join('\n'), structured: collapseAttempts(result) };
  },
});
