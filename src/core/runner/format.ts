// The short human text that comes before a run's JSON: counts first, then one line per failure.
import type { RunSummary } from './summary.js';

export function formatRunSummary(summary: RunSummary): string {
  const { stats } = summary;
  const head =
    summary.status === 'queued'
      ? `Run ${summary.runId} is queued behind other runs (at most one per CPU core run at once). Call run_collection with run_id to wait, or cancel it.`
      : summary.status === 'running'
      ? `Run ${summary.runId} is still running: ${summary.progress.done}/${summary.progress.total} requests done${summary.progress.current ? ` (now: ${summary.progress.current})` : ''}. Call run_collection with run_id to wait again, or read postman://runs/${summary.runId}.`
      : summary.status === 'backend_unhealthy'
        ? `Run not started: ${summary.health?.summary ?? 'the backend is unhealthy'}`
        : `Run ${summary.status}: "${summary.collection.name}" ${summary.environment ? `with environment "${summary.environment}"` : 'without an environment'} — ${stats.requests.total} requests (${stats.requests.failed} errored), ${stats.assertions.total} assertions (${stats.assertions.failed} failed, ${stats.assertions.skipped} skipped), ${stats.scriptErrors} script errors, ${stats.iterations} iteration${stats.iterations === 1 ? '' : 's'}, ${(summary.durationMs / 1000).toFixed(1)} s.`;
  const lines = [head];
  // A request's failures share one excerpt (on the first of them): its status is shown on each.
  const answered = new Map<number, number>();
  for (const failure of summary.failures) if (failure.response && failure.requestIndex !== undefined) answered.set(failure.requestIndex, failure.response.code);
  summary.failures.forEach((failure, index) => {
    const where = `${failure.folder ? `${failure.folder}/` : ''}${failure.request}${stats.iterations > 1 ? ` [iteration ${failure.iteration + 1}]` : ''}`;
    const what = failure.assertion ? `"${failure.assertion}": ${failure.message}` : failure.message;
    const code = failure.response?.code ?? (failure.requestIndex !== undefined ? answered.get(failure.requestIndex) : undefined);
    const response = code !== undefined ? ` [${failure.method ?? ''} ${failure.url ?? ''} → ${code}]` : '';
    lines.push(`${index + 1}. ${where} — ${what}${response}`);
  });
  if (summary.failuresOmitted) lines.push(`… and ${summary.failuresOmitted} more failures.`);
  if (summary.hint) lines.push(`Hint: ${summary.hint}`);
  return lines.join('\n');
}
