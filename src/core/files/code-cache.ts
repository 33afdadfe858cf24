// V8 code caches, authenticated. V8 checks little of a cache it is given (a version, the flags, the
// source's length), so a cache is code: it is used only when it carries a valid HMAC. The key is 32
// random bytes in a 0600 file only this user can write; each cache file is
// `HMAC-SHA256(key, identity ‖ cache bytes) ‖ cache bytes`, where the identity is a hash of the source
// it was made from, Node, the platform and the V8 flags that decide whether V8 accepts it. The folder
// lives in the user's cache directory and must be a real folder of this user's that nobody else can
// write, else there is no cache (said once on stderr). Used by the launcher (the CLI and server bundle)
// and by run processes (the engine bundle, postman-sandbox's boot code), which only read: their
// caches are written by the server or CLI that started them (engine/process-runner.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { lstatSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { makeFolders } from './make-folders.js';
import { currentUid, foreignFolderReason, privateFolderSync, readPrivateFileSync, replaceFileSync } from './private-files.js';

/**
 * Caches kept: each build (each upgrade, each set of V8 flags) writes its own, one per compiled file
 * (the server's bundle, the CLI's, the run process's, the sandbox's boot code), up to a few megabytes
 * each. The most recently written stay; one pruned rewrites itself at its next start.
 */
export const CACHES_KEPT = 12;
const KEY_FILE = 'cache.key';
const KEY_BYTES = 32;
const MAC_BYTES = 32;
/** A cache larger than this is not one of ours (the engine bundle's is under a megabyte). */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;

export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || (process.platform === 'win32' ? env.LOCALAPPDATA : undefined) || path.join(os.homedir(), '.cache');
  return path.join(base, 'postman-power');
}

/**
 * What a cache is made for: this source (or the source whose SHA-256 a build recorded) on this Node,
 * platform and V8 flags (`flags`).
 */
export function codeIdentity(source: string | { sha256: string }, flags: readonly string[] = []): Buffer {
  const hash = createHash('sha256');
  if (typeof source === 'string') hash.update(source);
  else hash.update(`sha256:${source.sha256}`);
  return hash.update(`\0${process.version}\0${process.arch}\0${process.platform}\0${flags.join(' ')}`).digest();
}

/** Where the cache made for `identity` lives in `directory`. */
export const codeCacheFile = (directory: string, identity: Buffer): string => path.join(directory, `${identity.toString('hex').slice(0, 24)}.v8cache`);

const mac = (key: Buffer, identity: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(identity).update(data).digest();

const warn = (text: string): void => void process.stderr.write(`[postman-power] warning: ${text}\n`);

export class CodeCache {
  constructor(
    readonly directory: string,
    private readonly key: Buffer,
  ) {}

  /** The file of the cache made for `identity`. */
  file(identity: Buffer): string {
    return codeCacheFile(this.directory, identity);
  }

  /** The cache's V8 bytes when its MAC holds for `identity`, else undefined. */
  read(identity: Buffer): Buffer | undefined {
    const content = readPrivateFileSync(this.file(identity), MAX_CACHE_BYTES);
    if (!content || content.length <= MAC_BYTES) return undefined;
    const data = content.subarray(MAC_BYTES);
    return timingSafeEqual(content.subarray(0, MAC_BYTES), mac(this.key, identity, data)) ? data : undefined;
  }

  /** Writes (replaces) the cache for `identity`; a read-only home or a full disk leaves none. */
  write(identity: Buffer, data: Buffer): void {
    if (data.length === 0 || data.length > MAX_CACHE_BYTES) return;
    try {
      replaceFileSync(this.file(identity), Buffer.concat([mac(this.key, identity, data), data]));
      this.prune();
    } catch {
      // The next start compiles without a cache, as now.
    }
  }

  /** Removes this user's caches (files, not links) beyond the CACHES_KEPT most recently written. */
  private prune(): void {
    const uid = currentUid();
    const caches = readdirSync(this.directory)
      .filter((name) => name.endsWith('.v8cache'))
      .map((name) => {
        const file = path.join(this.directory, name);
        return { file, stat: lstatSync(file) };
      })
      .filter(({ stat }) => stat.isFile() && (uid === undefined || stat.uid === uid))
      .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs);
    for (const { file } of caches.slice(CACHES_KEPT)) unlinkSync(file);
  }
}

/**
 * A built file named by the SHA-256 its build recorded, with its size and time, so a file rewritten
 * since is another source: a start need not hash megabytes to find its cache (compileWithCache's
 * `knownSource`).
 */
export function builtSource(file: string, sha256: string): { sha256: string } {
  const { size, mtimeMs } = statSync(file);
  return { sha256: `${sha256} ${size} ${mtimeMs}` };
}

export interface CompiledWithCache {
  script: vm.Script;
  /** There was no valid cache to use, and `fresh` has not made one yet. */
  readonly stale: boolean;
  /** The new cache, once (undefined when there was a valid one, or it was already made). */
  fresh: () => { identity: Buffer; data: Buffer } | undefined;
}

/**
 * Compiles `source` (as `filename`) with the cache made for it, and for the V8 `flags` the process runs
 * with when they differ from one start to another, when there is a valid one. Call `fresh` once the
 * script has compiled what matters. `knownSource` names the source by a hash its build recorded
 * (with its size and time, so a file rewritten since is another source) instead of hashing it here.
 */
export function compileWithCache(source: string, options: { filename: string; cache: CodeCache | undefined; flags?: readonly string[]; knownSource?: { sha256: string } }): CompiledWithCache {
  const { cache, flags = [] } = options;
  const identity = cache ? codeIdentity(options.knownSource ?? source, flags) : undefined;
  const cachedData = cache && identity ? cache.read(identity) : undefined;
  const script = new vm.Script(source, { filename: options.filename, ...(cachedData ? { cachedData } : {}) });
  let stale = identity !== undefined && (!cachedData || script.cachedDataRejected === true);
  return {
    script,
    get stale() {
      return stale;
    },
    fresh: () => {
      if (!stale || !identity) return undefined;
      stale = false;
      return { identity, data: script.createCachedData() };
    },
  };
}

/**
 * This user's code caches: the folder made and checked, the key made when missing. Undefined (said
 * once on stderr) when the folder is not safely this user's; POSTMAN_POWER_CODE_CACHE=0 turns caches off.
 */
export function openCodeCache(directory = cacheDirectory()): CodeCache | undefined {
  if (process.env.POSTMAN_POWER_CODE_CACHE === '0') return undefined;
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
  if (existing?.length === KEY_BYTES) return new CodeCache(directory, existing);
  try {
    // A missing, foreign or broken key is replaced; the caches it signed fail their check and are rebuilt.
    const key = randomBytes(KEY_BYTES);
    replaceFileSync(file, key);
    return new CodeCache(directory, key);
  } catch {
    return undefined;
  }
}

/**
 * The caches a run process may read (it writes nothing): the same folder and key, checked the same
 * way, without making either. Undefined when there is none yet or the folder is not safely this user's.
 */
export function readOnlyCodeCache(directory = cacheDirectory()): CodeCache | undefined {
  if (process.env.POSTMAN_POWER_CODE_CACHE === '0') return undefined;
  try {
    if (foreignFolderReason(lstatSync(directory))) return undefined;
  } catch {
    return undefined;
  }
  const key = readPrivateFileSync(path.join(directory, KEY_FILE), KEY_BYTES);
  return key?.length === KEY_BYTES ? new CodeCache(directory, key) : undefined;
}
