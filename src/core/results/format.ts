// The one presenter of a run: the text an agent reads (a tool's answer, get_run, the CLI's verdict).
// A passing run is one line; a failing one is its counts, then its failures grouped by cause — the
// cause once, how far it reached, one example whole — so thirty failures of one backend bug read as
// one thing to fix. The data stays whole beside it (structuredContent, the reports, the CLI's list).
import { excerpt } from '../json-text.js';
import type { Cause } from './causes.js';
import { compactSinceLast } from './history.js';
import type { Failure, RunSummary } from './summary.js';

/** Causes an answer lists (the rest are counted). */
export const MAX_CAUSES_SHOWN = 8;
/** What a failing run's answer (text and JSON) may take, whatever its failures. */
export const FAILING_ANSWER_BYTES = 4000;
/**
 * How much detail an answer gives, most first: causes listed, causes with their example, an
 * example's response excerpt (structuredContent keeps the 2 KB one). The first that fits is used.
 */
// Every cause (up to MAX_CAUSES_SHOWN) is named at every level: what shrinks is the detail around it.
const DETAIL_LEVELS = [
  { examples: 3, excerpt: 300, names: 5, nameChars: 120, causeChars: 200, jsonCauses: true },
  { examples: 3, excerpt: 100, names: 5, nameChars: 120, causeChars: 200, jsonCauses: true },
  { examples: 1, excerpt: 100, names: 3, nameChars: 120, causeChars: 200, jsonCauses: true },
  { examples: 0, excerpt: 0, names: 3, nameChars: 80, causeChars: 160, jsonCauses: true },
  { examples: 0, excerpt: 0, names: 1, nameChars: 60, causeChars: 120, jsonCauses: false },
] as const;
type DetailLevel = (typeof DETAIL_LEVELS)[number];
/** Longest console line, and the fixed requests an answer names. */
const MAX_CAUSE_CHARS = 200;
const ANSWER_CONSOLE_LINES = 5;
const ANSWER_WARNINGS = 5;
const FIXED_NAMES_SHOWN = 5;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function head(summary: RunSummary, brief: boolean): string {
  const { stats } = summary;
  if (summary.status === 'queued') return `Run ${summary.runId} is queued behind other runs (at most one per CPU core run at once). Call get_run with run_id to wait, or run_collection {run_id, cancel: true}.`;
  if (summary.status === 'running') {
    return `Run ${summary.runId} is still running: ${summary.progress.done}/${summary.progress.total} requests done${summary.progress.current ? ` (now: ${summary.progress.current})` : ''}. Call get_run with run_id to wait again, or read postman://runs/${summary.runId}.`;
  }
  if (summary.status === 'backend_unhealthy') return `Run not started: ${summary.health?.summary ?? 'the backend is unhealthy'}`;
  if (summary.status === 'passed') {
    // Only what is not zero or one: a pass is read in a glance.
    const skipped = stats.assertions.skipped ? ` (${stats.assertions.skipped} skipped)` : '';
    const iterations = stats.iterations > 1 ? `, ${stats.iterations} iterations` : '';
    const environment = summary.environment ? `environment "${summary.environment}"` : 'no environment';
    const counts = `${stats.requests.total} requests, ${stats.assertions.total} assertions${skipped}${iterations}, ${seconds(summary.durationMs)}`;
    return brief ? `Run passed: ${counts}.` : `Run passed: "${summary.collection.name}" — ${counts} (${environment}).`;
  }
  const where = `"${summary.collection.name}" ${summary.environment ? `with environment "${summary.environment}"` : 'without an environment'}`;
  const counts = [
    `${stats.requests.total} requests${stats.requests.failed ? ` (${stats.requests.failed} errored)` : ''}`,
    `${stats.assertions.total} assertions (${stats.assertions.failed} failed${stats.assertions.skipped ? `, ${stats.assertions.skipped} skipped` : ''})`,
    ...(stats.scriptErrors ? [`${stats.scriptErrors} script errors`] : []),
    ...(stats.iterations > 1 ? [`${stats.iterations} iterations`] : []),
    seconds(summary.durationMs),
  ];
  return brief ? `Run ${summary.status}: ${counts.join(', ')}.` : `Run ${summary.status}: ${where} — ${counts.join(', ')}.`;
}

/** One line per cause: what failed, how often, where. */
function causeLines(causes: Cause[], level: Pick<DetailLevel, 'names' | 'nameChars' | 'causeChars'> = DETAIL_LEVELS[0], uncounted = 0): string[] {
  const shown = MAX_CAUSES_SHOWN;
  const lines = causes.slice(0, shown).map((cause, index) => {
    const what = excerpt(cause.assertion ? `"${cause.assertion}": ${cause.cause}` : cause.cause, level.causeChars);
    const names = cause.requests.slice(0, level.names).map((name) => excerpt(name, level.nameChars));
    const more = cause.requestsHit > names.length ? `, … ${cause.requestsHit - names.length} more` : '';
    const times = cause.failures === 1 ? '' : cause.requestsHit === 1 ? `${cause.failures} failures: ` : `${cause.failures} failures in ${cause.requestsHit} requests: `;
    // The first request with what it answered, as a person reads a failure.
    const example = cause.example as Partial<Failure>;
    const answered = example.response ? ` [${example.method ?? ''} ${excerpt(example.url ?? '', 80)} → ${example.response.code}]` : '';
    const [first, ...others] = names;
    return `${index + 1}. ${what} — ${times}${first}${answered}${others.length ? `, ${others.join(', ')}` : ''}${more}`;
  });
  const more = Math.max(0, causes.length - shown) + uncounted;
  if (more) lines.push(`… and ${more} more causes (structuredContent.causes lists the largest ${causes.length}).`);
  return lines;
}

/** The one-line verdict of what changed since the last run, naming the fixed requests when few. */
function sinceLastLine(summary: RunSummary): string[] {
  const since = summary.sinceLast;
  if (!since) return [];
  const fixed = since.fixed.length && since.fixed.length <= FIXED_NAMES_SHOWN ? ` Fixed: ${since.fixed.join(', ')}.` : '';
  return [`${since.verdict}${fixed}`];
}

export interface PresentOptions {
  /** Of the run's warnings, those this reader has not been told yet (default: all). */
  unseenWarnings?: (warnings: string[]) => string[];
}

/** A failure as an answer shows it: its request and what it found, the response excerpt cut short. */
function answerExample(failure: Record<string, unknown>, excerptChars: number): Record<string, unknown> {
  const { requestIndex: _index, kind: _kind, assertion: _assertion, response, ...rest } = failure as Failure & Record<string, unknown>;
  const { bodyExcerpt, ...answered } = response ?? { code: 0, status: '' };
  return {
    ...rest,
    ...(response ? { response: { ...answered, ...(bodyExcerpt && excerptChars ? { bodyExcerpt: excerpt(bodyExcerpt, excerptChars) } : {}) } } : {}),
  };
}

/**
 * A run as an agent reads it: the text, and the compact JSON that follows it. The JSON carries the
 * causes (the first few with their example), only warnings the reader has not seen, a few console
 * lines; everything else whole is in structuredContent (compactRunSummary).
 */
export function presentRun(summary: RunSummary, { unseenWarnings = (warnings) => warnings }: PresentOptions = {}): { text: string; compact: Record<string, unknown> } {
  const unseen = unseenWarnings(summary.warnings);
  // Said in the text only (the JSON would repeat them), a few at most, each cut short.
  const warnings = [...unseen.slice(0, ANSWER_WARNINGS).map((warning) => `Warning: ${excerpt(warning, 400)}`), ...(unseen.length > ANSWER_WARNINGS ? [`… and ${unseen.length - ANSWER_WARNINGS} more warnings (structuredContent.warnings).`] : [])];
  const { stats } = summary;
  const sinceWhole = summary.sinceLast ? compactSinceLast(summary.sinceLast) : undefined;
  const since = sinceWhole && Object.fromEntries(Object.entries(sinceWhole).map(([key, value]) => [key, Array.isArray(value) ? value.slice(0, FIXED_NAMES_SHOWN) : value]));
  const base = { runId: summary.runId, status: summary.status };
  // detail "full" asked for every request: it is given whole, beside the budgeted answer.
  const asked = summary.requests ? { requests: summary.requests, ...(summary.requestsOmitted ? { requestsOmitted: summary.requestsOmitted } : {}) } : {};
  // A pass is its line (counts, what changed since the last run); the JSON only names the run.
  if (summary.status === 'passed') return { text: [head(summary, true), ...sinceLastLine(summary), ...warnings].join('\n'), compact: { ...base, ...asked } };
  const ended = summary.status !== 'running' && summary.status !== 'queued';
  const console = summary.console.slice(0, ANSWER_CONSOLE_LINES).map((line) => ({ ...line, message: excerpt(line.message, MAX_CAUSE_CHARS) }));
  const consoleOmitted = summary.consoleOmitted + Math.max(0, summary.console.length - ANSWER_CONSOLE_LINES);
  const at = (level: DetailLevel) => {
    // A request's response is shown once, with the first example from it.
    const responded = new Set<string>();
    const causes = summary.causes.slice(0, MAX_CAUSES_SHOWN).map(({ example, ...whole }, index) => {
      // At the last level the text alone says each cause; the JSON keeps its kind and counts.
      const cause = level.jsonCauses ? { ...whole, requests: whole.requests.slice(0, level.names) } : { kind: whole.kind, ...(whole.assertion ? { assertion: whole.assertion } : {}), failures: whole.failures, requestsHit: whole.requestsHit };
      if (index >= level.examples) return cause;
      const key = `${example.requestIndex ?? `${example.folder}/${example.request}`}#${example.iteration}`;
      const { response: _response, ...withoutResponse } = example;
      const shown = answerExample(responded.has(key) ? withoutResponse : example, level.excerpt);
      responded.add(key);
      return { ...cause, example: shown };
    });
    const text = [head(summary, true), ...sinceLastLine(summary), ...causeLines(summary.causes, level, summary.causesOmitted), ...warnings].join('\n');
    const compact = {
      ...base,
      stats: { requests: stats.requests, assertions: stats.assertions, ...(stats.scriptErrors ? { scriptErrors: stats.scriptErrors } : {}), ...(stats.iterations > 1 ? { iterations: stats.iterations } : {}) },
      ...(ended ? {} : { progress: summary.progress }),
      ...(causes.length ? { causes } : {}),
      ...(summary.causes.length + summary.causesOmitted > MAX_CAUSES_SHOWN ? { causesOmitted: summary.causes.length + summary.causesOmitted - MAX_CAUSES_SHOWN } : {}),
      ...(console.length ? { console } : {}),
      ...(consoleOmitted ? { consoleOmitted } : {}),
      ...(since ? { sinceLast: since } : {}),
      ...(summary.health ? { health: summary.health } : {}),
      ...(summary.hint ? { hint: summary.hint } : {}),
    };
    return { text, compact };
  };
  const size = ({ text, compact }: { text: string; compact: Record<string, unknown> }) => Buffer.byteLength(text) + Buffer.byteLength(JSON.stringify(compact));
  let answer = at(DETAIL_LEVELS[0]);
  for (const level of DETAIL_LEVELS.slice(1)) {
    if (size(answer) <= FAILING_ANSWER_BYTES) break;
    answer = at(level);
  }
  return { text: answer.text, compact: { ...answer.compact, ...asked } };
}

export interface FormatOptions {
  /** The failures to list (the CLI's --max-failures / --all-failures) and how many are left out; default the summary's. */
  failures?: { list: Failure[]; omitted: number; more?: string };
}

/**
 * The CLI's verdict: the same head and causes as an answer, then its failures one request per line
 * (the CLI lists every failure it is asked for), warnings and the hint.
 */
export function formatRunSummary(summary: RunSummary, { failures }: FormatOptions = {}): string {
  const lines = [head(summary, false), ...sinceLastLine(summary)];
  const causeCount = summary.causes.length + summary.causesOmitted;
  if (causeCount > 1) lines.push(`Causes (${causeCount}):`, ...causeLines(summary.causes, undefined, summary.causesOmitted).map((line) => `  ${line}`));
  const listed = failures ?? { list: summary.failures, omitted: summary.failuresOmitted };
  // A request's failures are one line: where, what it answered, then each assertion or error.
  const groups: Failure[][] = [];
  for (const failure of listed.list) {
    const last = groups.at(-1)?.[0];
    const same = last && failure.requestIndex !== undefined && last.requestIndex === failure.requestIndex && last.iteration === failure.iteration;
    if (same) groups.at(-1)!.push(failure);
    else groups.push([failure]);
  }
  groups.forEach((group, index) => {
    const [first] = group;
    const where = `${first.folder ? `${first.folder}/` : ''}${first.request}${summary.stats.iterations > 1 ? ` [iteration ${first.iteration + 1}]` : ''}`;
    const code = group.find((failure) => failure.response)?.response?.code;
    const answered = code !== undefined ? ` [${first.method ?? ''} ${first.url ?? ''} → ${code}]` : '';
    const what = group.map((failure) => (failure.assertion ? `"${failure.assertion}": ${failure.message}` : failure.message)).join('; ');
    lines.push(`${index + 1}. ${where}${answered} — ${what}`);
  });
  if (listed.omitted) lines.push(`… and ${listed.omitted} more failures${listed.more ? ` (${listed.more})` : ''}.`);
  for (const warning of summary.warnings) lines.push(`Warning: ${warning}`);
  if (summary.hint) lines.push(`Hint: ${summary.hint}`);
  return lines.join('\n');
}
