// What changed since the last run, as answers carry it (history.ts computes it): its schema and its
// compact form. A leaf module, so the run summary can carry it without importing the history.
import { z } from 'zod';

export const SinceLastSchema = z.object({
  verdict: z.string().describe('One line: new failures, fixed, already failing, since when'),
  previousRunId: z.string(),
  previousEndedAt: z.string().optional().describe('Left out of answers: the verdict says how long ago'),
  // Empty lists and zero counts are left out of answers (compactSinceLast); parsing restores them.
  newlyFailing: z.array(z.object({ request: z.string(), assertion: z.string().optional(), message: z.string().optional() })).default([]).describe('Failing now, passing (or absent) last time'),
  newlyFailingCount: z.number().default(0),
  fixed: z.array(z.string()).default([]).describe('Failing last time, passing now'),
  fixedCount: z.number().default(0),
  stillFailing: z.number().default(0),
  added: z.array(z.string()).default([]).describe('Requests that did not run last time'),
  removed: z.array(z.string()).default([]).describe('Requests that ran last time and not now'),
});

/** since_last without its empty lists and zero counts, or the end time the verdict already puts in words. */
export function compactSinceLast({ previousEndedAt: _ended, ...since }: SinceLast): z.input<typeof SinceLastSchema> {
  return Object.fromEntries(Object.entries(since).filter(([, value]) => !(value === 0 || (Array.isArray(value) && value.length === 0)))) as z.input<typeof SinceLastSchema>;
}
export type SinceLast = z.infer<typeof SinceLastSchema>;
