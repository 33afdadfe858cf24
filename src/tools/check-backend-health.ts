// check_backend_health: is the backend up, and if not, why. Plan task 4.
import { z } from 'zod';
import { HealthResultSchema } from '../core/health.js';
import { StatusExpectationSchema } from '../core/status-ranges.js';
import { defineTool } from './define-tool.js';

export const checkBackendHealthTool = defineTool({
  name: 'check_backend_health',
  title: 'Check backend health',
  description:
    'Check that the backend under test is up before running a collection. Probes the configured base URL / health path (or the URLs given), retries failing endpoints with jittered exponential backoff, and returns healthy | degraded | unhealthy with every attempt classified (connection_refused, timeout, dns, tls, reset, http_status, body_mismatch) and a hint for each failure. An unhealthy backend is a normal result. Use wait_until_healthy right after starting a server.',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: {
    url: z.string().optional().describe('One endpoint: a full URL, or a path joined to baseUrl from .postman.json. Default: the configured health path, else baseUrl.'),
    urls: z.array(z.string()).min(1).max(20).optional().describe('Several endpoints (full URLs or paths); each gets its own verdict.'),
    method: z.enum(['GET', 'HEAD']).optional().describe('HTTP method; default GET.'),
    expect_status: StatusExpectationSchema.optional().describe('Expected status: 200, "200-399", "2xx" or a list. Default: the config, else 200-399.'),
    expect_body_contains: z.string().optional().describe('A substring the body must contain, e.g. "\\"status\\":\\"ok\\"".'),
    timeout_ms: z.number().int().min(1).max(120_000).optional().describe('Per-attempt timeout in ms; default 2000.'),
    attempts: z.number().int().min(1).max(50).optional().describe('Attempts per endpoint; default 5.'),
    deadline_ms: z.number().int().min(1).max(600_000).optional().describe('Overall deadline in ms; default 30000. Keep it under your client\'s tool-call timeout.'),
    wait_until_healthy: z.boolean().optional().describe('Keep retrying until healthy or the deadline, for a backend that is still starting.'),
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
    const hints = result.targets.flatMap((target) => (target.hint ? [`- ${target.url}: ${target.hint}`] : []));
    return { summary: [result.summary, ...hints].join('\n'), structured: result };
  },
});
