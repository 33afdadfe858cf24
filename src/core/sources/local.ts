// Local sources: v2.0/v2.1 collection JSON, environment and globals JSON from the workspace.
import path from 'node:path';
import { PowerError } from '../errors.js';
import { CollectionJsonSchema, EnvironmentJsonSchema, type CollectionJson, type EnvironmentJson } from '../postman-api.js';
import { readWorkspaceJson } from './workspace-files.js';

function describeType(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
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
  const record = candidate as Record<string, unknown>;
  if (Array.isArray(record.requests) && !('info' in record)) {
    throw new PowerError('invalid_collection', `${where} is a Postman collection v1, which cannot be run`, {
      hint: 'Open it in Postman and export it again as "Collection v2.1".',
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
  return parsed.data;
}

/** Checks a parsed value is an environment (or globals); Postman API envelopes are unwrapped. */
export function asEnvironment(value: unknown, where: string): EnvironmentJson {
  let candidate = value;
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

export async function loadLocalCollection(root: string, given: string): Promise<{ file: string; collection: CollectionJson }> {
  const { file, value } = await readWorkspaceJson(root, given, 'invalid_collection');
  return { file, collection: asCollection(value, `"${given}"`) };
}

export async function loadLocalEnvironment(root: string, given: string): Promise<{ file: string; environment: EnvironmentJson }> {
  const { file, value } = await readWorkspaceJson(root, given, 'invalid_environment');
  return { file, environment: asEnvironment(value, `"${given}"`) };
}
