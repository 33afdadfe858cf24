// The outline of a collection: what an agent needs to see before running it, without the whole JSON.
import { z } from 'zod';
import { closeMatches } from '../did-you-mean.js';
import { excerpt } from '../json-text.js';
import { PowerError } from '../errors.js';
import type { CollectionJson } from '../collection/json.js';
import { scriptEffects, type ScriptEffects } from './script-analysis.js';

export const SourceInfoSchema = z.object({
  kind: z.enum(['cloud', 'local', 'v3-directory']),
  ref: z.string().describe('What was resolved: a UID, id, path or name'),
  path: z.string().optional().describe('Workspace-relative path of a local source'),
  uid: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type SourceInfo = z.infer<typeof SourceInfoSchema>;

export const OutlineSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  source: SourceInfoSchema,
  folder: z.string().optional().describe('The folder the outline is narrowed to'),
  auth: z.string().optional().describe('Collection-level auth type'),
  variables: z.array(z.object({ key: z.string(), value: z.string().optional(), masked: z.boolean().optional() })),
  totals: z.object({ folders: z.number(), requests: z.number(), assertions: z.number().describe('pm.test / tests[...] calls written in scripts (static; a run may execute more or fewer)') }),
  folders: z.array(z.object({ path: z.string(), requests: z.number(), auth: z.string().optional() })),
  requests: z.array(
    z.object({
      folder: z.string().describe('Folder path, "" at the top level'),
      name: z.string(),
      method: z.string(),
      url: z.string().describe('As written, with {{variables}}'),
      assertions: z.number().describe('pm.test / tests[...] calls in its test script'),
      preRequestScript: z.boolean(),
      testScript: z.boolean(),
    }),
  ),
  needs: z
    .object({
      scripts: z.array(z.object({ at: z.string().describe('"collection" or a folder path'), listen: z.enum(['prerequest', 'test']), summary: z.string().describe('What it sets, adds or changes') })),
      missingVariables: z
        .array(z.object({ name: z.string(), usedIn: z.array(z.string()).describe('First requests (paths) that use it') }))
        .describe('{{variables}} used but defined by no collection variable, environment value or script (iteration data may still define them)'),
      setByScripts: z.array(z.string()).describe('Variables scripts set with a literal key (so chained ones are not missing)'),
      flowControl: z.array(z.object({ request: z.string(), uses: z.array(z.string()) })).describe('Requests whose scripts call setNextRequest / skipRequest: the run order is not the collection\'s'),
      withoutAssertions: z.object({ count: z.number(), requests: z.array(z.string()) }).describe('Requests no test checks'),
    })
    .optional()
    .describe('What a run of this collection depends on, read from its scripts and requests'),
  warnings: z.array(z.string()).optional(),
  omitted: z
    .object({ folders: z.number(), requests: z.number(), variables: z.number() })
    .optional()
    .describe('Left out of the lists to keep the answer small (totals stay exact); narrow with folder'),
});
export type Outline = z.infer<typeof OutlineSchema>;

/** The outline's lists are capped so a 100 000-request collection still answers in a few hundred KB. */
export const OUTLINE_LIMITS = { folders: 200, requests: 300, variables: 100 };

interface RawItem {
  id?: string;
  name?: string;
  item?: RawItem[];
  request?: string | { method?: string; url?: string | { raw?: string; host?: string[] | string; path?: string[] | string } };
  event?: Array<{ listen?: string; script?: { exec?: string[] | string } }>;
  auth?: { type?: string };
}

const SECRETISH = /(secret|token|password|passwd|api[_-]?key|authorization|credential)/i;

export function scriptOf(item: { event?: RawItem['event'] }, listen: 'prerequest' | 'test'): string {
  const event = item.event?.find((candidate) => candidate.listen === listen);
  const exec = event?.script?.exec;
  return Array.isArray(exec) ? exec.join('\n') : (exec ?? '');
}

export function countAssertions(script: string): number {
  return (script.match(/\bpm\.test\s*\(|\btests\s*\[/g) ?? []).length;
}

export function urlOf(request: RawItem['request']): string {
  if (!request) return '';
  if (typeof request === 'string') return request;
  const url = request.url;
  if (!url) return '';
  if (typeof url === 'string') return url;
  if (url.raw) return url.raw;
  const host = Array.isArray(url.host) ? url.host.join('.') : (url.host ?? '');
  const pathPart = Array.isArray(url.path) ? url.path.join('/') : (url.path ?? '');
  return `${host}/${pathPart}`;
}

function methodOf(request: RawItem['request']): string {
  return typeof request === 'object' && request?.method ? request.method.toUpperCase() : 'GET';
}

/** Every folder as `A/B` paths, for error messages and narrowing. */
export function folderPaths(items: unknown[], prefix = ''): Array<{ path: string; item: RawItem }> {
  const out: Array<{ path: string; item: RawItem }> = [];
  for (const item of items as RawItem[]) {
    if (Array.isArray(item.item)) {
      const folderPath = prefix ? `${prefix}/${item.name ?? ''}` : (item.name ?? '');
      out.push({ path: folderPath, item });
      out.push(...folderPaths(item.item, folderPath));
    }
  }
  return out;
}

/** Every item (folders and requests) in collection order, with its `A/B/name` path. */
export function itemPaths(items: unknown[]): Array<{ path: string; item: RawItem }> {
  const out: Array<{ path: string; item: RawItem }> = [];
  const stack: Array<{ items: RawItem[]; prefix: string; index: number }> = [{ items: items as RawItem[], prefix: '', index: 0 }];
  while (stack.length) {
    const frame = stack[stack.length - 1];
    if (frame.index >= frame.items.length) {
      stack.pop();
      continue;
    }
    const item = frame.items[frame.index++];
    if (!item || typeof item !== 'object') continue;
    const itemPath = frame.prefix ? `${frame.prefix}/${item.name ?? ''}` : (item.name ?? '');
    out.push({ path: itemPath, item });
    if (Array.isArray(item.item)) stack.push({ items: item.item, prefix: itemPath, index: 0 });
  }
  return out;
}

/**
 * The items a run selects, as newman's `--folder` does: any folder or request, by id, path or name
 * (case-insensitive), several at once, returned in collection order. An unknown one is an error with
 * the close matches.
 */
export function findItems(collection: CollectionJson, wanted: string[]): Array<{ path: string; item: RawItem }> {
  const all = itemPaths(collection.item);
  const chosen = new Set<RawItem>();
  for (const name of wanted) {
    const lower = name.toLowerCase();
    const match =
      all.find((entry) => entry.item.id === name || entry.path === name) ??
      all.find((entry) => entry.path.toLowerCase() === lower || (entry.item.name ?? '').toLowerCase() === lower);
    if (!match) {
      const close = closeMatches(name, all.flatMap((entry) => [entry.item.name ?? '', entry.path]).filter(Boolean));
      const folders = all.filter((entry) => Array.isArray(entry.item.item)).map((entry) => entry.path);
      throw new PowerError('unknown_folder', `No folder or request "${excerpt(name)}" in "${excerpt(collection.info.name)}"`, {
        hint: close.length ? `Did you mean: ${close.join(', ')}?` : folders.length ? `Folders: ${folders.slice(0, 30).join(', ')}` : 'Name a request of the collection, or leave folders out.',
        details: { folders, ...(close.length ? { closeMatches: close } : {}) },
      });
    }
    chosen.add(match.item);
  }
  // Collection order, and an item inside another chosen one runs once, with its parent.
  const inside = new Set<RawItem>();
  for (const entry of all) if (chosen.has(entry.item) && Array.isArray(entry.item.item)) for (const child of itemPaths(entry.item.item)) inside.add(child.item);
  return all.filter((entry) => chosen.has(entry.item) && !inside.has(entry.item));
}

/** Finds a folder by name, path or id; an unknown one is an error listing those that exist. */
export function findFolder(collection: CollectionJson, wanted: string): { path: string; item: RawItem } {
  const folders = folderPaths(collection.item);
  const lower = wanted.toLowerCase();
  const match =
    folders.find((folder) => folder.item.id === wanted || folder.path === wanted) ??
    folders.find((folder) => folder.path.toLowerCase() === lower || (folder.item.name ?? '').toLowerCase() === lower);
  if (!match) {
    throw new PowerError('unknown_folder', `No folder "${excerpt(wanted)}" in "${excerpt(collection.info.name)}"`, {
      hint: folders.length ? `Folders: ${folders.map((folder) => folder.path).join(', ')}` : 'This collection has no folders: leave folder out.',
      details: { folders: folders.map((folder) => folder.path) },
    });
  }
  return match;
}

/** Caps of the `needs` lists (each says how many there were when cut). */
const NEEDS_LIMITS = { scripts: 50, missingVariables: 50, usedIn: 3, flowControl: 50, withoutAssertions: 20 };
const VARIABLE_REFERENCE = /\{\{([^{}]+?)\}\}/g;

/** One line on what a script does: what it sets, adds, sends or changes. */
export function summariseScript(effects: ScriptEffects, source: string): string {
  if (effects.unparsed) return 'does not parse: the sandbox will report a script error';
  const parts: string[] = [];
  if (effects.sets.length) parts.push(`sets ${effects.sets.map((key) => `{{${key}}}`).join(', ')}`);
  if (effects.setsComputed) parts.push('sets variables by computed names');
  if (effects.headers.length) parts.push(`adds header ${effects.headers.join(', ')}`);
  if (effects.sendsRequests) parts.push('sends requests (pm.sendRequest)');
  if (effects.flow.length) parts.push(`changes the run order (${effects.flow.join(', ')})`);
  const lines = source.split('\n').filter((line) => line.trim()).length;
  return parts.length ? parts.join('; ') : `${lines} line${lines === 1 ? '' : 's'}; sets no variables or headers`;
}

/** The {{variables}} a value (a request, an auth block) uses, without Postman's dynamic `{{$guid}}` ones. */
function variablesUsed(value: unknown): string[] {
  if (value === undefined) return [];
  const names = new Set<string>();
  for (const [, name] of JSON.stringify(value).matchAll(VARIABLE_REFERENCE)) if (!name.trim().startsWith('$')) names.add(name.trim());
  return [...names];
}

export function outlineCollection(collection: CollectionJson, source: SourceInfo, folder?: string, defined: string[] = []): Outline {
  const root = folder ? findFolder(collection, folder) : undefined;
  const outline: Outline = {
    name: collection.info.name,
    source,
    variables: [],
    totals: { folders: 0, requests: 0, assertions: 0 },
    folders: [],
    requests: [],
  };
  const description = (collection.info as { description?: unknown }).description;
  const descriptionText = typeof description === 'string' ? description : (description as { content?: string } | undefined)?.content;
  if (descriptionText?.trim()) outline.description = descriptionText.trim().slice(0, 500) + (descriptionText.trim().length > 500 ? '…' : '');
  if (root) outline.folder = root.path;
  const auth = (collection as { auth?: { type?: string } }).auth?.type;
  if (auth) outline.auth = auth;
  const variables = ((collection as { variable?: Array<{ key?: string; value?: unknown; type?: string; disabled?: boolean }> }).variable ?? []).filter((v) => v.key);
  outline.variables = variables.map((variable) => {
    const secret = variable.type === 'secret' || SECRETISH.test(variable.key!);
    const value = variable.value === undefined || variable.value === null ? '' : String(variable.value);
    return secret ? { key: variable.key!, value: value ? '****' : '', masked: true } : { key: variable.key!, value: value.length > 200 ? `${value.slice(0, 200)}…` : value };
  });

  const needs = { scripts: [] as NonNullable<Outline['needs']>['scripts'], flowControl: [] as NonNullable<Outline['needs']>['flowControl'], withoutAssertions: [] as string[] };
  const setByScripts = new Set<string>();
  let computedSets = false;
  const uses = new Map<string, string[]>();
  const use = (names: string[], where: string) => {
    for (const name of names) uses.set(name, [...(uses.get(name) ?? []), where]);
  };
  /** Reads an item's (or the collection's) scripts; lists those of the collection and folders. */
  const readScripts = (owner: { event?: RawItem['event'] }, at: string | undefined): string[] => {
    const flow: string[] = [];
    for (const listen of ['prerequest', 'test'] as const) {
      const script = scriptOf(owner, listen);
      if (!script.trim()) continue;
      const effects = scriptEffects(script);
      for (const key of effects.sets) setByScripts.add(key);
      computedSets ||= effects.setsComputed;
      flow.push(...effects.flow.filter((name) => !flow.includes(name)));
      if (at !== undefined) needs.scripts.push({ at, listen, summary: summariseScript(effects, script) });
    }
    return flow;
  };
  readScripts(collection as { event?: RawItem['event'] }, 'collection');
  use(variablesUsed((collection as { auth?: unknown }).auth), 'collection auth');

  const walk = (items: RawItem[], prefix: string) => {
    for (const item of items) {
      if (Array.isArray(item.item)) {
        const folderPath = prefix ? `${prefix}/${item.name ?? ''}` : (item.name ?? '');
        const before = outline.requests.length;
        outline.totals.folders += 1;
        const entry: Outline['folders'][number] = { path: folderPath, requests: 0 };
        if (item.auth?.type) entry.auth = item.auth.type;
        outline.folders.push(entry);
        readScripts(item, folderPath);
        use(variablesUsed(item.auth), `${folderPath} (auth)`);
        walk(item.item, folderPath);
        entry.requests = outline.requests.length - before;
      } else {
        const tests = scriptOf(item, 'test');
        const assertions = countAssertions(tests);
        const requestPath = prefix ? `${prefix}/${item.name ?? '(unnamed)'}` : (item.name ?? '(unnamed)');
        const flow = readScripts(item, undefined);
        if (flow.length) needs.flowControl.push({ request: requestPath, uses: flow });
        if (assertions === 0) needs.withoutAssertions.push(requestPath);
        use(variablesUsed(item.request), requestPath);
        outline.totals.requests += 1;
        outline.totals.assertions += assertions;
        outline.requests.push({
          folder: prefix,
          name: item.name ?? '(unnamed)',
          method: methodOf(item.request),
          url: urlOf(item.request),
          assertions,
          preRequestScript: scriptOf(item, 'prerequest').trim() !== '',
          testScript: tests.trim() !== '',
        });
      }
    }
  };
  if (root) walk(root.item.item ?? [], root.path);
  else walk(collection.item as RawItem[], '');

  const known = new Set([...defined, ...outline.variables.map((variable) => variable.key), ...setByScripts]);
  const missing = [...uses].filter(([name]) => !known.has(name)).map(([name, where]) => ({ name, usedIn: where.slice(0, NEEDS_LIMITS.usedIn) }));
  outline.needs = {
    scripts: needs.scripts.slice(0, NEEDS_LIMITS.scripts),
    missingVariables: missing.slice(0, NEEDS_LIMITS.missingVariables),
    setByScripts: [...setByScripts].slice(0, OUTLINE_LIMITS.variables),
    flowControl: needs.flowControl.slice(0, NEEDS_LIMITS.flowControl),
    withoutAssertions: { count: needs.withoutAssertions.length, requests: needs.withoutAssertions.slice(0, NEEDS_LIMITS.withoutAssertions) },
  };
  const notes: string[] = [];
  if (missing.length) notes.push(`${missing.length} variable${missing.length === 1 ? ' is' : 's are'} used but defined nowhere (${missing.slice(0, 5).map((m) => `{{${m.name}}}`).join(', ')}${missing.length > 5 ? ', …' : ''}): set them in the environment, pass env_vars, or check iteration data.`);
  if (computedSets && missing.length) notes.push('Some scripts set variables by computed names: a "missing" one may be set at run time.');
  if (needs.flowControl.length) notes.push(`${needs.flowControl.length} request${needs.flowControl.length === 1 ? ' changes' : 's change'} the run order (setNextRequest / skipRequest): the run may not follow the collection's order.`);
  if (missing.length > NEEDS_LIMITS.missingVariables || needs.scripts.length > NEEDS_LIMITS.scripts || needs.flowControl.length > NEEDS_LIMITS.flowControl) notes.push('Some needs lists were cut to their first entries: narrow with folder.');
  if (notes.length) outline.warnings = [...(outline.warnings ?? []), ...notes];
  return capOutline(outline);
}

/** Trims the lists to OUTLINE_LIMITS, saying how much was left out and how to see it. */
function capOutline(outline: Outline): Outline {
  const omitted = {
    folders: Math.max(0, outline.folders.length - OUTLINE_LIMITS.folders),
    requests: Math.max(0, outline.requests.length - OUTLINE_LIMITS.requests),
    variables: Math.max(0, outline.variables.length - OUTLINE_LIMITS.variables),
  };
  if (!omitted.folders && !omitted.requests && !omitted.variables) return outline;
  outline.folders = outline.folders.slice(0, OUTLINE_LIMITS.folders);
  outline.requests = outline.requests.slice(0, OUTLINE_LIMITS.requests);
  outline.variables = outline.variables.slice(0, OUTLINE_LIMITS.variables);
  outline.omitted = omitted;
  const biggest = [...outline.folders].sort((a, b) => b.requests - a.requests).slice(0, 10).map((f) => f.path);
  outline.warnings = [
    ...(outline.warnings ?? []),
    `The outline lists the first ${outline.requests.length} of ${outline.totals.requests} requests and ${outline.folders.length} of ${outline.totals.folders} folders (totals are exact). Narrow it with folder${biggest.length ? `, e.g. one of: ${biggest.join(', ')}` : ''}.`,
  ];
  return outline;
}

/** Host variables the collection's request URLs start with (`{{APIURL}}/users` → APIURL). */
export function hostVariables(collection: CollectionJson): string[] {
  const names = new Set<string>();
  for (const { item } of itemPaths(collection.item)) {
    if (Array.isArray(item.item) || !item.request) continue;
    const match = /^\s*\{\{([^{}]+)\}\}/.exec(urlOf(item.request));
    if (match) names.add(match[1]);
  }
  return [...names];
}
