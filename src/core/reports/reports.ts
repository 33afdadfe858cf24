// JUnit XML and JSON reports of a run, written under .postman-power/reports/ in the workspace.
// The XML is a few lines of escaping, not worth a dependency.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PowerError } from '../errors.js';
import { makeFolders } from '../files/make-folders.js';
import type { SecretSet } from '../redact.js';
import { htmlReport, type ShardId } from './html-report.js';
import { escapeXml } from './xml.js';
import { PRIVATE_FOLDER_MODE, privateFolder, replaceFile, UnsafeFolderError } from '../files/private-files.js';
import { everyFailure, UNNAMED, type RecordFailure, type RequestRecord, type RunSummary, type WarningCode } from '../results/summary.js';

export const REPORTERS = ['junit', 'json', 'html'] as const;
export type Reporter = (typeof REPORTERS)[number];
const EXTENSIONS: Record<Reporter, string> = { junit: 'xml', json: 'json', html: 'html' };

export interface ReportOptions {
  reporters: Reporter[];
  /**
   * Files a person named (the CLI's --reporter-<name>-export): written there, folders made as
   * needed; a path ending in "/" or naming a folder gets the report's own file name inside it.
   * Reports without one go under .postman-power/reports/ in the workspace.
   */
  exports?: Partial<Record<Reporter, string>>;
  /** The CI shard the run is (`--shard i/n`), said in every report. */
  shard?: ShardId;
}

/** Run-level warnings that mean the run did not pass, whatever its requests did. */
const RUN_LEVEL_ERRORS: WarningCode[] = ['shards_missing', 'out_of_memory', 'runtime_stopped'];

/**
 * JUnit XML built from the per-request records: one testcase per request (per iteration), each
 * failure attached to its own record by position (never by name). Assertion failures are
 * `<failure>`; a request that could not be sent and a script that threw are `<error>`; skipped
 * requests are `<skipped/>`. Counts are of testcases, as CI tools read them.
 */
export function junitReport(summary: RunSummary, records: RequestRecord[], shard?: ShardId): string {
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
  // What failed the run outside any request (a lost shard, a heap limit, the runtime stopping) is one
  // more errored testcase: a CI view of the JUnit must not read green when the run did not pass.
  const runErrors = RUN_LEVEL_ERRORS.flatMap((code) => (summary.warningCodes[code] ? [`      <error type="${code}" message="${escapeXml(summary.warningCodes[code]!)}"/>`] : []));
  if (runErrors.length) {
    cases.push(`    <testcase classname="${escapeXml(summary.collection.name)}" name="(run)" time="${seconds(summary.durationMs)}">\n${runErrors.join('\n')}\n    </testcase>`);
    errored += 1;
  }
  const suite = `${summary.collection.name}${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`;
  const counts = `tests="${cases.length}" failures="${failed}" errors="${errored}" skipped="${skipped}" time="${seconds(summary.durationMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(summary.collection.name)}" ${counts}>`,
    `  <testsuite name="${escapeXml(suite)}" ${counts} timestamp="${escapeXml(summary.startedAt.replace(/\.\d+Z$/, ''))}">`,
    ...(shard ? [`    <properties><property name="shard" value="${shard.index}/${shard.count}"/></properties>`] : []),
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The JSON report: the summary with every failure (from the records), every request record, the shard. */
export function jsonReport(summary: RunSummary, records: RequestRecord[], shard?: ShardId): RunSummary & { requests: RequestRecord[]; shard?: ShardId } {
  const every = everyFailure(summary, records);
  // A request without a name has none in the report, as in newman's (reading it back says UNNAMED).
  const failures = every.failures.map((failure) => withoutField(failure, 'request'));
  const requests = records.map((record) => withoutField(record, 'name'));
  return { ...summary, failures, failuresOmitted: every.omitted, requests, ...(shard ? { shard } : {}) };
}

/** The value without `key` when it holds UNNAMED (other keys in their order). */
function withoutField<T extends object>(value: T, key: keyof T): T {
  if (value[key] !== UNNAMED) return value;
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function render(reporter: Reporter, summary: RunSummary, records: RequestRecord[], shard: ShardId | undefined): string {
  if (reporter === 'junit') return junitReport(summary, records, shard);
  if (reporter === 'html') return htmlReport(summary, records, shard);
  return `${JSON.stringify(jsonReport(summary, records, shard), null, 2)}\n`;
}

/** Where a person asked for a report: the path, or the default name inside a folder they named. */
async function exportPath(named: string, stem: string, reporter: Reporter): Promise<string> {
  const target = path.resolve(named);
  const isFolder = /[\\/]$/.test(named) || (await fs.stat(target).then((stat) => stat.isDirectory(), () => false));
  const file = isFolder ? path.join(target, `${stem}.${EXTENSIONS[reporter]}`) : target;
  makeFolders(path.dirname(file), PRIVATE_FOLDER_MODE);
  return file;
}

async function reportsFolder(root: string): Promise<string> {
  try {
    return await privateFolder(root, path.join('.postman-power', 'reports'));
  } catch (cause) {
    const why = cause instanceof UnsafeFolderError ? cause.message : (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new PowerError('file_unwritable', `Cannot write the reports to .postman-power/reports: ${why}`, {
      hint: 'Remove what is in the way (reports are written only into real folders of this user\'s, never through a link), or name a path with the reporter\'s export option.',
      cause,
    });
  }
}

/** Writes the chosen reports (secrets masked) and returns their paths (workspace-relative when inside it). */
export async function writeReports(root: string, summary: RunSummary, records: RequestRecord[], options: ReportOptions, secrets: SecretSet): Promise<Partial<Record<Reporter, string>>> {
  const { reporters, exports = {}, shard } = options;
  if (reporters.length === 0) return {};
  // Masked before formatting, so a secret is caught before XML/HTML escaping could disguise it.
  const safeSummary = secrets.redact(summary);
  const safeRecords = secrets.redact(records);
  const realRoot = await fs.realpath(root);
  const stem = `run-${summary.startedAt.replace(/[:.]/g, '-')}-${summary.runId.slice(0, 8)}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}`;
  const written: Partial<Record<Reporter, string>> = {};
  let reportsDir: Promise<string> | undefined;
  for (const reporter of reporters) {
    const named = exports[reporter];
    const content = render(reporter, safeSummary, safeRecords, shard);
    let file: string;
    if (named) {
      // A path a person named is written as named; what fails says which report and why.
      try {
        file = await exportPath(named, stem, reporter);
        await replaceFile(file, content);
      } catch (cause) {
        throw new PowerError('file_unwritable', `Cannot write the ${reporter} report to ${named}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
          hint: 'Name a file (or a folder ending in /) in a place that exists or can be made, and is writable.',
          cause,
        });
      }
    } else {
      // Every level a real folder of this user's (lstat): a planted link in .postman-power/ leads nowhere.
      file = path.join(await (reportsDir ??= reportsFolder(root)), `${stem}.${EXTENSIONS[reporter]}`);
      await replaceFile(file, content);
    }
    const relative = path.relative(realRoot, file);
    written[reporter] = named && (relative.startsWith('..') || path.isAbsolute(relative)) ? file : relative;
  }
  return written;
}
