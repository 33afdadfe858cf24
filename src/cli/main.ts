// `postman-power`: no arguments (or `serve`) runs the MCP server on stdio; `run`, `check` and
// `config` serve CI and humans from the same core (PostmanPowerClient) the tools use. A thin adapter
// like the tools: flags in, the client's results out through one masked output edge; nothing runs at
// import (src/cli.ts, the entry, calls main).
// Exit codes: 0 passed/healthy/valid, 1 test failures (or a degraded/unhealthy check), 2 errors.
import { replaceFileSync } from '../core/files/private-files.js';
import path from 'node:path';
import { MAX_CLI_ITERATIONS, MAX_LANES, MAX_SHARDS, MAX_TIMER_MS } from '../core/bounds.js';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { formatError, PowerError, redactError, toPowerError } from '../core/errors.js';
import { readNamedJsonFile } from '../core/files/workspace-files.js';
import { createLogger, stderrSink, warnAboutShortSecrets } from '../core/logger.js';
import { PostmanPowerClient } from '../core/power-client.js';
import { SecretSet } from '../core/redact.js';
import { formatRunSummary } from '../core/results/format.js';
import { REPORTERS, writeReports, type Reporter } from '../core/reports/reports.js';
import { mergeReports, parseJsonReport } from '../core/reports/merge-reports.js';
import { ranOutOfMemory, type RunSummary } from '../core/results/summary.js';
import type { LiveReporter } from './live-reporter.js';
import type { CertificateSpec } from '../core/runs/run-input.js';
import { POWER_VERSION } from '../core/version.js';
import { describeConfigState } from '../core/config-view.js';
import { serveFromCommandLine } from '../serve-stdio.js';

/**
 * The CLI's one output edge: everything it prints goes through here and is masked with the command's
 * secrets (values field by field before they are formatted, text as a whole), so no call site masks
 * by hand. The registry is the command's, filled as the client learns secrets.
 */
const secrets = new SecretSet();
const out = (text: string) => process.stdout.write(`${secrets.redactText(text)}\n`);
const err = (text: string) => process.stderr.write(`${secrets.redactText(text)}\n`);
const printJson = (value: unknown) => out(JSON.stringify(secrets.redact(value), null, 2));
const printError = (error: unknown) => err(formatError(redactError(toPowerError(error), secrets)));
/** A run's verdict (masked field by field before it is formatted), on stdout when it passed. */
const printRun = (summary: RunSummary) => (summary.status === 'passed' ? out : err)(formatRunSummary(secrets.redact(summary)));

const KNOWN_REPORTERS = ['cli', ...REPORTERS];

/** A whole-number flag within [min, max]: nothing a flag says may scale memory or time without bound. */
function wholeNumber(min: number, max: number, what = 'a whole number'): (value: string) => number {
  return (value) => {
    const parsed = /^\s*\d{1,16}\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`must be ${what} from ${min} to ${max}`);
    return parsed;
  };
}
const positiveInt = wholeNumber(1, MAX_TIMER_MS);
const iterationCount = wholeNumber(1, MAX_CLI_ITERATIONS);
const laneCount = wholeNumber(1, MAX_LANES);

function newClient(): PostmanPowerClient {
  const logger = createLogger(secrets, [stderrSink()], 'warning');
  warnAboutShortSecrets(secrets, logger);
  return new PostmanPowerClient({ secrets, logger });
}


interface RunFlags {
  environment?: string;
  globals?: string;
  baseUrl?: string;
  folder?: string[];
  iterations?: number;
  iterationCount?: number;
  data?: string;
  iterationData?: string;
  requestTimeout?: number;
  bail?: boolean | 'failure' | 'error';
  reporters: string;
  history: boolean;
  rerunFailed?: boolean;
  envVar: Record<string, string>;
  globalVar: Record<string, string>;
  workingDir?: string;
  ignoreRedirects?: boolean;
  timeout?: number;
  timeoutRequest?: number;
  timeoutScript?: number;
  delayRequest?: number;
  exportEnvironment?: string;
  exportGlobals?: string;
  cookieJar?: string;
  exportCookieJar?: string;
  sslClientCert?: string;
  sslClientKey?: string;
  sslClientPassphrase?: string;
  sslClientCertList?: string;
  sslExtraCaCerts?: string;
  suppressExitCode?: boolean;
  checkHealth: boolean;
  insecure?: boolean;
  parallel?: number;
  color: 'on' | 'off' | 'auto';
  verbose?: boolean;
  silent?: boolean;
  maxFailures: number;
  allFailures?: boolean;
  reporterJunitExport?: string;
  reporterJsonExport?: string;
  reporterHtmlExport?: string;
  shard?: { index: number; count: number };
}

/** The output flags `run` and `merge-reports` share. */
type OutputFlags = Pick<RunFlags, 'reporters' | 'color' | 'verbose' | 'silent' | 'maxFailures' | 'allFailures' | 'reporterJunitExport' | 'reporterJsonExport' | 'reporterHtmlExport'>;

/** `--shard 2/3`: the second of three. */
function shardSpec(value: string): { index: number; count: number } {
  const match = /^(\d{1,7})\/(\d{1,7})$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) throw new InvalidArgumentError(`must be i/n with 1 ≤ i ≤ n ≤ ${MAX_SHARDS}, e.g. 2/3`);
  return { index, count };
}

/** Colour: asked for, or on a terminal unless NO_COLOR is set or the terminal is dumb. */
function useColour(flag: OutputFlags['color'], stream: { isTTY?: boolean }): boolean {
  if (flag === 'on') return true;
  if (flag === 'off') return false;
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** The reporters asked for (an export path asks for its reporter too), or a usage error naming the known ones. */
function chosenReporters(flags: OutputFlags): { cli: boolean; files: Reporter[]; exports: Partial<Record<Reporter, string>> } {
  const listed = flags.reporters.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = listed.filter((r) => !KNOWN_REPORTERS.includes(r));
  if (unknown.length) {
    throw new PowerError('invalid_argument', `Unknown reporter${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, {
      hint: `The reporters are: ${KNOWN_REPORTERS.join(', ')} (comma-separated, e.g. -r cli,junit,html).`,
    });
  }
  const exports: Partial<Record<Reporter, string>> = {
    ...(flags.reporterJunitExport ? { junit: flags.reporterJunitExport } : {}),
    ...(flags.reporterJsonExport ? { json: flags.reporterJsonExport } : {}),
    ...(flags.reporterHtmlExport ? { html: flags.reporterHtmlExport } : {}),
  };
  const files = REPORTERS.filter((reporter) => listed.includes(reporter) || exports[reporter]);
  return { cli: listed.length === 0 || listed.includes('cli'), files, exports };
}

/** The terminal reporter, loaded when a command prints one (its table and bar libraries are not needed to serve MCP). */
async function newReporter(flags: OutputFlags): Promise<LiveReporter> {
  const { LiveReporter } = await import('./live-reporter.js');
  return new LiveReporter({
    stream: process.stdout,
    colour: useColour(flags.color, process.stdout),
    verbose: Boolean(flags.verbose),
    maxFailures: flags.allFailures ? undefined : flags.maxFailures,
    secrets,
  });
}

function printReportPaths(reports: Partial<Record<Reporter, string>> | undefined): void {
  for (const reporter of REPORTERS) if (reports?.[reporter]) out(`${reporter === 'junit' ? 'JUnit' : reporter.toUpperCase()} report: ${reports[reporter]}`);
}

/** 0 passed, 1 failures or errors, 2 anything else (not run, stopped, a report not written). */
/** 0 passed, 1 failed or errored (as newman), 2 when the run could not be carried out (out of memory, cancelled, timed out …). */
const exitCodeOf = (summary: RunSummary) => (summary.status === 'passed' ? 0 : ranOutOfMemory(summary) ? 2 : summary.status === 'failed' || summary.status === 'errored' ? 1 : 2);

/** `--env-var key=value`, repeatable, as newman parses it (the first `=` splits). */
function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('must be key=value');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

const milliseconds = wholeNumber(0, MAX_TIMER_MS, 'a whole number of milliseconds (0: none)');

/** Client certificates from the single-cert flags and/or a newman cert-list JSON file. */
const FileRef = z.object({ src: z.string() }).optional();
/** newman's --ssl-client-cert-list file: [{name, matches, key: {src}, cert: {src}, pfx: {src}, passphrase}]. */
const CertificateListSchema = z.array(
  z.looseObject({ name: z.string().optional(), matches: z.array(z.string()).optional(), key: FileRef, cert: FileRef, pfx: FileRef, passphrase: z.string().optional() }),
);

async function certificatesFrom(flags: RunFlags): Promise<CertificateSpec[] | undefined> {
  const list: CertificateSpec[] = [];
  if (flags.sslClientCertList) {
    const parsed = CertificateListSchema.safeParse(await readNamedJsonFile(flags.sslClientCertList, 'invalid_argument'));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PowerError('invalid_argument', `--ssl-client-cert-list "${flags.sslClientCertList}": ${issue.path.join('.') || '(root)'} ${issue.message}`, {
        hint: 'Write a JSON list like newman\'s: [{"name": "api", "matches": ["https://api.example.com/*"], "cert": {"src": "cert.pem"}, "key": {"src": "key.pem"}}].',
      });
    }
    for (const entry of parsed.data) list.push({ ...entry, matches: entry.matches ?? ['https://*/*'] });
  }
  if (flags.sslClientCert) {
    // newman: the single certificate applies to every URL.
    list.push({ name: 'client certificate', matches: ['https://*/*', 'http://*/*'], cert: { src: path.resolve(flags.sslClientCert) }, ...(flags.sslClientKey ? { key: { src: path.resolve(flags.sslClientKey) } } : {}), ...(flags.sslClientPassphrase ? { passphrase: flags.sslClientPassphrase } : {}) });
  }
  return list.length ? list : undefined;
}

function writeJson(file: string, value: unknown): void {
  try {
    // Exclusive temp file renamed into place, 0600: the state may hold tokens, and a planted link is replaced, not followed.
    replaceFileSync(path.resolve(file), Buffer.from(`${JSON.stringify(value, null, 2)}\n`));
  } catch (cause) {
    throw new PowerError('file_unwritable', `Cannot write ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      hint: 'Check that its folder exists and is writable. The run itself finished: its summary is above.',
      cause,
    });
  }
}

async function runCommand(collection: string | undefined, flags: RunFlags): Promise<number> {
  const client = newClient();
  // The run's process starts while the CLI reads the config, the collection and the data.
  client.prewarmRuns();
  const chosen = chosenReporters(flags);
  const exporting = Boolean(flags.exportEnvironment || flags.exportGlobals || flags.exportCookieJar);
  const live = chosen.cli && !flags.silent ? await newReporter(flags) : undefined;
  let iterations = 1;
  const started = await client.runCollection({
    collection,
    environment: flags.environment,
    globals: flags.globals,
    baseUrl: flags.baseUrl,
    envVars: flags.envVar,
    globalVars: flags.globalVar,
    folders: flags.folder,
    // newman's spellings first; ours stay as aliases.
    iterations: flags.iterationCount ?? flags.iterations,
    data: flags.iterationData ?? flags.data,
    bail: flags.bail,
    requestTimeoutMs: flags.timeoutRequest ?? flags.requestTimeout,
    scriptTimeoutMs: flags.timeoutScript,
    runTimeoutMs: flags.timeout,
    insecureTls: flags.insecure,
    checkHealth: flags.checkHealth ? undefined : false,
    reporters: chosen.files,
    reportExports: chosen.exports,
    shard: flags.shard,
    history: flags.history,
    rerun: flags.rerunFailed ? 'failed' : undefined,
    parallel: flags.parallel,
    userNamedFiles: true,
    workingDir: flags.workingDir,
    followRedirects: flags.ignoreRedirects ? false : undefined,
    delayRequestMs: flags.delayRequest,
    cookieJar: flags.cookieJar,
    certificates: await certificatesFrom(flags),
    extraCaCerts: flags.sslExtraCaCerts ? path.resolve(flags.sslExtraCaCerts) : undefined,
    exportState: exporting,
    exchanges: Boolean(flags.verbose),
    // Masked at the edge, when printed: the secrets a request teaches arrive before it does.
    ...(live ? { onRequest: (event) => live.request(event, iterations) } : {}),
  });
  if ('summary' in started) {
    // Not run: the backend is down, or this shard has nothing to run.
    const { summary } = started;
    if (!flags.silent) printRun(summary);
    if (!flags.silent) printReportPaths(summary.reports);
    await client.close();
    return flags.suppressExitCode ? 0 : summary.status === 'passed' ? 0 : 2;
  }
  const { handle } = started;
  const first = handle.snapshot();
  iterations = first.stats.iterations;
  live?.start(first.collection.name, first.environment, first.progress.total);
  handle.onProgress((summary) => live?.progress(summary.progress.done));
  const stop = () => handle.cancel('Interrupted (SIGINT).');
  process.once('SIGINT', stop);
  const summary = await handle.promise;
  process.off('SIGINT', stop);
  live?.finish(summary, handle.records());
  if (!flags.silent) printReportPaths(summary.reports);
  // A report CI waits for and did not get is an error, said on stderr even when the cli reporter is off.
  const unwritten = chosen.files.filter((reporter) => !summary.reports?.[reporter]);
  const notWritten = summary.warningCodes.reports_not_written;
  if (unwritten.length && !flags.silent && notWritten) err(notWritten);
  // As newman: the files hold the values as they are (a person asked for them, secrets included).
  const state = handle.state?.();
  if (state && flags.exportEnvironment) writeJson(flags.exportEnvironment, state.environment);
  if (state && flags.exportGlobals) writeJson(flags.exportGlobals, state.globals);
  if (state && flags.exportCookieJar) writeJson(flags.exportCookieJar, state.cookies);
  await client.close();
  if (flags.suppressExitCode) return 0;
  return unwritten.length ? 2 : exitCodeOf(summary);
}

/** Several shards' JSON reports as one run: its summary printed, its reports written, its exit code. */
async function mergeCommand(files: string[], flags: OutputFlags & { suppressExitCode?: boolean }): Promise<number> {
  const chosen = chosenReporters(flags);
  const reports = await Promise.all(files.map(async (file) => parseJsonReport(file, await readNamedJsonFile(path.resolve(file), 'invalid_argument'))));
  const { summary, records } = mergeReports(reports);
  if (chosen.files.length) summary.reports = await writeReports(process.cwd(), summary, records, { reporters: chosen.files, exports: chosen.exports }, secrets);
  if (chosen.cli && !flags.silent) (await newReporter(flags)).finish(summary, records);
  if (!flags.silent) printReportPaths(summary.reports);
  return flags.suppressExitCode ? 0 : exitCodeOf(summary);
}

async function checkCommand(urls: string[], flags: { attempts?: number; timeout?: number; wait?: boolean; deadline?: number; expectStatus?: string }): Promise<number> {
  const client = newClient();
  const checked = await client.checkBackendHealth({
    urls: urls.length ? urls : undefined,
    attempts: flags.attempts,
    timeoutMs: flags.timeout,
    waitUntilHealthy: flags.wait,
    deadlineMs: flags.deadline,
    expectStatus: flags.expectStatus,
  });
  await client.primeSecrets();
  const result = checked;
  out(result.summary);
  if (result.note) out(result.note);
  for (const target of result.targets) {
    out(`  ${target.healthy ? 'ok  ' : 'FAIL'} ${target.url} ${target.outcome}${target.statusCode ? ` ${target.statusCode}` : ''} (${target.attempts.length} attempt${target.attempts.length === 1 ? '' : 's'})`);
    if (target.hint) out(`       ${target.hint}`);
  }
  return result.status === 'healthy' ? 0 : 1;
}

async function configCommand(): Promise<number> {
  const client = newClient();
  const state = await client.configState();
  await client.primeSecrets();
  printJson(describeConfigState(state));
  if (state.error) printError(state.error);
  return state.error ? 2 : 0;
}

/** What `run` and `merge-reports` print and write. */
function withOutputOptions(command: Command): Command {
  return command
    .option('-r, --reporters <list>', 'cli, junit, json, html (comma-separated); files go to .postman-power/reports/ unless --reporter-<name>-export says where', 'cli')
    .option('--reporter-junit-export <path>', 'write the JUnit report here (a file, or a folder ending in /)')
    .option('--reporter-json-export <path>', 'write the JSON report here')
    .option('--reporter-html-export <path>', 'write the HTML report here')
    .addOption(new Option('--color <when>', 'colour the output').choices(['on', 'off', 'auto']).default('auto'))
    .option('--silent', 'print nothing; the exit code says how it went')
    .option('--max-failures <n>', 'failures listed at the end', positiveInt, 20)
    .option('--all-failures', 'list every failure at the end');
}

function program(): Command {
  const cli = new Command('postman-power')
    .description('MCP server and CLI that prove a backend still works with Postman collections.')
    .version(POWER_VERSION)
    // Usage errors exit 2 (README: 1 means tests failed); subcommands inherit this.
    .exitOverride()
    .showHelpAfterError('(postman-power --help for usage)');
  cli.command('serve', { isDefault: true }).description('Run the MCP server on stdio (the default).').action(serveFromCommandLine);
  const run = cli
    .command('run')
    .description('Run a collection (UID, id, path or name; default from .postman.json) and print the summary.')
    .argument('[collection]', 'collection to run')
    .option('-e, --environment <ref>', 'environment: a file or URL, or a UID, id or name')
    .option('-g, --globals <ref>', 'globals: a file or URL')
    .option('--env-var <key=value>', 'set an environment variable (repeatable)', keyValue, {})
    .option('--global-var <key=value>', 'set a global variable (repeatable)', keyValue, {})
    .option('--base-url <url>', 'override the base URL variable')
    .option('-f, --folder <name...>', 'run only these folders or requests (name, path or id), in collection order')
    .option('-n, --iteration-count <n>', 'iterations', iterationCount)
    .addOption(new Option('--iterations <n>').hideHelp().argParser(iterationCount))
    .option('-d, --iteration-data <file>', 'iteration data: a JSON or CSV file or URL')
    .addOption(new Option('--data <file>').hideHelp())
    .addOption(new Option('--bail [kind]', 'stop at the first failure or error').choices(['failure', 'error']))
    .option('--verbose', 'print each request\'s headers and bodies (credentials masked)')
    .option('--shard <i/n>', 'run only the i-th of n shares of the top-level folders (balanced by request count), for CI matrices', shardSpec)
    .option('--rerun-failed', 'run only what failed in the last run (with the requests before it in its folder)')
    .option('--no-history', 'do not compare with the last run, nor keep this one in .postman-power/history/')
    .option('--working-dir <dir>', 'where the collection\'s file references (uploads) resolve; default the current directory')
    .option('--ignore-redirects', 'do not follow 3xx redirects')
    .option('--timeout <ms>', 'the whole run\'s timeout (0: none; default 10 min)', milliseconds)
    .option('--timeout-request <ms>', 'per-request timeout (default none)', milliseconds)
    .addOption(new Option('--request-timeout <ms>').hideHelp().argParser(milliseconds))
    .option('--timeout-script <ms>', 'per-script timeout (default none)', milliseconds)
    .option('--delay-request <ms>', 'pause between requests', milliseconds)
    .option('--export-environment <file>', 'write the final environment')
    .option('--export-globals <file>', 'write the final globals')
    .option('--cookie-jar <file>', 'start from this cookie jar (tough-cookie JSON)')
    .option('--export-cookie-jar <file>', 'write the final cookie jar')
    .option('--ssl-client-cert <file>', 'client certificate (PEM)')
    .option('--ssl-client-key <file>', 'client certificate key')
    .option('--ssl-client-passphrase <text>', 'client certificate passphrase')
    .option('--ssl-client-cert-list <file>', 'client certificates per host (newman\'s JSON list)')
    .option('--ssl-extra-ca-certs <file>', 'extra trusted CA certificates (PEM)')
    .option('-x, --suppress-exit-code', 'exit 0 whatever the result')
    .option('--no-check-health', 'skip the backend health check before the run')
    .option('-k, --insecure', 'accept self-signed certificates')
    .option('-p, --parallel <lanes>', 'run top-level folders (or iterations) in this many lanes at once', laneCount);
  withOutputOptions(run).action(async (collection: string | undefined, flags: RunFlags) => {
    process.exitCode = await runCommand(collection, flags);
  });
  const merge = cli
    .command('merge-reports')
    .description('Merge the JSON reports of a sharded run (run --shard i/n -r json) into one verdict and its reports.')
    .argument('<reports...>', 'JSON reports, one per shard')
    .option('-x, --suppress-exit-code', 'exit 0 whatever the result');
  withOutputOptions(merge)
    .action(async (files: string[], flags) => {
      process.exitCode = await mergeCommand(files, flags);
    });
  cli
    .command('check')
    .description('Check the backend\'s health (configured base URL / health path, or the URLs given).')
    .argument('[urls...]', 'full URLs or paths joined to baseUrl')
    .option('-a, --attempts <n>', 'attempts per endpoint', wholeNumber(1, 100))
    .option('-t, --timeout <ms>', 'per-attempt timeout', positiveInt)
    .option('--deadline <ms>', 'overall deadline', positiveInt)
    .option('-w, --wait', 'wait until healthy (for a backend that is starting)')
    .option('--expect-status <codes>', 'expected status, e.g. 200 or 200-399 or 2xx')
    .action(async (urls: string[], flags) => {
      process.exitCode = await checkCommand(urls, flags);
    });
  cli
    .command('config')
    .description('Validate .postman.json and print the normalised, redacted config.')
    .action(async () => {
      process.exitCode = await configCommand();
    });
  return cli;
}

/** Runs the CLI with these arguments (process.argv's shape) and exits with its code. */
export async function main(argv: string[]): Promise<void> {
  // One registry for the whole command, so the last-resort error handler masks what the command learned.
  secrets.add(process.env.POSTMAN_API_KEY);
  await program()
    .parseAsync(argv)
    .catch((error: unknown) => {
      if (error instanceof CommanderError) {
        // Commander has printed the message (and the usage hint); help and --version are not errors.
        process.exit(error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2);
      }
      printError(error);
      process.exit(2);
    });
}
