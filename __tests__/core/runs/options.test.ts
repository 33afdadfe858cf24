// A run's options are resolved once (resolveRunOptions): the caller's, else .postman.json's, else the
// documented default — every field set, 0 for a time meaning none. The tool's schema and the CLI's
// flags are checked against RunOptionsSchema, so a fourth declaration cannot drift.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { DEFAULT_RUN_OPTIONS, resolveRunOptions, RunOptionsSchema, type ResolvedRunOptions, type RunOptions } from '../../../src/core/runs/options.js';
import { runCollectionTool } from '../../../src/tools/run-collection.js';
import { CLI } from '../../support/cli.js';

const exec = promisify(execFile);

describe('resolveRunOptions', () => {
  const project = { requestTimeoutMs: 5_000, scriptTimeoutMs: 2_000, runTimeoutMs: 60_000, maxResponseBytes: 1024 * 1024, bail: 'error' as const };
  it.each<[string, RunOptions, Partial<ResolvedRunOptions> | undefined, Partial<ResolvedRunOptions>]>([
    ['nothing asked, nothing configured: the documented defaults', {}, undefined, { requestTimeoutMs: 0, scriptTimeoutMs: 0, runTimeoutMs: 600_000, delayRequestMs: 0, bail: false, insecureTls: false, followRedirects: true, parallel: 1, maxResponseBytes: 50 * 1024 * 1024 }],
    ['--timeout 0 is none, not "stop at once"', { runTimeoutMs: 0 }, undefined, { runTimeoutMs: 0 }],
    ['0 for the request and script timeouts is none too', { requestTimeoutMs: 0, scriptTimeoutMs: 0 }, project, { requestTimeoutMs: 0, scriptTimeoutMs: 0 }],
    ['.postman.json fills what the caller left out', {}, project, { requestTimeoutMs: 5_000, scriptTimeoutMs: 2_000, runTimeoutMs: 60_000, maxResponseBytes: 1024 * 1024, bail: 'error' }],
    ['the caller wins over .postman.json', { requestTimeoutMs: 100, runTimeoutMs: 0, bail: false }, project, { requestTimeoutMs: 100, runTimeoutMs: 0, bail: false }],
    ['bail: true is "failure" (newman\'s --bail)', { bail: true }, project, { bail: 'failure' }],
    ['redirects, TLS, delay and lanes as asked', { followRedirects: false, insecureTls: true, delayRequestMs: 5, parallel: 4 }, undefined, { followRedirects: false, insecureTls: true, delayRequestMs: 5, parallel: 4 }],
  ])('%s', (_name, args, configured, expected) => {
    const resolved = resolveRunOptions(args, configured);
    expect(resolved).toMatchObject(expected);
    // Every field is set: the runner never falls back on a default of its own.
    expect(Object.keys(resolved).sort()).toEqual(Object.keys(DEFAULT_RUN_OPTIONS).sort());
    for (const value of Object.values(resolved)) expect(value).not.toBeUndefined();
  });
});

/** Where each option is offered: the tool's argument (agents) and the CLI's flag (newman's names). */
const OFFERED: Record<keyof RunOptions, { tool?: string; flag: string }> = {
  requestTimeoutMs: { tool: 'request_timeout_ms', flag: '--timeout-request' },
  scriptTimeoutMs: { tool: 'script_timeout_ms', flag: '--timeout-script' },
  runTimeoutMs: { tool: 'run_timeout_ms', flag: '--timeout' },
  delayRequestMs: { flag: '--delay-request' },
  bail: { tool: 'bail', flag: '--bail' },
  insecureTls: { tool: 'insecure_tls', flag: '--insecure' },
  followRedirects: { flag: '--ignore-redirects' },
  parallel: { tool: 'parallel', flag: '--parallel' },
};

it('every option is offered by the tool and the CLI, within the bounds RunOptionsSchema sets', async () => {
  expect(Object.keys(OFFERED).sort()).toEqual(Object.keys(RunOptionsSchema.shape).sort());
  const { stdout } = await exec(process.execPath, [CLI, 'run', '--help']);
  const input = z.object(runCollectionTool.inputSchema);
  for (const [option, { tool, flag }] of Object.entries(OFFERED)) {
    expect({ option, flag, listed: new RegExp(`(^|\\s)${flag}\\b`).test(stdout) }).toEqual({ option, flag, listed: true });
    if (!tool) continue;
    expect(Object.keys(runCollectionTool.inputSchema)).toContain(tool);
    // What the tool accepts, the schema accepts too (the tool may be narrower: an agent's call is shorter).
    for (const value of [1, 1000, 600_000, true, false, 'failure', 'error', 16]) {
      if (!input.safeParse({ [tool]: value }).success) continue;
      expect({ option, value, ok: RunOptionsSchema.safeParse({ [option]: value }).success }).toEqual({ option, value, ok: true });
    }
  }
});
