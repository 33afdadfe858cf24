// Failures grouped by cause. One backend bug often fails the same assertion in many requests (a field
// renamed, timestamps in another format); an agent should read it once, with how far it reached, not
// thirty times. A cause is the failure's kind, its assertion's name and its message with the values
// that vary between requests taken out; each group keeps one whole failure as its example.
import { z } from 'zod';
import type { Failure } from './failure.js';

/** Request names a cause lists; the rest are counted. */
export const MAX_CAUSE_REQUESTS = 5;
/** Causes a summary keeps (the largest); the rest are counted, so a run of many distinct errors stays small. */
export const MAX_CAUSES_KEPT = 50;

export const CauseSchema = z.object({
  kind: z.enum(['assertion', 'request_error', 'script_error']),
  assertion: z.string().optional().describe('The failing assertion\'s name'),
  cause: z.string().describe('The message; with the values that vary between requests taken out when its failures differ'),
  failures: z.number().describe('Failures with this cause'),
  requests: z.array(z.string()).describe(`The requests it hit (folder/name); the first ${MAX_CAUSE_REQUESTS}`),
  requestsHit: z.number().describe('How many requests it hit (in any iteration)'),
  example: z.record(z.string(), z.unknown()).describe('One failure of this cause, whole: request, method, url, message, expected/actual, response'),
});
export type Cause = z.infer<typeof CauseSchema>;

/**
 * The message with what varies between requests replaced by "…": quoted strings, dates, ids, numbers,
 * inspected objects and arrays, literals. Failures of "expected '2026-01-02 10:00' to match /…/" and
 * of "expected 404 to equal 200" / "expected 'x' to equal 200" read as one cause each. Regular
 * expressions in the message (what was expected) are kept as written.
 */
export function causeOf(message: string): string {
  const regexes: string[] = [];
  return message
    .replace(/(^|[\s(])\/(?:[^/\\\n]|\\.)+\/[dgimsuy]*(?=$|[\s),.])/g, (whole) => String.fromCharCode(0xe000 + regexes.push(whole) - 1))
    .replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '…')
    .replace(/\{[^{}]*\}|\[[^[\]]*\]/g, '…')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '…')
    .replace(/\b\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?/g, '…')
    .replace(/\b[0-9a-f]{16,}\b/gi, '…')
    .replace(/-?\b\d+(?:\.\d+)*\b/g, '…')
    .replace(/\b(?:true|false|null|undefined|NaN)\b/g, '…')
    .replace(/\s+/g, ' ')
    .replace(/[\ue000-\uefff]/g, (mark) => regexes[mark.charCodeAt(0) - 0xe000] ?? mark)
    .trim();
}

const requestPath = (failure: Failure) => `${failure.folder ? `${failure.folder}/` : ''}${failure.request}`;

/**
 * The run's failures by cause, the largest group first (then the first seen). Every failure belongs
 * to exactly one cause, so the groups' counts add up to the failures given.
 */
export function groupFailures(failures: Failure[]): Cause[] {
  const groups = new Map<string, { cause: Cause; paths: Set<string>; first: number; members: Failure[] }>();
  failures.forEach((failure, index) => {
    const cause = causeOf(failure.message);
    const key = JSON.stringify([failure.kind, failure.assertion ?? '', cause]);
    let group = groups.get(key);
    if (!group) {
      group = { cause: { kind: failure.kind, ...(failure.assertion ? { assertion: failure.assertion } : {}), cause, failures: 0, requests: [], requestsHit: 0, example: {} }, paths: new Set(), first: index, members: [] };
      groups.set(key, group);
    }
    group.cause.failures += 1;
    group.members.push(failure);
    const where = requestPath(failure);
    if (!group.paths.has(where)) {
      group.paths.add(where);
      if (group.cause.requests.length < MAX_CAUSE_REQUESTS) group.cause.requests.push(where);
    }
  });
  // A request's response rides on its first failure: an example borrows it from there when its own lacks one.
  const responses = new Map<string, Failure['response']>();
  for (const failure of failures) {
    const key = `${failure.requestIndex ?? requestPath(failure)}#${failure.iteration}`;
    if (failure.response && !responses.has(key)) responses.set(key, failure.response);
  }
  return [...groups.values()]
    .sort((a, b) => b.cause.failures - a.cause.failures || a.first - b.first)
    .map(({ cause, paths, members }) => {
      const chosen = members.find((failure) => failure.response) ?? members[0]!;
      const response = chosen.response ?? responses.get(`${chosen.requestIndex ?? requestPath(chosen)}#${chosen.iteration}`);
      // One message shared by every failure is said as it is; only differing ones are generalised.
      const message = members.every((failure) => failure.message === members[0]!.message) ? members[0]!.message : cause.cause;
      return { ...cause, cause: message, requestsHit: paths.size, example: { ...chosen, ...(response ? { response } : {}) } };
    });
}
