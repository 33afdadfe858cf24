// The built CLI, run as a person or a CI job runs it: its exit code, stdout and stderr, whatever the code.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const CLI = path.resolve('dist/cli.cjs');
const exec = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `postman-power <args>` in `cwd` with only PATH and `env` in its environment. */
export async function runCli(args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
