// The outline of a collection: what an agent needs to see before running it, without the whole JSON.
import { z } from 'zod';
import { closeMatches } from '../did-you-mean.js';
import { PowerError } from '../errors.js';
import type { CollectionJson } from '../postman-api.js';

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
      throw new PowerError('unknown_folder', `No folder or request "${name}" in "${collection.info.name}"`, {
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
    throw new PowerError('unknown_folder', `No folder "${wanted}" in "${collection.info.name}"`, {
      hint: folders.length ? `Folders: ${folders.map((folder) => folder.path).join(', ')}` : 'This collection has no folders: leave folder out.',
      details: { folders: folders.map((folder) => folder.path) },
    });
  }
  return match;
}

export function outlineCollection(collection: CollectionJson, source: SourceInfo, folder?: string): Outline {
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

  const walk = (items: RawItem[], prefix: string) => {
    for (const item of items) {
      if (Array.isArray(item.item)) {
        const folderPath = prefix ? `${prefix}/${item.name ?? ''}` : (item.name ?? '');
        const before = outline.requests.length;
        outline.totals.folders += 1;
        const entry: Outline['folders'][number] = { path: folderPath, requests: 0 };
        if (item.auth?.type) entry.auth = item.auth.type;
        outline.folders.push(entry);
        walk(item.item, folderPath);
        entry.requests = outline.requests.length - before;
      } else {
        const tests = scriptOf(item, 'test');
        const assertions = countAssertions(tests);
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
