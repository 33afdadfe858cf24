// A run's failure as results carry it: an assertion, a request error or a script error, with its
// request's fields, expected/actual and a response excerpt. A leaf module: the summary, the causes and
// the presenter all read it.
import { z } from 'zod';

/** How a request without a name is shown; reports leave the name out, as newman's do (reading one restores this). */
export const UNNAMED = '(unnamed)';

export const ResponseExcerptSchema = z.object({
  code: z.number(),
  status: z.string(),
  timeMs: z.number().optional(),
  contentType: z.string().optional(),
  bodyExcerpt: z.string().optional().describe('First 2 KB of the body'),
});

export const FailureSchema = z.object({
  kind: z.enum(['assertion', 'request_error', 'script_error']),
  iteration: z.number().describe('0-based iteration'),
  folder: z.string().describe('Folder path, "" at the top level'),
  request: z.string().default(UNNAMED),
  method: z.string().optional(),
  url: z.string().optional(),
  assertion: z.string().optional(),
  message: z.string(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  response: ResponseExcerptSchema.optional().describe('On the first failure of each request; its other failures share it'),
  requestIndex: z.number().optional().describe('Position of its request in the run (as in requests with detail "full")'),
});
export type Failure = z.infer<typeof FailureSchema>;
