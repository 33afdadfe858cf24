#!/usr/bin/env node
// `postman-power`: no arguments (or `serve`) runs the MCP server on stdio; `run`, `check` and
// `config` serve CI and humans from the same core (PostmanPowerClient) the tools use.
// Exit codes: 0 passed/healthy/valid, 1 test failures (or a degraded/unhealthy check), 2 errors.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatError, PowerError, redactError, toPowerError } from './core/errors.js';
import { createLogger, stderrSink, warnAboutShortSecrets } from './core/logger.js';
import { PostmanPowerClient } from './core/power-client.js';
import { SecretSet } from './core/redact.js';
import { formatRunSummary } from './core/runner/format.js';
import type { Reporter } from './core/runner/reports.js';
import { POWER_VERSION } from './core/version.js';
import { describeConfigState } from './resources/config-resource.js';
import { serveStdio } from './serve-stdio.js';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

const KNOWN_REPORTERS = ['cli', 'junit', 'json'];

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive whole number');
  return parsed;
}

// One registry for the whole command, so the last-resort error handler masks what the command learned.
const secrets = new SecretSet().add(process.env.POSTMAN_API_KEY);

function newClient(): PostmanPowerClient {
  const logger = createLogger(secrets, [stderrSink()], 'warning');
  warnAboutShortSecrets(secrets, logger);
  return new PostmanPowerClient({ secrets, logger });
}

async function serve(): Promise<void> {
  await serveStdio({ secrets });
}

interface RunFlags {
  environment?: string;
  baseUrl?: string;
  folder?: string[];
  iterations?: number;
  data?: string;
  bail?: boolean | 'failure' | 'error';
  reporters: string;
  requestTimeout?: number;
  checkHealth: boolean;
  insecure?: boolean;
  parallel?: number;
}

async function runCommand(collection: string | undefined, flags: RunFlags): Promise<number> {
  const client = newClient();
  const reporters = flags.reporters.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = reporters.filter((r) => !KNOWN_REPORTERS.includes(r));
  if (unknown.length) {
    throw new PowerError('invalid_argument', `Unknown reporter${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`, {
      hint: `The reporters are: ${KNOWN_REPORTERS.join(', ')} (comma-separated, e.g. -r cli,junit).`,
    });
  }
  const started = await client.runCollection({
    collection,
    environment: flags.environment,
    baseUrl: flags.baseUrl,
    folders: flags.folder,
    iterations: flags.iterations,
    data: flags.data,
    bail: flags.bail,
    requestTimeoutMs: flags.requestTimeout,
    insecureTls: flags.insecure,
    checkHealth: flags.checkHealth ? undefined : false,
    reporters: reporters.filter((r): r is Reporter => r !== 'cli'),
    parallel: flags.parallel,
  });
  if ('summary' in started) {
    err(formatRunSummary(client.secrets.redact(started.summary)));
    return 2;
  }
  const { handle } = started;
  const tty = process.stderr.isTTY;
  handle.onProgress((summary) => {
    if (tty) process.stderr.write(`\r\u001b[K${summary.progress.done}/${summary.progress.total} ${client.secrets.redactText(summary.progress.current ?? '')}`);
  });
  const stop = () => handle.cancel('Interrupted (SIGINT).');
  process.once('SIGINT', stop);
  const summary = await handle.promise;
  process.off('SIGINT', stop);
  if (tty) process.stderr.write('\r\u001b[K');
  if (reporters.includes('cli') || reporters.length === 0) out(formatRunSummary(client.secrets.redact(summary)));
  if (summary.reports?.junit) out(`JUnit report: ${summary.reports.junit}`);
  if (summary.reports?.json) out(`JSON report: ${summary.reports.json}`);
  await client.close();
  return summary.status === 'passed' ? 0 : summary.status === 'failed' || summary.status === 'errored' ? 1 : 2;
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
  const result = client.secrets.redact(checked);
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
  out(JSON.stringify(client.secrets.redact(describeConfigState(state)), null, 2));
  if (state.error) err(formatError(redactError(state.error, client.secrets)));
  return state.error ? 2 : 0;
}

function program(): Command {
  const cli = new Command('postman-power')
    .description('MCP server and CLI that prove a backend still works with Postman collections.')
    .version(POWER_VERSION)
    // Usage errors exit 2 (README: 1 means tests failed); subcommands inherit this.
    .exitOverride()
    .showHelpAfterError('(postman-power --help for usage)');
  cli.command('serve', { isDefault: true }).description('Run the MCP server on stdio (the default).').action(serve);
  cli
    .command('run')
    .description('Run a collection (UID, id, path or name; default from .postman.json) and print the summary.')
    .argument('[collection]', 'collection to run')
    .option('-e, --environment <ref>', 'environment (UID, id, path or name)')
    .option('--base-url <url>', 'override the base URL variable')
    .option('-f, --folder <name...>', 'run only these folders or requests (name, path or id), in collection order')
    .option('-n, --iterations <n>', 'iterations', positiveInt)
    .option('-d, --data <file>', 'iteration data (JSON or CSV inside the workspace)')
    .addOption(new Option('--bail [kind]', 'stop at the first failure or error').choices(['failure', 'error']))
    .option('-r, --reporters <list>', 'cli, junit, json (comma-separated); reports go to .postman-power/reports/', 'cli')
    .option('--request-timeout <ms>', 'per-request timeout', positiveInt)
    .option('--no-check-health', 'skip the backend health check before the run')
    .option('-k, --insecure', 'accept self-signed certificates')
    .option('-p, --parallel <lanes>', 'run top-level folders (or iterations) in this many lanes at once', positiveInt)
    .action(async (collection: string | undefined, flags: RunFlags) => {
      process.exitCode = await runCommand(collection, flags);
    });
  cli
    .command('check')
    .description('Check the backend\'s health (configured base URL / health path, or the URLs given).')
    .argument('[urls...]', 'full URLs or paths joined to baseUrl')
    .option('-a, --attempts <n>', 'attempts per endpoint', positiveInt)
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

program()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has printed the message (and the usage hint); help and --version are not errors.
      process.exit(error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2);
    }
    err(formatError(redactError(toPowerError(error), secrets)));
    process.exit(2);
  });
