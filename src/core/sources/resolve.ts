// Resolution: a reference in config or a tool argument — a UID, an id, a local path or a name —
// becomes a collection or environment with where it came from. Names match the configured
// workspace's cloud entries and the discovered local files; ambiguity is an error listing candidates.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { classifyReference, type PostmanConfig } from '../config.js';
import { PowerError } from '../errors.js';
import type { ListedEntity, PostmanApiClient } from '../postman-api.js';
import type { CollectionJson, EnvironmentJson } from '../collection/json.js';
import { discoverFiles, type DiscoveredFiles } from './discover.js';
import { asEnvironment, loadLocalCollection, loadLocalEnvironment, readCollectionValue } from './local.js';
import { parseBoundedJson, MAX_FILE_BYTES } from '../files/workspace-files.js';
import type { SourceInfo } from './outline.js';

export interface Resolved<T> {
  value: T;
  source: SourceInfo;
  /** What reading it left out or chose (e.g. v3 requests of kinds that cannot run). */
  warnings?: string[];
}

export type Kind = 'collection' | 'environment';

interface Candidate {
  name: string;
  /** What to load: a workspace-relative path or a cloud UID/id. */
  ref: string;
  cloud: boolean;
}

export interface SourceResolverDeps {
  config: PostmanConfig;
  /** The API client, or an error saying why there is none (no key). */
  api: () => PostmanApiClient;
  /** Hears every collection or environment loaded, before anyone can show it (secrets are registered here). */
  onLoaded?: (kind: Kind, value: CollectionJson | EnvironmentJson) => void;
}

export class SourceResolver {
  private discovered: Promise<DiscoveredFiles> | undefined;

  constructor(private readonly deps: SourceResolverDeps) {}

  get root(): string {
    return this.deps.config.root;
  }

  discover(): Promise<DiscoveredFiles> {
    this.discovered ??= discoverFiles(this.root);
    return this.discovered;
  }

  async resolveCollection(ref?: string): Promise<Resolved<CollectionJson>> {
    const chosen = ref ?? this.deps.config.collection ?? (await this.onlyDiscovered('collection'));
    return this.load('collection', chosen) as Promise<Resolved<CollectionJson>>;
  }

  /**
   * The configured or given environment only (as newman: none unless asked for). Undefined when
   * neither: a run goes without one, and says which environment files it found.
   */
  async resolveEnvironment(ref?: string): Promise<Resolved<EnvironmentJson> | undefined> {
    const chosen = ref ?? this.deps.config.environment;
    if (chosen === undefined) return undefined;
    return this.load('environment', chosen) as Promise<Resolved<EnvironmentJson>>;
  }

  /**
   * A reference a person typed on the command line: an http(s) URL is fetched; a path that exists
   * (relative to `cwd`) is read wherever it is — confinement protects the MCP side, where an agent
   * chooses paths. Undefined when the reference is neither (then it resolves as usual).
   */
  async resolveUserReference(kind: 'collection', ref: string | undefined, cwd: string): Promise<Resolved<CollectionJson> | undefined>;
  async resolveUserReference(kind: 'environment', ref: string | undefined, cwd: string): Promise<Resolved<EnvironmentJson> | undefined>;
  async resolveUserReference(kind: Kind, ref: string | undefined, cwd: string): Promise<Resolved<CollectionJson | EnvironmentJson> | undefined> {
    if (!ref) return undefined;
    if (/^https?:\/\//i.test(ref)) {
      const text = await fetchText(ref);
      const value = parseBoundedJson(text, ref, kind === 'collection' ? 'invalid_collection' : 'invalid_environment');
      const loaded = kind === 'collection' ? readCollectionValue(value, ref, 'collection') : { collection: asEnvironment(value, ref), warnings: [] };
      this.deps.onLoaded?.(kind, loaded.collection);
      return { value: loaded.collection, source: { kind: 'local', ref, path: ref }, ...(loaded.warnings.length ? { warnings: loaded.warnings } : {}) };
    }
    const absolute = path.resolve(cwd, ref);
    if (!(await fs.lstat(absolute).then(() => true, () => false))) {
      // A path that is not there is "not found" here, not "outside the workspace" (no workspace applies).
      if (classifyReference(ref) !== 'path') return undefined;
      throw new PowerError('file_not_found', `No ${kind} file at "${ref}" (looked in ${absolute})`, {
        hint: `Check the path: on the command line it is relative to the current directory (${cwd}). A UID or a name from .postman.json also works.`,
      });
    }
    const dir = path.dirname(absolute);
    const name = path.basename(absolute);
    if (kind === 'environment') {
      const loaded = await loadLocalEnvironment(dir, name);
      this.deps.onLoaded?.(kind, loaded.environment);
      return { value: loaded.environment, source: { kind: 'local', ref, path: loaded.file } };
    }
    const loaded = await loadLocalCollection(dir, name);
    this.deps.onLoaded?.(kind, loaded.collection);
    return { value: loaded.collection, source: { kind: loaded.v3 ? 'v3-directory' : 'local', ref, path: loaded.file }, ...(loaded.warnings.length ? { warnings: loaded.warnings } : {}) };
  }

  /** The environment files in the workspace, by name, for "ran without an environment; found: …". */
  async discoveredEnvironmentNames(): Promise<string[]> {
    const files = (await this.discover()).environments;
    return files.map((file) => path.posix.basename(file).replace(/(\.postman_environment)?\.json$|\.environment\.ya?ml$/i, ''));
  }

  private async onlyDiscovered(kind: 'collection'): Promise<string> {
    const files = (await this.discover())[kind === 'collection' ? 'collections' : 'environments'];
    if (files.length === 1) return files[0];
    if (files.length === 0) {
      throw new PowerError('nothing_configured', `No ${kind} is configured, given, or found in ${this.root}`, {
        hint: `Pass ${kind} (a UID, path or name), set "${kind}" in .postman.json, or export the ${kind} from Postman into postman/${kind}s/.`,
      });
    }
    throw new PowerError('ambiguous_reference', `No ${kind} is configured and ${files.length} were found`, {
      hint: `Pass ${kind} with one of: ${files.join(', ')} — or set "${kind}" in .postman.json.`,
      details: { candidates: files },
    });
  }

  private async load(kind: Kind, ref: string): Promise<Resolved<CollectionJson | EnvironmentJson>> {
    const refKind = classifyReference(ref);
    const loaded = refKind === 'uid' || refKind === 'id' ? await this.loadCloud(kind, ref) : refKind === 'path' ? await this.loadLocal(kind, ref) : await this.loadByName(kind, ref);
    this.deps.onLoaded?.(kind, loaded.value);
    return loaded;
  }

  private async loadCloud(kind: Kind, ref: string, updatedAt?: string): Promise<Resolved<CollectionJson | EnvironmentJson>> {
    const api = this.deps.api();
    const value = kind === 'collection' ? await api.getCollection(ref) : await api.getEnvironment(ref);
    const stamp = updatedAt ?? (kind === 'collection' ? (value as CollectionJson).info.updatedAt : (value as EnvironmentJson).updatedAt);
    return { value, source: { kind: 'cloud', ref, uid: ref, ...(stamp ? { updatedAt: stamp } : {}) } };
  }

  private async loadLocal(kind: Kind, ref: string): Promise<Resolved<CollectionJson | EnvironmentJson>> {
    const relative = (file: string) => path.relative(this.root, file).split(path.sep).join('/');
    if (kind === 'environment') {
      const loaded = await loadLocalEnvironment(this.root, ref);
      return { value: loaded.environment, source: { kind: 'local', ref, path: relative(loaded.file) } };
    }
    const loaded = await loadLocalCollection(this.root, ref);
    return {
      value: loaded.collection,
      source: { kind: loaded.v3 ? 'v3-directory' : 'local', ref, path: relative(loaded.file) },
      ...(loaded.warnings.length ? { warnings: loaded.warnings } : {}),
    };
  }

  private async candidates(kind: Kind): Promise<Candidate[]> {
    const files = (await this.discover())[kind === 'collection' ? 'collections' : 'environments'];
    const local: Candidate[] = [];
    for (const file of files.slice(0, 100)) {
      const stem = path.posix.basename(file).replace(/(\.postman_(collection|environment))?\.json$|\.environment\.ya?ml$/i, '');
      let name = stem;
      try {
        const loaded = kind === 'collection' ? (await loadLocalCollection(this.root, file)).collection.info.name : (await loadLocalEnvironment(this.root, file)).environment.name;
        name = loaded;
      } catch {
        // A broken file still matches by its file name; loading it reports the problem.
      }
      local.push({ name, ref: file, cloud: false });
      if (stem !== name) local.push({ name: stem, ref: file, cloud: false });
    }
    const { config } = this.deps;
    let cloud: Candidate[] = [];
    if (config.apiKey && config.workspaceId) {
      const api = this.deps.api();
      const listed: ListedEntity[] = kind === 'collection' ? await api.listCollections(config.workspaceId) : await api.listEnvironments(config.workspaceId);
      cloud = listed.map((entity) => ({ name: entity.name, ref: entity.uid ?? entity.id, cloud: true }));
    }
    return [...local, ...cloud];
  }

  private async loadByName(kind: Kind, name: string): Promise<Resolved<CollectionJson | EnvironmentJson>> {
    const all = await this.candidates(kind);
    const wanted = name.toLowerCase();
    const matches = [...new Map(all.filter((candidate) => candidate.name.toLowerCase() === wanted).map((c) => [c.ref, c])).values()];
    if (matches.length === 1) {
      const [match] = matches;
      const resolved = match.cloud ? await this.loadCloud(kind, match.ref) : await this.loadLocal(kind, match.ref);
      return { ...resolved, source: { ...resolved.source, ref: name } };
    }
    if (matches.length > 1) {
      throw new PowerError('ambiguous_reference', `"${name}" matches ${matches.length} ${kind}s`, {
        hint: `Name one by its path or UID: ${matches.map((m) => `${m.ref}${m.cloud ? ' (cloud)' : ''}`).join(', ')}`,
        details: { candidates: matches.map((m) => m.ref) },
      });
    }
    const known = [...new Set(all.map((candidate) => candidate.name))];
    throw new PowerError('not_found', `No ${kind} named "${name}"`, {
      hint: known.length
        ? `Known ${kind}s: ${known.slice(0, 20).join(', ')}. A reference may also be a UID (12345678-…) or a path.`
        : `Nothing to match: no local ${kind} files${config(this.deps.config)}. Give a UID or a path.`,
    });
  }
}

function config(cfg: PostmanConfig): string {
  return cfg.apiKey && cfg.workspaceId ? '' : ' and no workspace with an API key to search';
}

/** GET a URL's body as text (the CLI's http(s) collection, environment or data), capped and timed out. */
export async function fetchText(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000), redirect: 'follow' });
  } catch (cause) {
    throw new PowerError('network_error', `Cannot fetch ${url}: ${(cause as Error).message}`, { hint: 'Check the URL and that the server is reachable.', cause });
  }
  if (!response.ok) throw new PowerError('not_found', `${url} answered ${response.status}`, { hint: 'Check the URL.' });
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_FILE_BYTES) throw new PowerError('response_too_large', `${url} is ${length} bytes; the limit is ${MAX_FILE_BYTES}`, { hint: 'Download it and split it.' });
  const text = await response.text();
  if (text.length > MAX_FILE_BYTES) throw new PowerError('response_too_large', `${url} is over ${MAX_FILE_BYTES} bytes`, { hint: 'Download it and split it.' });
  return text;
}
