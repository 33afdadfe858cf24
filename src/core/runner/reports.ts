// JUnit XML and JSON reports of a run, written under .postman-power/reports/ in the workspace.
// The XML is a few lines of escaping, not worth a dependency.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecretSet } from '../redact.js';
import { confinedDirectory } from '../sources/workspace-files.js';
import type { RequestRecord, RunSummary } from './summary.js';

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

export function junitReport(summary: RunSummary, records: RequestRecord[]): string {
  const seconds = (ms?: number) => ((ms ?? 0) / 1000).toFixed(3);
  const cases = records.map((record, index) => {
    const failures = summary.failures.filter((f) => f.request === record.name && f.iteration === record.iteration && f.folder === record.folder);
    const body = failures
      .map((f) => `      <failure type="${escapeXml(f.kind)}" message="${escapeXml(f.assertion ? `${f.assertion}: ${f.message}` : f.message)}">${escapeXml(JSON.stringify({ expected: f.expected, actual: f.actual, response: f.response }))}</failure>`)
      .join('\n');
    const failedHere = record.assertions.failed > 0 || record.error;
    const missing = failedHere && failures.length === 0 ? `      <failure type="failure" message="${escapeXml(record.error ?? `${record.assertions.failed} assertion(s) failed`)}"/>` : '';
    const name = `${record.folder ? `${record.folder}/` : ''}${record.name}${summary.stats.iterations > 1 ? ` [iteration ${record.iteration}]` : ''}`;
    const inner = [body, missing].filter(Boolean).join('\n');
    return `    <testcase classname="${escapeXml(summary.collection.name)}" name="${escapeXml(name)}" time="${seconds(record.timeMs)}" id="${index}"${inner ? `>\n${inner}\n    </testcase>` : '/>'}`;
  });
  const failures = records.filter((r) => r.assertions.failed > 0 || r.error).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(summary.collection.name)}" tests="${records.length}" failures="${failures}" time="${seconds(summary.durationMs)}">`,
    `  <testsuite name="${escapeXml(summary.collection.name)}" tests="${records.length}" failures="${failures}" errors="0" time="${seconds(summary.durationMs)}" timestamp="${escapeXml(summary.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
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
    await fs.writeFile(file, JSON.stringify({ ...safeSummary, requests: safeRecords }, null, 2));
    written.json = path.relative(realRoot, file);
  }
  return written;
}
