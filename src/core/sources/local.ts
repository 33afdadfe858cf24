// Local sources: v2.0/v2.1 collection JSON, environment and globals JSON from the workspace.
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PowerError } from '../errors.js';
import { CollectionJsonSchema, EnvironmentJsonSchema, type CollectionJson, type EnvironmentJson } from '../collection/json.js';
import { readV3Collection, readV3Environment } from './v3-collection.js';
import { MAX_FOLDER_NESTING } from '../bounds.js';
import { readWorkspaceJson, resolveInsideRoot } from '../files/workspace-files.js';

function describeType(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

/** postman-collection-transformer, loaded only when a v1 collection turns up. */
const requireCjs = createRequire(import.meta.url);

/** A v1 collection converted to v2.1 with Postman's own converter, as newman does. */
function convertV1(value: Record<string, unknown>, where: string): unknown {
  const transformer = requireCjs('postman-collection-transformer') as {
    convert(input: unknown, options: { inputVersion: string; outputVersion: string; retainIds: boolean }, callback: (error: Error | null, result: unknown) => void): void;
  };
  let converted: unknown;
  let failure: Error | null = null;
  // The converter calls back synchronously.
  try {
    transformer.convert(value, { inputVersion: '1.0.0', outputVersion: '2.1.0', retainIds: true }, (error, result) => {
      failure = error;
      converted = result;
    });
  } catch (error) {
    failure = error as Error;
  }
  if (failure || !converted) {
    throw new PowerError('invalid_collection', `${where} is a Postman collection v1 that could not be converted: ${(failure as Error | null)?.message ?? 'no result'}`, {
      hint: 'Open it in Postman and export it again as "Collection v2.1".',
    });
  }
  return converted;
}

/**
 * A collection as newman reads it: v2.x as is, v1 converted (with a warning), and `{item: […]}`
 * without `info` named after its file. Returns the warnings about what was done.
 */
export function readCollectionValue(value: unknown, where: string, fileStem: string): { collection: CollectionJson; warnings: string[] } {
  const warnings: string[] = [];
  let candidate = value;
  if (candidate && typeof candidate === 'object' && 'collection' in candidate && !('info' in candidate) && !('item' in candidate)) {
    candidate = (candidate as { collection: unknown }).collection;
  }
  if (candidate && typeof candidate === 'object' && !Array.isArray(candidate)) {
    const record = candidate as Record<string, unknown>;
    if (Array.isArray(record.requests) && !('info' in record)) {
      candidate = convertV1(record, where);
      warnings.push(`${where} is a Postman collection v1 (deprecated); it was converted to v2.1 to run. Export it again from Postman as v2.1.`);
    } else if (Array.isArray(record.item) && !('info' in record)) {
      candidate = { ...record, info: { name: typeof record.name === 'string' ? record.name : fileStem, schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' } };
    }
  }
  return { collection: asCollection(candidate, where), warnings };
}

/** Checks a parsed value is a v2.x collection; a Postman API envelope `{collection: …}` is unwrapped. */
export function asCollection(value: unknown, where: string): CollectionJson {
  let candidate = value;
  if (candidate && typeof candidate === 'object' && 'collection' in candidate && !('info' in candidate)) {
    candidate = (candidate as { collection: unknown }).collection;
  }
  if (!candidate || typeof candidate !== 'object' || Array.isArray(candidate)) {
    throw new PowerError('invalid_collection', `${where} holds ${describeType(candidate)}, not a collection object`, {
      hint: 'Export the collection from Postman as "Collection v2.1" JSON.',
    });
  }
  const parsed = CollectionJsonSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PowerError('invalid_collection', `${where} is not a v2.x collection: ${issue.path.join('.') || '(root)'} ${issue.message.replace(/^Invalid input: /, '')}`, {
      hint: 'A collection needs `info.name` and an `item` array; export it from Postman as "Collection v2.1".',
      details: { issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  const depth = nestingDepth(parsed.data.item);
  if (depth > MAX_FOLDER_NESTING) {
    throw new PowerError('invalid_collection', `${where} nests folders ${depth} levels deep; the limit is ${MAX_FOLDER_NESTING}`, {
      hint: 'Flatten the folder structure: no real collection needs that depth, and runners overflow their stack on it.',
      details: { limit: MAX_FOLDER_NESTING },
    });
  }
  return parsed.data;
}

function nestingDepth(items: unknown[]): number {
  // Iterative, so a hostile depth cannot overflow the stack here either.
  let deepest = 0;
  const stack: Array<{ items: unknown[]; depth: number }> = [{ items, depth: 1 }];
  while (stack.length) {
    const { items: level, depth } = stack.pop()!;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_FOLDER_NESTING) return deepest;
    for (const item of level) {
      const children = (item as { item?: unknown })?.item;
      if (Array.isArray(children)) stack.push({ items: children, depth: depth + 1 });
    }
  }
  return deepest;
}

/** Checks a parsed value is an environment (or globals); Postman API envelopes are unwrapped. */
export function asEnvironment(value: unknown, where: string): EnvironmentJson {
  // A bare array of variables: an older Postman export newman reads as the scope's values.
  let candidate = Array.isArray(value) ? { values: value } : value;
  if (candidate && typeof candidate === 'object' && !('values' in candidate)) {
    const record = candidate as Record<string, unknown>;
    candidate = record.environment ?? record.globals ?? candidate;
  }
  if (candidate && typeof candidate === 'object' && !('name' in candidate) && 'values' in candidate) {
    candidate = { ...(candidate as object), name: path.basename(where).replace(/\.(postman_)?(environment|globals)?\.?json$/i, '') || 'globals' };
  }
  const parsed = EnvironmentJsonSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PowerError('invalid_environment', `${where} is not a Postman environment: ${issue.path.join('.') || '(root)'} ${issue.message.replace(/^Invalid input: /, '')}`, {
      hint: 'An environment needs `name` and a `values` array of {key, value}; export it from Postman.',
    });
  }
  return parsed.data;
}

export interface LocalCollection {
  file: string;
  collection: CollectionJson;
  /** A v3 YAML directory rather than a v2.x JSON file. */
  v3: boolean;
  warnings: string[];
}

/** A v2.x JSON file, or a Postman v12 (v3 YAML) collection directory. */
export async function loadLocalCollection(root: string, given: string): Promise<LocalCollection> {
  const real = await resolveInsideRoot(root, given);
  if ((await fs.stat(real)).isDirectory()) {
    const { collection, warnings } = await readV3Collection(root, real);
    return { file: real, collection, v3: true, warnings };
  }
  const { file, value } = await readWorkspaceJson(root, given, 'invalid_collection');
  const { collection, warnings } = readCollectionValue(value, `"${given}"`, path.basename(file).replace(/(\.postman_collection)?\.json$/i, ''));
  return { file, collection, v3: false, warnings };
}

/** A v2.x JSON environment/globals file, or a v3 `*.environment.yaml` / `*.globals.yaml`. */
export async function loadLocalEnvironment(root: string, given: string): Promise<{ file: string; environment: EnvironmentJson }> {
  if (/\.ya?ml$/i.test(given)) {
    const real = await resolveInsideRoot(root, given);
    return { file: real, environment: asEnvironment(await readV3Environment(root, real), `"${given}"`) };
  }
  const { file, value } = await readWorkspaceJson(root, given, 'invalid_environment');
  return { file, environment: asEnvironment(value, `"${given}"`) };
}
