// The CLI's reporter for people: each request as it ends, as newman prints it (folder, request,
// `METHOD url [status, size, time]`, ✓/✗ per assertion with numbered failures, the script's console
// inline), a progress bar on a terminal for runs longer than a second, then a summary table and the
// numbered failures. Outside a terminal (CI logs) the same lines without cursor tricks; colour only
// when asked or on a terminal without NO_COLOR. Every line is masked before it is written.
import { MultiBar, type SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { formatRunSummary } from '../core/results/format.js';
import { everyFailure, type Failure, type RecordFailure, type RequestEvent, type RequestRecord, type RunSummary } from '../core/results/summary.js';
import type { Redactor } from '../core/errors.js';

export interface LiveReporterOptions {
  /** Where the lines go (stdout); a terminal gets the progress bar. */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  colour: boolean;
  verbose: boolean;
  /** Failures listed at the end; undefined: all. */
  maxFailures?: number;
  /** The command's secrets: what the reporter is given is masked field by field, every line again before it is written. */
  secrets: Redactor;
  /** Milliseconds now (injected in tests). */
  now?: () => number;
}

/** The bar appears once a run has taken this long (a short run just prints its lines). */
export const PROGRESS_AFTER_MS = 1000;

const ms = (value: number | undefined) => (value === undefined ? '?' : value < 1000 ? `${Math.round(value)}ms` : `${(value / 1000).toFixed(1)}s`);
const size = (value: number | undefined) => (value === undefined ? '' : value < 1024 ? `${value}B` : `${(value / 1024).toFixed(1)}KB`);

interface Numbered {
  number: number;
  failure: Failure;
}

export class LiveReporter {
  private readonly c;
  private readonly now: () => number;
  private readonly started: number;
  private bars: MultiBar | undefined;
  private bar: SingleBar | undefined;
  private iteration = -1;
  private folder: string | undefined;
  private readonly numbered: Numbered[] = [];
  private readonly scripts = { prerequest: 0, test: 0 };
  /** Scripts that threw, as the run heard them (not read back from failure messages). */
  private readonly scriptErrors = { prerequest: 0, test: 0 };
  private readonly times: number[] = [];
  /** Requests the run plans (the bar's end). */
  private total = 0;

  constructor(private readonly options: LiveReporterOptions) {
    this.c = createColors(options.colour);
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** The run's first line: what runs, with what. */
  start(collection: string, environment: string | undefined, total: number): void {
    this.total = total;
    collection = this.options.secrets.redactText(collection);
    environment = environment === undefined ? undefined : this.options.secrets.redactText(environment);
    this.emit([`${this.c.bold(collection)}${environment ? this.c.dim(` · environment ${environment}`) : ''}${this.c.dim(` · ${total} request${total === 1 ? '' : 's'}`)}`]);
  }

  /** One request ended: its lines, and the bar moved on. */
  request(given: RequestEvent, iterations: number): void {
    // Masked here, as it arrives: the secrets a request teaches (a login token) arrive before it does.
    const event = this.options.secrets.redact(given);
    const { record } = event;
    const out: string[] = [];
    if (record.iteration !== this.iteration) {
      this.iteration = record.iteration;
      this.folder = undefined;
      if (iterations > 1) out.push('', this.c.bold(`Iteration ${record.iteration + 1}/${iterations}`));
    }
    if (record.folder !== this.folder) {
      // Back at the top level after a folder: a blank line, so the request does not read as the folder's.
      if (record.folder || this.folder) out.push('');
      this.folder = record.folder;
      if (record.folder) out.push(`❏ ${record.folder.split('/').join(' / ')}`);
    }
    out.push(`↳ ${record.name}`);
    out.push(`  ${record.method} ${record.url} ${this.answer(event)}`);
    if (this.options.verbose) out.push(...this.exchange(record));
    const failures = [...(record.failures ?? [])];
    for (const assertion of event.assertions) {
      if (assertion.outcome === 'passed') out.push(`  ${this.c.green('✓')}  ${this.c.dim(assertion.name)}`);
      else if (assertion.outcome === 'skipped') out.push(`  ${this.c.dim(`○  ${assertion.name} (skipped)`)}`);
      else {
        const at = failures.findIndex((failure) => failure.kind === 'assertion' && failure.assertion === assertion.name);
        const [failure] = at >= 0 ? failures.splice(at, 1) : [undefined];
        out.push(`  ${this.c.red(`${this.number(record, event.index, failure ?? { kind: 'assertion', assertion: assertion.name, message: 'assertion failed' })}. ${assertion.name}`)}`);
      }
    }
    // Errors are not assertions: a request that got no answer, a script that threw.
    for (const failure of failures) out.push(`  ${this.c.red(`${this.number(record, event.index, failure)}. ${failure.kind === 'request_error' ? 'request error' : 'script error'}: ${failure.message}`)}`);
    for (const line of event.console) out.push(`  ${this.c.dim('│')} ${line.level === 'log' ? '' : `${line.level}: `}${line.message}`);
    if (event.consoleOmitted) out.push(`  ${this.c.dim(`│ … ${event.consoleOmitted} more console lines`)}`);
    this.scripts.prerequest += event.scripts.prerequest;
    this.scripts.test += event.scripts.test;
    this.scriptErrors.prerequest += event.scriptErrors.prerequest;
    this.scriptErrors.test += event.scriptErrors.test;
    if (record.timeMs !== undefined) this.times.push(record.timeMs);
    this.emit(out);
    this.tick(event.index + 1);
  }

  private answer(event: RequestEvent): string {
    const { record } = event;
    if (record.error) return this.c.red(`[errored]`);
    if (record.skipped) return this.c.dim('[skipped]');
    const status = `${record.code ?? ''}${event.status ? ` ${event.status}` : ''}`;
    const parts = [(record.code ?? 0) >= 400 ? this.c.red(status) : status, size(record.sizeBytes), ms(record.timeMs)].filter(Boolean);
    return `[${parts.join(', ')}]`;
  }

  private exchange(record: RequestRecord): string[] {
    const exchange = record.exchange;
    if (!exchange) return [];
    const rule = (text: string) => this.c.dim(`  ${text}`);
    const lines: string[] = [];
    if (exchange.request) {
      lines.push(rule('┌ request'));
      for (const [key, value] of exchange.request.headers) lines.push(rule(`│ ${key}: ${value}`));
      if (exchange.request.body) lines.push(rule('│'), ...exchange.request.body.split('\n').map((line) => rule(`│ ${line}`)));
    }
    if (exchange.response) {
      lines.push(rule('├ response'));
      for (const [key, value] of exchange.response.headers) lines.push(rule(`│ ${key}: ${value}`));
      if (exchange.response.body) lines.push(rule('│'), ...exchange.response.body.split('\n').map((line) => rule(`│ ${line}`)));
    }
    if (lines.length) lines.push(rule('└'));
    return lines;
  }

  private number(record: RequestRecord, index: number, failure: RecordFailure): number {
    const number = this.numbered.length + 1;
    this.numbered.push({ number, failure: { iteration: record.iteration, folder: record.folder, request: record.name, method: record.method, url: record.url, requestIndex: index, ...failure } });
    return number;
  }

  /** The bar follows the requests done; it appears only on a terminal, once the run is not short. */
  progress(done: number): void {
    this.tick(done);
  }

  private tick(done: number): void {
    if (!this.options.stream.isTTY) return;
    if (!this.bars && this.now() - this.started >= PROGRESS_AFTER_MS && done < this.total) {
      this.bars = new MultiBar(
        { stream: this.options.stream, format: ` {bar} {value}/{total} requests · {duration_formatted}`, hideCursor: true, clearOnComplete: true, gracefulExit: false, barsize: 30 },
        { format: '', barCompleteChar: '█', barIncompleteChar: '░' },
      );
      this.bar = this.bars.create(this.total, done);
    }
    this.bar?.update(done);
  }

  private emit(lines: string[]): void {
    const text = lines.map((line) => this.options.secrets.redactText(line)).join('\n');
    if (this.bars) this.bars.log(`${text}\n`);
    else this.options.stream.write(`${text}\n`);
  }

  /** The run ended: the bar goes, then the table, the numbered failures and the verdict. */
  finish(givenSummary: RunSummary, givenRecords: RequestRecord[]): void {
    const summary = this.options.secrets.redact(givenSummary);
    const records = this.options.secrets.redact(givenRecords);
    if (this.bars) {
      // Lines logged since the last redraw are written by an update; stop alone would drop them.
      this.bars.update();
      this.bars.stop();
      this.bars = undefined;
    }
    this.emit(['', this.table(summary, records)]);
    // The numbers printed live; a run whose lines never came (it was stopped) lists its records' failures.
    const failures = this.numbered.length ? this.numbered : everyFailure(summary, records).failures.map((failure, i) => ({ number: i + 1, failure }));
    const shown = this.options.maxFailures === undefined ? failures : failures.slice(0, this.options.maxFailures);
    if (shown.length) this.emit(['', this.c.bold('  #  failure'), ...shown.flatMap((entry) => this.detail(entry, summary.stats.iterations))]);
    const omitted = failures.length - shown.length;
    const verdict = formatRunSummary(summary, { failures: { list: [], omitted, more: '--all-failures, or --max-failures N, to list them' } });
    const colour = summary.status === 'passed' ? this.c.green : this.c.red;
    const [first, ...rest] = verdict.split('\n');
    this.emit(['', colour(first), ...rest]);
  }

  private detail({ number, failure }: Numbered, iterations: number): string[] {
    const where = `${failure.folder ? `${failure.folder}/` : ''}${failure.request}${iterations > 1 ? ` [iteration ${failure.iteration + 1}]` : ''}`;
    const kind = failure.kind === 'assertion' ? 'AssertionError' : failure.kind === 'request_error' ? 'RequestError' : 'ScriptError';
    const lines = [`${String(number).padStart(3)}. ${this.c.red(kind)}${failure.assertion ? `  ${failure.assertion}` : ''}`];
    lines.push(`      ${failure.message}`);
    if (failure.expected !== undefined || failure.actual !== undefined) lines.push(`      expected ${JSON.stringify(failure.expected)}, actual ${JSON.stringify(failure.actual)}`);
    lines.push(this.c.dim(`      at ${where}${failure.method ? ` [${failure.method} ${failure.url ?? ''}${failure.response ? ` → ${failure.response.code}` : ''}]` : ''}`));
    if (failure.response?.bodyExcerpt) lines.push(this.c.dim(`      response: ${failure.response.bodyExcerpt.replace(/\s+/g, ' ').slice(0, 200)}`));
    return lines;
  }

  private table(summary: RunSummary, records: RequestRecord[]): string {
    const { stats } = summary;
    const times = this.times.length ? this.times : records.map((record) => record.timeMs).filter((time): time is number => time !== undefined);
    const average = times.length ? times.reduce((sum, time) => sum + time, 0) / times.length : undefined;
    const colourless = { head: [], border: [] };
    const table = new Table({ head: ['', 'executed', 'failed'], colAligns: ['right', 'right', 'right'], style: { compact: true, ...(this.options.colour ? { head: ['cyan'], border: ['grey'] } : colourless) } });
    table.push(
      ['iterations', stats.iterations, 0],
      ['requests', stats.requests.total, stats.requests.failed],
      ['test-scripts', this.scripts.test, this.scriptErrors.test],
      ['prerequest-scripts', this.scripts.prerequest, this.scriptErrors.prerequest],
      ['assertions', stats.assertions.total, stats.assertions.failed],
      [{ colSpan: 3, hAlign: 'left', content: `total run duration: ${ms(summary.durationMs)}` }],
      [{ colSpan: 3, hAlign: 'left', content: `average response time: ${ms(average)} [min: ${ms(times.length ? times.reduce((a, b) => Math.min(a, b)) : undefined)}, max: ${ms(times.length ? times.reduce((a, b) => Math.max(a, b)) : undefined)}]` }],
    );
    return table.toString();
  }
}
