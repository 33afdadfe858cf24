// JUnit XML and JSON reports of a run, written under .postman-power/reports/ in the workspace.
// The XML is a few lines of escaping, not worth a dependency.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecretSet } from '../redact.js';
import { confinedDirectory } from '../sources/workspace-files.js';
import { everyFailure, type RecordFailure, type RequestRecord, type RunSummary } from './summary.js';

export type Reporter = 'junit' | 'json';

/** XML attribute/text escaping (hand-written: five replacements are not worth a dependency). */
export function escapeXml(text: unknown): string {
  return String(text ?? '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * JUnit XML built from the per-request records: one testcase per request (per iteration), each
 * failure attached to its own record by position (never by name). Assertion failures are
 * `<failure>`; a request that could not be sent and a script that threw are `<error>`; skipped
 * requests are `<skipped/>`. Counts are of testcases, as CI tools read them.
 */
export function junitReport(summary: RunSummary, records: RequestRecord[]): string {
  const seconds = (ms?: number) => ((ms ?? 0) / 1000).toFixed(3);
  // Records hold every failure of their request; a summary from before they did holds the first ones.
  const byRecord = new Map<number, RecordFailure[]>();
  for (const failure of everyFailure(summary, records).failures) {
    if (failure.requestIndex === undefined) continue;
    byRecord.set(failure.requestIndex, [...(byRecord.get(failure.requestIndex) ?? []), failure]);
  }
  let failed = 0;
  let errored = 0;
  let skipped = 0;
  const cases = records.map((record, index) => {
    const listed = byRecord.get(index) ?? [];
    const errors = listed.filter((f) => f.kind !== 'assertion');
    const failures = listed.filter((f) => f.kind === 'assertion');
    const elements: string[] = [];
    for (const f of errors) elements.push(`      <error type="${escapeXml(f.kind)}" message="${escapeXml(f.message)}"/>`);
    if (record.error && !errors.some((f) => f.kind === 'request_error')) elements.push(`      <error type="request_error" message="${escapeXml(record.error)}"/>`);
    for (const f of failures) {
      elements.push(`      <failure type="AssertionError" message="${escapeXml(`${f.assertion ? `${f.assertion}: ` : ''}${f.message}`)}">${escapeXml(JSON.stringify({ expected: f.expected, actual: f.actual, response: f.response }))}</failure>`);
    }
    // Failures the records do not list (a report from a capped summary) are still counted.
    const unlisted = record.assertions.failed - failures.length;
    if (unlisted > 0) elements.push(`      <failure type="AssertionError" message="${unlisted} more assertion(s) failed (see the JSON report)"/>`);
    if (record.skipped) elements.push('      <skipped/>');
    if (elements.some((e) => e.startsWith('      <error'))) errored += 1;
    else if (elements.some((e) => e.startsWith('      <failure'))) failed += 1;
    else if (record.skipped) skipped += 1;
    const name = `${record.folder ? `${record.folder}/` : ''}${record.name}${summary.stats.iterations > 1 ? ` [iteration ${record.iteration + 1}]` : ''}`;
    const classname = `${summary.collection.name}${record.folder ? `.${record.folder.replace(/\//g, '.')}` : ''}`;
    const inner = elements.join('\n');
    return `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(name)}" time="${seconds(record.timeMs)}"${inner ? `>\n${inner}\n    </testcase>` : '/>'}`;
  });
  const counts = `tests="${records.length}" failures="${failed}" errors="${errored}" skipped="${skipped}" time="${seconds(summary.durationMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(summary.collection.name)}" ${counts}>`,
    `  <testsuite name="${escapeXml(summary.collection.name)}" ${counts} timestamp="${escapeXml(summary.startedAt.replace(/\.\d+Z$/, ''))}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The JSON report: the summary with every failure (from the records) and every request record. */
export function jsonReport(summary: RunSummary, records: RequestRecord[]): RunSummary {
  const every = everyFailure(summary, records);
  return { ...summary, failures: every.failures, failuresOmitted: every.omitted, requests: records };
}

/** Writes the chosen reports (secrets masked) and returns their workspace-relative paths. */
export async function writeReports(root: string, summary: RunSummary, records: RequestRecord[], reporters: Reporter[], secrets: SecretSet): Promise<{ junit?: string; json?: string }> {
  if (reporters.length === 0) return {};
  // Masked before formatting, so a secret is caught before XML escaping could disguise it.
  const safeSummary = secrets.redact(summary);
  const safeRecords = secrets.redact(records);
  // Checked level by level like every read: a symlinked .postman-power/ cannot lead the write outside.
  const dir = await confinedDirectory(root, path.join('.postman-power', 'reports'), true);
  const realRoot = await fs.realpath(root);
  const written: { junit?: string; json?: string } = {};
  const stem = `run-${summary.startedAt.replace(/[:.]/g, '-')}-${summary.runId.slice(0, 8)}`;
  if (reporters.includes('junit')) {
    const file = path.join(dir, `${stem}.xml`);
    await fs.writeFile(file, junitReport(safeSummary, safeRecords));
    written.junit = path.relative(realRoot, file);
  }
  if (reporters.includes('json')) {
    const file = path.join(dir, `${stem}.json`);
    // A report holds everything: every failure (the summary's list is capped) and every request.
    await fs.writeFile(file, JSON.stringify(jsonReport(safeSummary, safeRecords), null, 2));
    written.json = path.relative(realRoot, file);
  }
  return written;
}
