// A run's options, once: what a caller may ask (RunOptionsSchema, the source the tool's schema and the
// CLI's flags are checked against), and resolveRunOptions, which merges the caller's ask, the
// project's .postman.json and the defaults in one place. The runner reads only the resolved plan.
import { z } from 'zod';
import { MAX_LANES, MAX_TIMER_MS } from '../bounds.js';
import { DEFAULT_RUN, type PostmanConfig } from '../config.js';

/** A time in ms; 0 means none (as newman's flags). */
const Ms = z.number().int().min(0).max(MAX_TIMER_MS);

export const RunOptionsSchema = z.object({
  requestTimeoutMs: Ms.optional().describe('Per request; 0 or absent: none'),
  scriptTimeoutMs: Ms.optional().describe('Per script; 0 or absent: none'),
  runTimeoutMs: Ms.optional().describe('The whole run; 0: none; default 600000'),
  delayRequestMs: Ms.optional().describe('Pause between requests; default 0'),
  bail: z.union([z.boolean(), z.enum(['failure', 'error'])]).optional().describe('Stop at the first failure (true, "failure") or request error ("error")'),
  insecureTls: z.boolean().optional().describe('Accept self-signed certificates'),
  followRedirects: z.boolean().optional().describe('Follow 3xx; default true'),
  parallel: z.number().int().min(1).max(MAX_LANES).optional().describe('Lanes; default 1'),
});
export type RunOptions = z.infer<typeof RunOptionsSchema>;

export type Bail = false | 'failure' | 'error';

/** Every option set: the caller's, else the project's, else the default. */
export interface ResolvedRunOptions {
  requestTimeoutMs: number;
  scriptTimeoutMs: number;
  runTimeoutMs: number;
  delayRequestMs: number;
  bail: Bail;
  insecureTls: boolean;
  followRedirects: boolean;
  parallel: number;
  maxResponseBytes: number;
}

/** The documented defaults, for a project that sets none. */
export const DEFAULT_RUN_OPTIONS: ResolvedRunOptions = {
  requestTimeoutMs: DEFAULT_RUN.requestTimeoutMs,
  scriptTimeoutMs: DEFAULT_RUN.scriptTimeoutMs,
  runTimeoutMs: DEFAULT_RUN.runTimeoutMs,
  delayRequestMs: 0,
  bail: DEFAULT_RUN.bail,
  insecureTls: false,
  followRedirects: true,
  parallel: 1,
  maxResponseBytes: DEFAULT_RUN.maxResponseBytes,
};

/** `bail: true` is newman's `--bail` with no kind: stop at the first failure. */
const bailOf = (bail: RunOptions['bail']): Bail | undefined => (bail === true ? 'failure' : bail);

/** Merges once: the caller's options over the project's `run` block over the defaults. */
export function resolveRunOptions(args: RunOptions, project: Partial<PostmanConfig['run']> = {}): ResolvedRunOptions {
  const pick = <K extends keyof ResolvedRunOptions>(key: K, asked: ResolvedRunOptions[K] | undefined, configured?: ResolvedRunOptions[K]): ResolvedRunOptions[K] =>
    asked ?? configured ?? DEFAULT_RUN_OPTIONS[key];
  return {
    requestTimeoutMs: pick('requestTimeoutMs', args.requestTimeoutMs, project.requestTimeoutMs),
    scriptTimeoutMs: pick('scriptTimeoutMs', args.scriptTimeoutMs, project.scriptTimeoutMs),
    runTimeoutMs: pick('runTimeoutMs', args.runTimeoutMs, project.runTimeoutMs),
    delayRequestMs: pick('delayRequestMs', args.delayRequestMs),
    bail: pick('bail', bailOf(args.bail), bailOf(project.bail as RunOptions['bail'])),
    insecureTls: pick('insecureTls', args.insecureTls),
    followRedirects: pick('followRedirects', args.followRedirects),
    parallel: pick('parallel', args.parallel),
    maxResponseBytes: pick('maxResponseBytes', undefined, project.maxResponseBytes),
  };
}
