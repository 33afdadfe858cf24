// Cold start. `dist/cli.js` (written by scripts/bundle.mjs) calls `launch` on the bundled CLI,
// dist/postman-power.cjs: one file instead of hundreds of modules, compiled with a V8 code cache
// when one is there (Node 20 has no module compile cache; vm.Script's cachedData is the same thing
// by hand). V8 checks little of a cache it is given, so a cache is code: it runs only when it is
// authenticated. Each cache file carries an HMAC (key: 32 random bytes in a 0600 file only this user
// can write) over the bundle's hash, Node, the platform and the cache bytes; a cache that fails the
// check is rebuilt, never run. The folder lives in the user's own cache directory and must be a
// real folder of this user's that nobody else can write, else there is no cache (one stderr line).
// Anything unexpected falls back to compiling without it; nothing here writes to stdout.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { makeFolders } from './core/files/make-folders.js';
import { currentUid, privateFolderSync, readPrivateFileSync, replaceFileSync } from './core/files/private-files.js';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

/** Compile time after which the cache is written: startup has compiled what a session needs. */
const WRITE_CACHE_AFTER_MS = 1_000;
/**
 * Caches kept: each build (each upgrade) writes its own, about a megabyte. The most recently written
 * stay, so a few versions in use side by side keep theirs; one pruned rewrites itself at its next start.
 */
const CACHES_KEPT = 4;
const KEY_FILE = 'cache.key';
const KEY_BYTES = 32;
const MAC_BYTES = 32;
/** A cache larger than this is not one of ours (the bundle's is about a megabyte). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

function cacheDirectory(): string {
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined) || path.join(os.homedir(), '.cache');
  return path.join(base, 'postman-power');
}

/** The bundle's identity on this Node and platform: what a cache is made for. */
function bundleIdentity(source: string): Buffer {
  return createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}\0${process.platform}`).digest();
}

/** A cache file named for this bundle on this Node and platform. */
export function codeCachePath(bundle: string, source: string, identity = bundleIdentity(source)): string {
  return path.join(cacheDirectory(), `${identity.toString('hex').slice(0, 24)}.v8cache`);
}

const warn = (text: string): void => void process.stderr.write(`[postman-power] warning: ${text}\n`);

/** The folder for caches and its key, or undefined (said once on stderr) when it is not safely this user's. */
function cacheKey(directory: string): Buffer | undefined {
  try {
    makeFolders(path.dirname(directory));
  } catch {
    return undefined;
  }
  const reason = privateFolderSync(directory);
  if (reason) {
    warn(`no code cache: ${directory} ${reason}; starting without one (remove the folder, or set POSTMAN_POWER_CODE_CACHE=0)`);
    return undefined;
  }
  const file = path.join(directory, KEY_FILE);
  const existing = readPrivateFileSync(file, KEY_BYTES);
  if (existing?.length === KEY_BYTES) return existing;
  try {
    // A missing, foreign or broken key is replaced; the caches it signed fail their check and are rebuilt.
    const key = randomBytes(KEY_BYTES);
    replaceFileSync(file, key);
    return key;
  } catch {
    return undefined;
  }
}

const mac = (key: Buffer, identity: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(identity).update(data).digest();

/** The cache's V8 bytes when its MAC holds for this bundle, else undefined. */
function readCache(file: string, key: Buffer, identity: Buffer): Buffer | undefined {
  const content = readPrivateFileSync(file, MAX_CACHE_BYTES);
  if (!content || content.length <= MAC_BYTES) return undefined;
  const data = content.subarray(MAC_BYTES);
  return timingSafeEqual(content.subarray(0, MAC_BYTES), mac(key, identity, data)) ? data : undefined;
}

function writeCache(file: string, key: Buffer, identity: Buffer, data: Buffer): void {
  try {
    replaceFileSync(file, Buffer.concat([mac(key, identity, data), data]));
    pruneCaches(path.dirname(file));
  } catch {
    // A read-only home or a full disk: the next start compiles without a cache, as now.
  }
}

/** Removes this user's caches (files, not links) beyond the CACHES_KEPT most recently written. */
function pruneCaches(directory: string): void {
  const uid = currentUid();
  const caches = readdirSync(directory)
    .filter((name) => name.endsWith('.v8cache'))
    .map((name) => {
      const file = path.join(directory, name);
      return { file, stat: lstatSync(file) };
    })
    .filter(({ stat }) => stat.isFile() && (uid === undefined || stat.uid === uid))
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs);
  for (const { file } of caches.slice(CACHES_KEPT)) unlinkSync(file);
}

/** Runs the CommonJS bundle at `bundle` as the main program. */
export function launch(bundle: string): void {
  const source = readFileSync(bundle, 'utf8');
  const identity = bundleIdentity(source);
  const cacheFile = process.env.POSTMAN_POWER_CODE_CACHE === '0' ? undefined : codeCachePath(bundle, source, identity);
  const key = cacheFile ? cacheKey(path.dirname(cacheFile)) : undefined;
  const cachedData = cacheFile && key ? readCache(cacheFile, key, identity) : undefined;
  const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (cacheFile && key && (!cachedData || script.cachedDataRejected)) {
    setTimeout(() => writeCache(cacheFile, key, identity, script.createCachedData()), WRITE_CACHE_AFTER_MS).unref();
  }
  const module = { exports: {} as unknown, filename: bundle, id: '.', loaded: false };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
}
