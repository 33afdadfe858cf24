// The short human text that comes before a run's JSON: counts first (only those that are not zero
// on a pass), then one line per failed request with each of its failures.
import type { Failure, RunSummary } from './summary.js';

function head(summary: RunSummary, brief: boolean): string {
  const { stats } = summary;
  if (summary.status === 'queued') return `Run ${summary.runId} is queued behind other runs (at most one per CPU core run at once). Call get_run with run_id to wait, or run_collection {run_id, cancel: true}.`;
  if (summary.status === 'running') {
    return `Run ${summary.runId} is still running: ${summary.progress.done}/${summary.progress.total} requests done${summary.progress.current ? ` (now: ${summary.progress.current})` : ''}. Call get_run with run_id to wait again, or read postman://runs/${summary.runId}.`;
  }
  if (summary.status === 'backend_unhealthy') return `Run not started: ${summary.health?.summary ?? 'the backend is unhealthy'}`;
  const where = `"${summary.collection.name}" ${summary.environment ? `with environment "${summary.environment}"` : 'without an environment'}`;
  const tail = `${stats.iterations} iteration${stats.iterations === 1 ? '' : 's'}, ${(summary.durationMs / 1000).toFixed(1)} s.`;
  if (summary.status === 'passed') {
    // Only what is not zero or one: a pass is read in a glance.
    const skipped = stats.assertions.skipped ? ` (${stats.assertions.skipped} skipped)` : '';
    const iterations = stats.iterations > 1 ? `, ${stats.iterations} iterations` : '';
    const environment = summary.environment ? `environment "${summary.environment}"` : 'no environment';
    const counts = `${stats.requests.total} requests, ${stats.assertions.total} assertions${skipped}${iterations}, ${(summary.durationMs / 1000).toFixed(1)} s`;
    // In a tool answer the JSON beside it names the collection and environment.
    return brief ? `Run passed: ${counts}.` : `Run passed: "${summary.collection.name}" — ${counts} (${environment}).`;
  }
  return `Run ${summary.status}: ${where} — ${stats.requests.total} requests (${stats.requests.failed} errored), ${stats.assertions.total} assertions (${stats.assertions.failed} failed, ${stats.assertions.skipped} skipped), ${stats.scriptErrors} script errors, ${tail}`;
}

export interface FormatOptions {
  /**
   * Tool answers, where the JSON follows with every message, expected/actual and excerpt: failing
   * assertions by name only, no hint and no warnings (the JSON has them). Otherwise (the CLI) all.
   */
  brief?: boolean;
  /** The failures to list (the CLI's --max-failures / --all-failures) and how many are left out; default the summary's. */
  failures?: { list: Failure[]; omitted: number; more?: string };
}

export function formatRunSummary(summary: RunSummary, { brief = false, failures }: FormatOptions = {}): string {
  const lines = [head(summary, brief), ...(summary.sinceLast ? [summary.sinceLast.verdict] : [])];
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
    const what = group.map((failure) => (failure.assertion ? (brief ? `"${failure.assertion}"` : `"${failure.assertion}": ${failure.message}`) : failure.message)).join(brief ? ', ' : '; ');
    lines.push(`${index + 1}. ${where}${answered} — ${what}`);
  });
  if (listed.omitted) lines.push(`… and ${listed.omitted} more failures${listed.more ? ` (${listed.more})` : ''}.`);
  if (!brief) for (const warning of summary.warnings) lines.push(`Warning: ${warning}`);
  if (summary.hint && !brief) lines.push(`Hint: ${summary.hint}`);
  return lines.join('\n');
}
