// The binary launches the bundled server with a V8 code cache kept in the user's own cache
// directory: written once a session has started, used by the next start, and never taken from a
// file another account owns or that V8 rejects — in every case the server answers as usual.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, watch, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { CACHES_KEPT } from '../../src/core/files/code-cache.js';
import { listToolsOver, spawnServer } from '../support/raw-stdio.js';
import { createTempWorkspace, type TempWorkspace } from '../support/temp-workspace.js';

let ws: TempWorkspace;
beforeAll(() => {
  ws = createTempWorkspace('Test_Task5_');
  mkdirSync(path.join(ws.dir, 'cache'));
});
afterAll(() => ws.cleanup());

const cacheDir = (home = 'cache') => path.join(ws.dir, home, 'postman-power');
const cacheFiles = (home = 'cache') => (existsSync(cacheDir(home)) ? readdirSync(cacheDir(home)).filter((name) => name.endsWith('.v8cache')).map((name) => path.join(cacheDir(home), name)) : []);

/** Resolves with the cache file once one matching `accept` is in place (watched, not polled). */
function cacheWritten(accept: (stat: Stats, file: string) => boolean, home = 'cache'): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      // The server prunes older caches while this looks: a file listed a moment ago may be gone.
      const found = cacheFiles(home).find((file) => {
        const stat = statSync(file, { throwIfNoEntry: false });
        return stat !== undefined && accept(stat, file);
      });
      if (!found) return;
      stop();
      resolve(found);
    };
    const watcher = watch(path.join(ws.dir, home), { recursive: true }, check);
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no code cache was written'));
    }, 30_000);
    const stop = () => {
      clearTimeout(timer);
      watcher.close();
    };
    check();
  });
}

/** Starts the server, lists its tools, keeps it running until `until` settles, and returns the tool names. */
async function startAndList(until: Promise<unknown> = Promise.resolve(), home = 'cache'): Promise<string[]> {
  const server = spawnServer(ws.dir, { XDG_CACHE_HOME: path.join(ws.dir, home) });
  try {
    const list = await listToolsOver(server);
    expect(server.junk).toEqual([]);
    await until;
    return (list.result.tools as Array<{ name: string }>).map((tool) => tool.name).sort();
  } finally {
    await server.close();
  }
}

it('writes a private code cache, then starts from it with the same answers; a broken or foreign cache is replaced, not used', async () => {
  const first = await startAndList(cacheWritten(() => true));
  expect(first).toContain('run_collection');
  const [file] = cacheFiles();
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);

  expect(await startAndList()).toEqual(first);

  // Bytes V8 rejects: the server answers as usual and the file is rewritten.
  writeFileSync(file, Buffer.alloc(64, 7));
  expect(await startAndList(cacheWritten((stat) => stat.size > 1000))).toEqual(first);

  // A cache another account owns is never read: it is replaced by one of this user's.
  if (process.getuid?.() === 0) {
    chownSync(file, 4242, 4242);
    chmodSync(file, 0o644);
    expect(await startAndList(cacheWritten((stat) => stat.uid === 0))).toEqual(first);
  }
}, 120_000);

it("keeps the most recently written caches (each build, each run process's flags write their own), never another account's", async () => {
  mkdirSync(cacheDir('older-builds'), { recursive: true, mode: 0o700 });
  // Caches of earlier builds, two more than are kept, written one day apart.
  const day = 24 * 60 * 60;
  const older = Array.from({ length: CACHES_KEPT + 2 }, (_, index) => {
    const file = path.join(cacheDir('older-builds'), `build${index}.v8cache`);
    writeFileSync(file, Buffer.alloc(64, index), { mode: 0o600 });
    const written = Date.now() / 1000 - (index + 1) * day;
    utimesSync(file, written, written);
    return file;
  });
  const foreign = process.getuid?.() === 0 ? older[CACHES_KEPT + 1]! : undefined;
  if (foreign) chownSync(foreign, 4242, 4242);
  await startAndList(cacheWritten((_stat, file) => !older.includes(file), 'older-builds'), 'older-builds');
  const kept = cacheFiles('older-builds').sort();
  // This build's caches (the server's bundle's and, loaded once the server was idle, its core's, written
  // at the latest as it exits) and the most recent earlier ones (and another account's, untouched).
  const written = kept.filter((file) => !older.includes(file));
  expect(written).toHaveLength(2);
  expect(kept.filter((file) => older.includes(file))).toEqual([...older.slice(0, CACHES_KEPT - written.length), ...(foreign ? [foreign] : [])].sort());
}, 60_000);

it("the server's bundle carries only its front: the client, the tools and the config come from the CLI's bundle when first needed", () => {
  const sources = (bundle: string) => (JSON.parse(readFileSync(path.resolve('dist', `${bundle}.map`), 'utf8')) as { sources: string[] }).sources.filter((source) => !source.includes('node_modules'));
  const front = sources('postman-power-server.cjs');
  const core = ['src/server-core.ts', 'src/core/power-client.ts', 'src/tools/define-tool.ts', 'src/tools/index.ts', 'src/core/config.ts', 'src/core/results/format.ts'];
  // Taken from the other bundle: named, not carried.
  expect(front.filter((source) => source.startsWith('postman-power-core:'))).toEqual(expect.arrayContaining(['postman-power-core:src/server-core.ts']));
  expect(front.filter((source) => core.some((file) => source === `../${file}`))).toEqual([]);
  expect(sources('postman-power.cjs')).toEqual(expect.arrayContaining(core.map((file) => `../${file}`)));
});

it("a binary whose CLI bundle is missing says so with what to do: the CLI exits 2, the server answers the handshake, a tool call gets the error, and it keeps serving", async () => {
  const broken = path.join(ws.dir, 'broken-install');
  mkdirSync(broken);
  for (const file of ['cli.cjs', 'postman-power-server.cjs']) copyFileSync(path.resolve('dist', file), path.join(broken, file));
  const cli = spawnSync(process.execPath, [path.join(broken, 'cli.cjs'), '--version'], { encoding: 'utf8', timeout: 20_000 });
  expect(cli.status).toBe(2);
  expect(cli.stderr).toMatch(/could not load .*postman-power\.cjs \(ENOENT\)\. Reinstall postman-power/);
  const server = spawnServer(ws.dir, { XDG_CACHE_HOME: path.join(ws.dir, 'cache') }, [path.join(broken, 'cli.cjs')]);
  try {
    expect((await listToolsOver(server)).result.tools.length).toBeGreaterThan(0);
    server.send({ jsonrpc: '2.0', id: 'call', method: 'tools/call', params: { name: 'activate_power', arguments: {} } });
    expect((await server.waitFor((message) => message.id === 'call')).error.message).toMatch(/Reinstall postman-power/);
    server.send({ jsonrpc: '2.0', id: 'again', method: 'tools/list' });
    expect((await server.waitFor((message) => message.id === 'again')).result.tools.length).toBeGreaterThan(0);
  } finally {
    await server.close();
  }
});
