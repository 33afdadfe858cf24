// The HTML report: one self-contained page a reviewer opens from a CI artifact. No script and no
// network (a Content-Security-Policy forbids both), readable as plain HTML: the verdict and counts on
// top, an inline SVG chart of response times, the failures first, then every request collapsible
// (<details>) with its assertions, console and masked headers and bodies, grouped by iteration and
// folder with links to each. Everything given to it has been masked by writeReports already.
import { escapeXml } from './xml.js';
import { everyFailure, MAX_KEPT_EXCHANGES, type Failure, type RequestRecord, type RunSummary } from '../results/summary.js';
import { POWER_VERSION } from '../version.js';

/** Which CI shard a report is of (`--shard i/n`). */
export interface ShardId {
  index: number;
  count: number;
}

/** Colours the verdict banner and chart use (the browser test looks for them in a screenshot). */
export const HTML_COLOURS = {
  verdict: { passed: '#1b5e20', failed: '#b3261e', other: '#8a5a00' },
  bar: { passed: '#43a047', failed: '#e53935', skipped: '#9e9e9e' },
} as const;

/** At most this many bars: longer runs are drawn in buckets (the slowest request of each). */
const MAX_BARS = 600;

const esc = escapeXml;
const ms = (value: number | undefined) => (value === undefined ? '—' : value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`);
const bytes = (value: number | undefined) => (value === undefined ? '' : value < 1024 ? `${value} B` : `${(value / 1024).toFixed(1)} KB`);
const failedRecord = (record: RequestRecord) => Boolean(record.error) || record.assertions.failed > 0 || Boolean(record.failures?.length);
const pathOf = (record: { folder: string; name?: string; request?: string }) => `${record.folder ? `${record.folder}/` : ''}${record.name ?? record.request ?? ''}`;
/** By position, so no two folder names can share an anchor. */
const folderAnchor = (iteration: number, position: number) => `it-${iteration}-f-${position}`;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{color:#fff;padding:20px 28px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;opacity:.9}
.badge{display:inline-block;padding:2px 10px;border-radius:4px;background:rgba(255,255,255,.2);margin-right:8px;letter-spacing:.05em}
main{padding:8px 28px 40px;max-width:1200px}h2{margin:28px 0 10px;font-size:18px}h3{margin:22px 0 6px}h4{margin:14px 0 6px;color:#444}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.fail{color:#b3261e}.pass{color:#1b5e20}.skip{color:#777}
ol.failures li{margin:0 0 14px;padding:8px 12px;background:#fff;border-left:4px solid #b3261e}
pre{background:#f4f4f4;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-word;margin:6px 0}
details{background:#fff;border:1px solid #e2e2e2;border-radius:4px;margin:4px 0;padding:4px 10px}
details.failed{border-left:4px solid #b3261e}summary{cursor:pointer;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
.meta{color:#666}nav ul{margin:4px 0}svg{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}
.warnings li{margin:4px 0}
`;

/** The whole page. */
export function htmlReport(summary: RunSummary, records: RequestRecord[], shard?: ShardId): string {
  const failures = everyFailure(summary, records);
  const tree = group(records);
  const verdictColour = summary.status === 'passed' ? HTML_COLOURS.verdict.passed : summary.status === 'failed' || summary.status === 'errored' ? HTML_COLOURS.verdict.failed : HTML_COLOURS.verdict.other;
  const title = `${summary.status.toUpperCase()} · ${summary.collection.name}`;
  const facts = [
    summary.environment ? `environment ${esc(summary.environment)}` : 'no environment',
    `started ${esc(summary.startedAt)}`,
    `took ${ms(summary.durationMs)}`,
    ...(shard ? [`shard ${shard.index}/${shard.count}`] : []),
  ];
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // No script, no request of any kind: only the inline style and inline SVG may render.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)} — postman-power</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header id="verdict" style="background:${verdictColour}"><h1><span class="badge">${esc(summary.status.toUpperCase())}</span>${esc(summary.collection.name)}</h1><p>${facts.join(' · ')}</p></header>`,
    '<main>',
    countsTable(summary, records),
    summary.sinceLast ? `<p class="since"><strong>${esc(summary.sinceLast.verdict)}</strong></p>` : '',
    summary.hint ? `<p class="meta">${esc(summary.hint)}</p>` : '',
    summary.warnings.length ? `<section id="warnings"><h2>Warnings</h2><ul class="warnings">${summary.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : '',
    chart(records),
    failureList(failures.failures, failures.omitted),
    navigation(records, tree),
    requestList(records, tree, summary.stats.iterations),
    '</main>',
    `<footer class="meta" style="padding:0 28px 20px">postman-power ${esc(POWER_VERSION)} · run ${esc(summary.runId)}</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}

function countsTable(summary: RunSummary, records: RequestRecord[]): string {
  const { stats } = summary;
  const times = records.map((record) => record.timeMs).filter((time): time is number => time !== undefined);
  const average = times.length ? times.reduce((sum, time) => sum + time, 0) / times.length : undefined;
  const scripts = records.reduce((sum, record) => ({ prerequest: sum.prerequest + (record.exchange?.scripts?.prerequest ?? 0), test: sum.test + (record.exchange?.scripts?.test ?? 0) }), { prerequest: 0, test: 0 });
  const row = (label: string, executed: number | string, failed: number | string) => `<tr><th>${label}</th><td class="num">${executed}</td><td class="num${Number(failed) > 0 ? ' fail' : ''}">${failed}</td></tr>`;
  return [
    '<section id="counts"><h2>Counts</h2><table><thead><tr><th></th><th>executed</th><th>failed</th></tr></thead><tbody>',
    row('iterations', stats.iterations, 0),
    row('requests', stats.requests.total, stats.requests.failed),
    row('prerequest scripts', scripts.prerequest, '—'),
    row('test scripts', scripts.test, stats.scriptErrors),
    row('assertions', stats.assertions.total, stats.assertions.failed),
    '</tbody></table>',
    `<p class="meta">average response time ${ms(average)} (min ${ms(times.length ? times.reduce((a, b) => Math.min(a, b)) : undefined)}, max ${ms(times.length ? times.reduce((a, b) => Math.max(a, b)) : undefined)})${stats.assertions.skipped ? ` · ${stats.assertions.skipped} assertions skipped` : ''}</p></section>`,
  ].join('');
}

/** Response time per request (or per bucket of requests), failed ones in red. */
function chart(records: RequestRecord[]): string {
  if (!records.length) return '';
  const width = 960;
  const height = 180;
  const top = 16;
  const per = Math.ceil(records.length / MAX_BARS);
  const bars: Array<{ time: number; outcome: 'passed' | 'failed' | 'skipped'; label: string }> = [];
  for (let start = 0; start < records.length; start += per) {
    const group = records.slice(start, start + per);
    const slowest = group.reduce((a, b) => ((b.timeMs ?? 0) > (a.timeMs ?? 0) ? b : a));
    const outcome = group.some(failedRecord) ? 'failed' : group.every((record) => record.skipped) ? 'skipped' : 'passed';
    const label = per === 1 ? `${pathOf(slowest)}: ${ms(slowest.timeMs)}` : `requests ${start + 1}–${start + group.length}: slowest ${ms(slowest.timeMs)} (${pathOf(slowest)})`;
    bars.push({ time: slowest.timeMs ?? 0, outcome, label });
  }
  const max = Math.max(1, ...bars.map((bar) => bar.time));
  const step = width / bars.length;
  const rects = bars.map((bar, i) => {
    const h = Math.max(2, ((height - top) * bar.time) / max);
    return `<rect x="${(i * step).toFixed(2)}" y="${(height - h).toFixed(2)}" width="${Math.max(1, step * 0.8).toFixed(2)}" height="${h.toFixed(2)}" fill="${HTML_COLOURS.bar[bar.outcome]}"><title>${esc(bar.label)}</title></rect>`;
  });
  return [
    `<section id="timeline"><h2>Response times</h2><p class="meta">${per === 1 ? 'one bar per request' : `one bar per ${per} requests (the slowest)`}, in run order; red: failed; highest ${ms(max)}</p>`,
    `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Response time of each request">`,
    `<line x1="0" y1="${top}" x2="${width}" y2="${top}" stroke="#ddd"/><text x="4" y="${top - 4}" font-size="11" fill="#666">${esc(ms(max))}</text>`,
    ...rects,
    '</svg></section>',
  ].join('\n');
}

function failureList(failures: Failure[], omitted: number): string {
  if (!failures.length) return '<section id="failures"><h2>Failures</h2><p class="pass">None.</p></section>';
  const items = failures.map((failure) => {
    const where = `${pathOf(failure)}${failure.iteration ? ` [iteration ${failure.iteration + 1}]` : ''}`;
    const link = failure.requestIndex !== undefined ? `<a href="#r-${failure.requestIndex}">${esc(where)}</a>` : esc(where);
    const expected = failure.expected !== undefined || failure.actual !== undefined ? `<div>expected <code>${esc(JSON.stringify(failure.expected) ?? 'undefined')}</code>, actual <code>${esc(JSON.stringify(failure.actual) ?? 'undefined')}</code></div>` : '';
    const response = failure.response ? `<div class="meta">response ${failure.response.code} ${esc(failure.response.status)}${failure.response.contentType ? ` · ${esc(failure.response.contentType)}` : ''}</div>${failure.response.bodyExcerpt ? `<pre>${esc(failure.response.bodyExcerpt)}</pre>` : ''}` : '';
    return `<li><div>${link} — <span class="meta">${esc(failure.kind.replace('_', ' '))}</span></div><div class="fail"><strong>${esc(failure.assertion ?? '')}</strong>${failure.assertion ? ': ' : ''}${esc(failure.message)}</div>${expected}${response}</li>`;
  });
  return `<section id="failures"><h2>Failures (${failures.length + omitted})</h2><ol class="failures">${items.join('\n')}</ol>${omitted ? `<p class="meta">${omitted} more not listed (the run ended before its records were sent).</p>` : ''}</section>`;
}

/**
 * Record positions by iteration, then in runs of one folder, in run order: a folder met again later
 * (a same-named folder elsewhere, or lanes' interleaving) is its own group, never merged by name.
 */
type Tree = Array<[number, Array<[string, number[]]>]>;
function group(records: RequestRecord[]): Tree {
  const tree = new Map<number, Array<[string, number[]]>>();
  records.forEach((record, index) => {
    const folders = tree.get(record.iteration) ?? [];
    const last = folders.at(-1);
    if (last && last[0] === record.folder) last[1].push(index);
    else folders.push([record.folder, [index]]);
    tree.set(record.iteration, folders);
  });
  return [...tree].sort(([a], [b]) => a - b);
}

/** Iterations, then the folders of each with their request and failure counts. */
function navigation(records: RequestRecord[], tree: Tree): string {
  const items = tree.map(([iteration, folders]) => {
    const inner = folders.map(([folder, indices], position) => {
      const failed = indices.filter((index) => failedRecord(records[index])).length;
      return `<li><a href="#${folderAnchor(iteration, position)}">${esc(folder || '(top level)')}</a> <span class="meta">${indices.length} request${indices.length === 1 ? '' : 's'}</span>${failed ? ` <span class="fail">${failed} failed</span>` : ''}</li>`;
    });
    return `<li><a href="#it-${iteration}">Iteration ${iteration + 1}</a><ul>${inner.join('')}</ul></li>`;
  });
  return `<nav id="navigate"><h2>Iterations and folders</h2><ul>${items.join('')}</ul></nav>`;
}

function headerTable(headers: Array<[string, string]>): string {
  if (!headers.length) return '<p class="meta">(no headers)</p>';
  return `<table>${headers.map(([key, value]) => `<tr><th>${esc(key)}</th><td>${esc(value)}</td></tr>`).join('')}</table>`;
}

function requestDetail(record: RequestRecord, index: number): string {
  const failed = failedRecord(record);
  const mark = record.skipped ? '<span class="skip">○</span>' : failed ? '<span class="fail">✗</span>' : '<span class="pass">✓</span>';
  const answer = record.error ? `<span class="fail">${esc(record.error)}</span>` : `${record.code ?? ''} · ${ms(record.timeMs)}${record.sizeBytes !== undefined ? ` · ${bytes(record.sizeBytes)}` : ''}`;
  const exchange = record.exchange;
  const assertions = exchange?.assertions.length
    ? `<ul>${exchange.assertions.map((a) => `<li class="${a.outcome === 'failed' ? 'fail' : a.outcome === 'skipped' ? 'skip' : 'pass'}">${a.outcome === 'failed' ? '✗' : a.outcome === 'skipped' ? '○' : '✓'} ${esc(a.name)}</li>`).join('')}</ul>`
    : `<p class="meta">${record.assertions.passed} passed, ${record.assertions.failed} failed, ${record.assertions.skipped} skipped</p>`;
  const failures = record.failures?.length ? `<ul class="fail">${record.failures.map((f) => `<li>${esc(f.assertion ? `${f.assertion}: ` : '')}${esc(f.message)}</li>`).join('')}</ul>` : '';
  const consoleLines = exchange?.console.length ? `<h5>Console</h5><pre>${exchange.console.map((line) => `[${esc(line.level)}] ${esc(line.message)}`).join('\n')}${exchange.consoleOmitted ? `\n… ${exchange.consoleOmitted} more lines` : ''}</pre>` : '';
  const kept = exchange ? '' : `<p class="meta">(headers and bodies are kept for the first ${MAX_KEPT_EXCHANGES} requests of a run and every failed one)</p>`;
  const sent = exchange?.request ? `<h5>Request headers</h5>${headerTable(exchange.request.headers)}${exchange.request.body ? `<h5>Request body</h5><pre>${esc(exchange.request.body)}</pre>` : ''}` : '';
  const received = exchange?.response ? `<h5>Response headers</h5>${headerTable(exchange.response.headers)}${exchange.response.body ? `<h5>Response body</h5><pre>${esc(exchange.response.body)}</pre>` : ''}` : '';
  return `<details id="r-${index}"${failed ? ' class="failed"' : ''}><summary>${mark} ${esc(record.method)} ${esc(record.name)} — ${answer}</summary><p class="meta">${esc(record.url)}</p>${assertions}${failures}${consoleLines}${sent}${received}${kept}</details>`;
}

function requestList(records: RequestRecord[], tree: Tree, iterations: number): string {
  const out: string[] = ['<section id="requests"><h2>Requests</h2>'];
  for (const [iteration, folders] of tree) {
    out.push(`<h3 id="it-${iteration}">Iteration ${iteration + 1}${iterations > 1 ? ` of ${iterations}` : ''}</h3>`);
    for (const [position, [folder, indices]] of folders.entries()) {
      out.push(`<h4 id="${folderAnchor(iteration, position)}">${esc(folder || '(top level)')}</h4>`);
      for (const index of indices) out.push(requestDetail(records[index], index));
    }
  }
  out.push('</section>');
  return out.join('\n');
}
