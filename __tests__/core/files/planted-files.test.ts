// Nothing planted in a repository or a shared folder is loaded or written through: the code cache is
// authenticated before V8 sees it, its folder must be this user's alone, and history, reports and
// exported state are written through exclusive temp files into real folders of this user's, 0600 in 0700.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { codeCachePath } from '../../../src/launcher.js';
import { ProcessRunner, type WarmProcess } from '../../../src/core/engine/process-runner.js';
import { HISTORY_DIR, recordHistory } from '../../../src/core/results/history.js';
import { writeReports } from '../../../src/core/reports/reports.js';
import { SecretSet } from '../../../src/core/redact.js';
import { passedRecord, passedSummary } from '../../support/summaries.js';
import { createTempWorkspace, type TempWorkspace } from '../../support/temp-workspace.js';

let ws: TempWorkspace;
beforeEach(() => {
  ws = createTempWorkspace('Test_Task5_');
});
afterEach(() => ws.cleanup());

const isRoot = process.getuid?.() === 0;

describe('the code cache', () => {
  // Two programs of the same length: V8 checks little more than that of the cache it is given.
  const honest = "process.stdout.write('honest');";
  const planted = "process.stdout.write('PWNED!');";
  const launcher = path.resolve('dist/launcher.js');

  function setUp(cacheHome = ws.path('cache')): { bundle: string; cacheFile: string } {
    const bundle = ws.write('bundle.cjs', honest);
    const cacheFile = codeCachePath(honest).replace(/^.*[\\/]postman-power[\\/]/, `${path.join(cacheHome, 'postman-power')}${path.sep}`);
    return { bundle, cacheFile };
  }
  const plantedCache = () => new vm.Script(Module.wrap(planted), { filename: 'x' }).createCachedData();
  function launch(bundle: string, cacheHome = ws.path('cache')): { stdout: string; stderr: string } {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(launcher)}).then((m) => m.launch(${JSON.stringify(bundle)}))`], {
      env: { PATH: process.env.PATH, HOME: ws.dir, XDG_CACHE_HOME: cacheHome },
      encoding: 'utf8',
    });
    return { stdout: child.stdout, stderr: child.stderr };
  }

  it('the planted program really is accepted by V8 for the honest one (so the next checks mean something)', () => {
    const script = new vm.Script(Module.wrap(honest), { filename: 'x', cachedData: plantedCache() });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('a cache file planted under the right name is never run: it fails its MAC and is rebuilt', () => {
    const { bundle, cacheFile } = setUp();
    mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    chmodSync(path.dirname(cacheFile), 0o700);
    writeFileSync(cacheFile, plantedCache(), { mode: 0o600 });
    expect(launch(bundle).stdout).toBe('honest');
    // Planted with a MAC made under a key of its own: the same.
    writeFileSync(cacheFile, Buffer.concat([Buffer.alloc(32, 1), plantedCache()]), { mode: 0o600 });
    expect(launch(bundle).stdout).toBe('honest');
    // The key is the user's alone.
    expect(lstatSync(path.join(path.dirname(cacheFile), 'cache.key')).mode & 0o777).toBe(0o600);
  });

  it('a cache folder others can write is not used, with one line on stderr', () => {
    const { bundle, cacheFile } = setUp();
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    chmodSync(path.dirname(cacheFile), 0o777);
    writeFileSync(cacheFile, plantedCache(), { mode: 0o600 });
    const { stdout, stderr } = launch(bundle);
    expect(stdout).toBe('honest');
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/no code cache: .* can be written by other users \(mode 777\)/)]);
    expect(existsSync(path.join(path.dirname(cacheFile), 'cache.key'))).toBe(false);
  });

  (isRoot ? it : it.skip)('a cache folder another user made (in a shared cache home) is not used', () => {
    const { bundle, cacheFile } = setUp();
    mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
    chownSync(path.dirname(cacheFile), 4242, 4242);
    writeFileSync(cacheFile, plantedCache(), { mode: 0o600 });
    const { stdout, stderr } = launch(bundle);
    expect(stdout).toBe('honest');
    expect(stderr).toMatch(/is owned by another user \(uid 4242\)/);
  });

  it('a cache folder that is a link is not used', () => {
    const { bundle, cacheFile } = setUp();
    const elsewhere = ws.mkdir('elsewhere');
    chmodSync(elsewhere, 0o700);
    mkdirSync(ws.path('cache'));
    symlinkSync(elsewhere, path.dirname(cacheFile));
    writeFileSync(path.join(elsewhere, path.basename(cacheFile)), plantedCache(), { mode: 0o600 });
    const { stdout, stderr } = launch(bundle);
    expect(stdout).toBe('honest');
    expect(stderr).toMatch(/is a symbolic link/);
  });

  it("a run process's caches are taken only before it says 'ready' (before any collection's script runs there)", async () => {
    class Runner extends ProcessRunner {
      boot(): WarmProcess {
        return this.spawn(64);
      }
    }
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = ws.path('cache');
    const runner = new Runner(path.resolve('__tests__/support/fake-run-process.mjs'));
    try {
      const warm = runner.boot();
      await warm.ready;
      const sent = new Promise<void>((resolve) => warm.child.on('message', (message: { type?: string }) => message?.type === 'sent' && resolve()));
      warm.child.send({ type: 'go' });
      await sent;
    } finally {
      process.env.XDG_CACHE_HOME = before;
      await runner.close();
    }
    const written = readdirSync(path.join(ws.path('cache'), 'postman-power')).filter((name) => name.endsWith('.v8cache'));
    expect(written).toEqual([`${'a'.repeat(24)}.v8cache`]);
  });
});

const record = passedRecord({ folder: 'F' });
const summary = () => passedSummary();
const mode = (file: string) => lstatSync(file).mode & 0o777;

describe('history', () => {
  it('is written 0600 in 0700 folders, never through a planted link (the history file or a temp name)', async () => {
    const secrets = new SecretSet();
    await recordHistory(ws.dir, summary(), [record], {}, secrets);
    const [name] = readdirSync(ws.path(HISTORY_DIR));
    const file = ws.path(HISTORY_DIR, name);
    expect(mode(file)).toBe(0o600);
    expect(mode(ws.path(HISTORY_DIR))).toBe(0o700);
    expect(mode(ws.path('.postman-power'))).toBe(0o700);

    // A cloned repository's planted links: at the old predictable temp name and at the file itself.
    const victim = ws.write('victim-rc', 'original\n');
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    const other = ws.write('other-victim', 'untouched\n');
    const content = readFileSync(file);
    writeFileSync(file, content);
    await recordHistory(ws.dir, summary(), [record], {}, secrets);
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
    rmSync(file);
    symlinkSync(other, file);
    await recordHistory(ws.dir, summary(), [record], {}, secrets);
    expect(readFileSync(other, 'utf8')).toBe('untouched\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(mode(file)).toBe(0o600);
  });

  it('a history folder that is a link (even inside the workspace) is refused, nothing written through it', async () => {
    const target = ws.mkdir('looks-harmless');
    mkdirSync(ws.path('.postman-power'));
    symlinkSync(target, ws.path(HISTORY_DIR));
    await expect(recordHistory(ws.dir, summary(), [record], {}, new SecretSet())).rejects.toThrow(/history is a symbolic link/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('an own folder others could read is narrowed to 0700 before anything is written in it', async () => {
    mkdirSync(ws.path(HISTORY_DIR), { recursive: true });
    chmodSync(ws.path(HISTORY_DIR), 0o777);
    await recordHistory(ws.dir, summary(), [record], {}, new SecretSet());
    expect(mode(ws.path(HISTORY_DIR))).toBe(0o700);
  });
});

describe('reports', () => {
  it('are 0600 in a 0700 folder; a reports folder that is a link is refused with file_unwritable', async () => {
    const written = await writeReports(ws.dir, summary(), [record], { reporters: ['json', 'junit'] }, new SecretSet());
    for (const file of Object.values(written)) expect(mode(ws.path(file!))).toBe(0o600);
    expect(mode(ws.path('.postman-power', 'reports'))).toBe(0o700);

    const other = createTempWorkspace('Test_Task5_');
    try {
      const target = other.mkdir('inside');
      mkdirSync(other.path('.postman-power'));
      symlinkSync(target, other.path('.postman-power', 'reports'));
      await expect(writeReports(other.dir, summary(), [record], { reporters: ['json'] }, new SecretSet())).rejects.toMatchObject({ code: 'file_unwritable', message: expect.stringMatching(/reports is a symbolic link/) });
      expect(readdirSync(target)).toEqual([]);
    } finally {
      other.cleanup();
    }
  });

  it('a named export replaces a planted link at its path instead of writing through it', async () => {
    const victim = ws.write('victim', 'original\n');
    symlinkSync(victim, ws.path('report.json'));
    await writeReports(ws.dir, summary(), [record], { reporters: ['json'], exports: { json: ws.path('report.json') } }, new SecretSet());
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
    expect(lstatSync(ws.path('report.json')).isFile()).toBe(true);
    expect(mode(ws.path('report.json'))).toBe(0o600);
  });
});
