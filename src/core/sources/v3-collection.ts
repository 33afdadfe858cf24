// Postman v12 git-native collections (schema 3.0.0): a directory of YAML files, read into a v2.1
// collection in memory so postman-runtime can run it. The mapping follows shared/COLLECTION-V3.md;
// where Postman documents nothing (example files, ordering ties), the choice is said where it is made.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { assertValueBounds, MAX_FOLDER_NESTING } from '../bounds.js';
import { PowerError } from '../errors.js';
import type { CollectionJson, EnvironmentJson } from '../collection/json.js';
import { readConfinedFile, resolveInsideRoot } from '../files/workspace-files.js';

const SCHEMA_V21 = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const REQUEST_RE = /\.request\.ya?ml$/i;
const RAW_LANGUAGES: Record<string, string> = { json: 'json', text: 'text', xml: 'xml', html: 'html', javascript: 'javascript' };

/** The v2.1 JSON this module builds (output only: inputs are parsed by the schemas below). */
type Yaml = Record<string, any>;

// ---------- the v3 files, as schemas (every YAML file is parsed by one of these) ----------
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const KeyValueEntry = z.looseObject({
  key: Scalar,
  value: z.unknown().optional(),
  description: z.string().nullish(),
  disabled: z.boolean().optional(),
  enabled: z.boolean().optional(),
  type: z.string().optional(),
  src: z.unknown().optional(),
  contentType: z.string().optional(),
});
/** `Key: value` maps and `[{key, value, …}]` lists are both written. */
const KeyValues = z.union([z.array(z.union([KeyValueEntry, z.null()])), z.record(z.string(), z.unknown())]).nullish();
const AuthEntry = z.looseObject({ type: z.string().optional(), name: z.string().optional(), credentials: KeyValues });
const Auth = z.union([AuthEntry, z.array(AuthEntry)]).nullish();
const Scripts = z.array(z.looseObject({ type: z.string().optional(), code: z.unknown().optional() })).nullish();
const Common = { name: Scalar.optional(), id: Scalar.optional(), description: z.unknown().optional(), order: z.number().optional(), auth: Auth, scripts: Scripts };

export const V3DefinitionSchema = z.looseObject({ ...Common, variables: KeyValues });
export const V3RequestSchema = z.looseObject({
  ...Common,
  $kind: z.string().optional(),
  method: z.string().optional(),
  url: z.string().optional(),
  headers: KeyValues,
  queryParams: KeyValues,
  pathVariables: KeyValues,
  body: z.looseObject({ type: z.string().optional(), content: z.unknown().optional() }).nullish(),
  settings: z.record(z.string(), z.unknown()).nullish(),
  query: z.unknown().optional(),
  variables: z.unknown().optional(),
});
const ExampleResponse = z.looseObject({ code: z.number().optional(), statusCode: z.number().optional(), status: Scalar.optional(), headers: KeyValues, body: z.unknown().optional() });
export const V3ExampleSchema = z.looseObject({ name: Scalar.optional(), response: ExampleResponse.optional(), ...ExampleResponse.shape });
export const V3EnvironmentSchema = z.looseObject({ name: Scalar.optional(), values: KeyValues });
type V3Request = z.infer<typeof V3RequestSchema>;
type KeyValue = { key: string; value?: unknown; description?: string; disabled?: boolean; type?: string; src?: unknown; contentType?: string };

interface Context {
  root: string;
  warnings: string[];
  /** postman-collection's URL parser, loaded with the reader. */
  parseUrl: (raw: string) => Yaml;
}

function rel(ctx: Context, file: string): string {
  return path.relative(ctx.root, file).split(path.sep).join('/') || '.';
}

/** Reads one YAML file through the confined reader, bounds it and parses it with its schema. */
async function readYaml<T extends z.ZodType>(ctx: Context, file: string, schema: T, code: 'invalid_collection' | 'invalid_environment' = 'invalid_collection'): Promise<z.infer<T>> {
  const value = await readYamlValue(ctx, file, code);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.') || '(root)';
  throw new PowerError(code, `${rel(ctx, file)}: ${field} ${issue.message.replace(/^Invalid input: /, '')}`, {
    hint: 'Fix that field (see the Postman v3 collection format); the file is otherwise well-formed YAML.',
    details: { file: rel(ctx, file), field },
  });
}

async function readYamlValue(ctx: Context, file: string, code: 'invalid_collection' | 'invalid_environment'): Promise<Record<string, unknown>> {
  // Every YAML file of the tree through the one confined reader: a symlink out of the workspace is refused.
  const { text } = await readConfinedFile(ctx.root, file);
  // Loaded on first use: most sessions never read YAML, and the server should start fast.
  const { parse: parseYaml, YAMLParseError } = await import('yaml');
  try {
    // The yaml package parses YAML 1.2, so `yes`/`on` stay strings.
    let value: unknown;
    try {
      value = parseYaml(text, { prettyErrors: true });
    } catch (error) {
      if (error instanceof RangeError) throw new PowerError(code, `${rel(ctx, file)} nests too deeply to parse`, { hint: 'Flatten the YAML.', details: { file: rel(ctx, file) } });
      throw error;
    }
    if (value === null || value === undefined) return {};
    assertValueBounds(value, rel(ctx, file), code);
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new PowerError(code, `${rel(ctx, file)} holds ${Array.isArray(value) ? 'a list' : typeof value}, not a mapping`, {
        hint: 'Each v3 file is a YAML mapping (key: value lines).',
        details: { file: rel(ctx, file) },
      });
    }
    return value as Record<string, unknown>;
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const [start] = error.linePos ?? [];
      const where = start ? `:${start.line}:${start.col}` : '';
      throw new PowerError(code, `${rel(ctx, file)}${where}: malformed YAML: ${error.message.split('\n')[0]}`, {
        hint: 'Fix the YAML at that line and column (indentation and quoting are the usual causes).',
        details: { file: rel(ctx, file), ...(start ? { line: start.line, column: start.col } : {}) },
      });
    }
    throw error;
  }
}

/** True when something is at `file` (a symlink counts: reading it decides whether it may be followed). */
async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}

/** A directory's entries as files and directories, symlinks resolved through the confined check. */
async function listDirectory(ctx: Context, dir: string): Promise<Array<{ name: string; isFile: boolean; isDirectory: boolean }>> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const listed: Array<{ name: string; isFile: boolean; isDirectory: boolean }> = [];
  for (const entry of entries) {
    if (entry.isSymbolicLink()) {
      // Refused (path_outside_workspace) when it points out of the workspace.
      const target = await fs.stat(await resolveInsideRoot(ctx.root, path.join(dir, entry.name)));
      listed.push({ name: entry.name, isFile: target.isFile(), isDirectory: target.isDirectory() });
    } else listed.push({ name: entry.name, isFile: entry.isFile(), isDirectory: entry.isDirectory() });
  }
  return listed;
}

/** `Key: value` maps and `[{key, value, …}]` lists both become key/value lists. */
function keyValues(value: unknown): KeyValue[] {
  const parsed = KeyValues.safeParse(value);
  if (!parsed.success || !parsed.data) return [];
  const data = parsed.data;
  if (Array.isArray(data)) {
    return data
      .filter((entry) => entry !== null)
      .map((entry) => ({
        ...entry,
        key: String(entry.key),
        description: entry.description ?? undefined,
        ...(entry.value !== undefined ? { value: entry.value === null ? '' : entry.value } : {}),
        ...(entry.disabled === true || entry.enabled === false ? { disabled: true } : {}),
      }));
  }
  return Object.entries(data).map(([key, v]) => ({ key, value: v === null || v === undefined ? '' : v }));
}

function stringValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function convertAuth(ctx: Context, auth: z.infer<typeof Auth>, where: string): Yaml | undefined {
  if (auth === undefined || auth === null) return undefined; // no auth: inherit
  let chosen: z.infer<typeof AuthEntry>;
  if (!Array.isArray(auth)) chosen = auth;
  else {
    if (auth.length === 0) return undefined;
    if (auth.length > 1) ctx.warnings.push(`${where}: ${auth.length} auths are defined; the first ("${auth[0]?.name ?? auth[0]?.type}") is used`);
    chosen = auth[0];
  }
  const type = String(chosen.type ?? 'inherit');
  if (type === 'inherit') return undefined;
  if (type === 'noauth') return { type: 'noauth' };
  return { type, [type]: keyValues(chosen.credentials).map(({ key, value }) => ({ key, value: value ?? '', type: typeof value === 'boolean' ? 'boolean' : 'string' })) };
}

/** Scripts → v2.1 events. Requests say beforeRequest/afterResponse; collections and folders prefix `http:`. */
function convertScripts(ctx: Context, scripts: z.infer<typeof Scripts>, where: string): Yaml[] {
  if (!scripts) return [];
  const events: Yaml[] = [];
  for (const script of scripts) {
    const type = String(script?.type ?? '');
    const [prefix, phase] = type.includes(':') ? type.split(':', 2) : ['http', type];
    if (prefix !== 'http') continue; // scripts for other protocols do not apply to HTTP runs
    const listen = phase === 'beforeRequest' ? 'prerequest' : phase === 'afterResponse' ? 'test' : undefined;
    if (!listen) {
      ctx.warnings.push(`${where}: script type "${type}" is not known and was skipped`);
      continue;
    }
    events.push({ listen, script: { type: 'text/javascript', exec: stringValue(script.code).split('\n') } });
  }
  return events;
}

function convertVariables(value: unknown): Yaml[] {
  return keyValues(value).map((entry) => ({
    key: entry.key,
    value: stringValue(entry.value),
    ...(entry.description ? { description: entry.description } : {}),
    ...(entry.disabled ? { disabled: true } : {}),
  }));
}

function convertBody(ctx: Context, body: V3Request['body'], where: string): Yaml | undefined {
  if (!body) return undefined;
  const b = body;
  const type = String(b.type ?? 'none');
  if (type in RAW_LANGUAGES) return { mode: 'raw', raw: stringValue(b.content), options: { raw: { language: RAW_LANGUAGES[type] } } };
  if (type === 'urlencoded') {
    return { mode: 'urlencoded', urlencoded: keyValues(b.content).map((e) => ({ key: e.key, value: stringValue(e.value), ...(e.description ? { description: e.description } : {}), ...(e.disabled ? { disabled: true } : {}) })) };
  }
  if (type === 'formdata') {
    return {
      mode: 'formdata',
      formdata: keyValues(b.content).map((e) =>
        e.type === 'file'
          ? { key: e.key, type: 'file', src: e.src ?? e.value ?? null, ...(e.contentType ? { contentType: e.contentType } : {}), ...(e.disabled ? { disabled: true } : {}) }
          : { key: e.key, type: 'text', value: stringValue(e.value), ...(e.contentType ? { contentType: e.contentType } : {}), ...(e.disabled ? { disabled: true } : {}) },
      ),
    };
  }
  if (type === 'file') {
    // Both `content: {src}` and a bare `content: path` have been seen.
    const content = b.content;
    const src = typeof content === 'string' ? content : content && typeof content === 'object' && 'src' in content ? content.src : undefined;
    return { mode: 'file', file: { src: src ?? null } };
  }
  if (type !== 'none') ctx.warnings.push(`${where}: body type "${type}" is not known and was left out`);
  return undefined;
}

function convertUrl(ctx: Context, raw: string, request: V3Request): Yaml | string {
  const query = keyValues(request.queryParams);
  const variables = keyValues(request.pathVariables);
  if (query.length === 0 && variables.length === 0) return raw;
  // postman-collection ignores `raw` when given an object, so the URL is parsed here and only the
  // parts v3 keeps beside it (disabled query params, path variable values) are added.
  const url = ctx.parseUrl(raw);
  url.raw = raw;
  const present = new Set(((url.query as KeyValue[] | undefined) ?? []).map((q) => q.key));
  const disabled = query.filter((q) => q.disabled && !present.has(q.key)).map((q) => ({ key: q.key, value: stringValue(q.value), disabled: true }));
  if (disabled.length) url.query = [...((url.query as KeyValue[] | undefined) ?? []), ...disabled];
  if (variables.length) url.variable = variables.map((v) => ({ key: v.key, value: stringValue(v.value), ...(v.description ? { description: v.description } : {}) }));
  return url;
}

function convertSettings(settings: V3Request['settings']): Yaml | undefined {
  if (!settings) return undefined;
  const out: Yaml = { ...settings };
  if (Array.isArray(out.disabledSystemHeaders)) out.disabledSystemHeaders = Object.fromEntries(out.disabledSystemHeaders.map((name: string) => [String(name).toLowerCase(), true]));
  return out;
}

async function readExamples(ctx: Context, dir: string, requestName: string): Promise<Yaml[]> {
  const examplesDir = path.join(dir, '.resources', `${requestName}.resources`, 'examples');
  if (!(await exists(examplesDir))) return [];
  const files = (await listDirectory(ctx, examplesDir)).filter((entry) => entry.isFile && /\.example\.ya?ml$/i.test(entry.name)).map((entry) => entry.name).sort();
  const examples: Yaml[] = [];
  for (const file of files) {
    const example = await readYaml(ctx, path.join(examplesDir, file), V3ExampleSchema);
    // Example files are not documented: the response's status, headers and body are taken from
    // `response` (or the top level), which is what the converters we checked do.
    const response = example.response ?? example;
    const code = Number(response.code ?? response.statusCode ?? 200);
    const body = response.body;
    examples.push({
      name: String(example.name ?? file.replace(/\.example\.ya?ml$/i, '')),
      code,
      ...(response.status ? { status: String(response.status) } : {}),
      header: keyValues(response.headers).map((h) => ({ key: h.key, value: stringValue(h.value) })),
      body: typeof body === 'string' ? body : body && typeof body === 'object' && 'content' in body ? stringValue(body.content) : stringValue(body),
    });
  }
  return examples;
}

async function convertRequest(ctx: Context, dir: string, file: string): Promise<{ item?: Yaml; order?: number; name: string }> {
  const full = path.join(dir, file);
  const where = rel(ctx, full);
  const yaml = await readYaml(ctx, full, V3RequestSchema);
  const stem = file.replace(REQUEST_RE, '');
  const name = String(yaml.name ?? stem);
  const kind = String(yaml.$kind ?? 'http-request');
  const order = typeof yaml.order === 'number' ? yaml.order : undefined;
  if (kind !== 'http-request' && kind !== 'graphql-request') {
    ctx.warnings.push(`${where}: "${kind}" requests cannot be run here and were skipped`);
    return { name, order };
  }
  if (typeof yaml.url !== 'string' || yaml.url.trim() === '') {
    throw new PowerError('invalid_collection', `${where}: the request has no "url"`, { hint: 'Add `url: https://…` (variables like {{baseUrl}} are fine).', details: { file: where, field: 'url' } });
  }
  if (kind === 'http-request' && (typeof yaml.method !== 'string' || yaml.method.trim() === '')) {
    throw new PowerError('invalid_collection', `${where}: the request has no "method"`, { hint: 'Add `method: GET` (or POST, PUT, …).', details: { file: where, field: 'method' } });
  }
  const request: Yaml = {
    method: kind === 'graphql-request' ? String(yaml.method ?? 'POST').toUpperCase() : String(yaml.method).toUpperCase(),
    header: keyValues(yaml.headers).map((h) => ({ key: h.key, value: stringValue(h.value), ...(h.description ? { description: h.description } : {}), ...(h.disabled ? { disabled: true } : {}) })),
    url: convertUrl(ctx, yaml.url, yaml),
  };
  if (yaml.description) request.description = String(yaml.description);
  const auth = convertAuth(ctx, yaml.auth, where);
  if (auth) request.auth = auth;
  if (kind === 'graphql-request') {
    request.body = { mode: 'graphql', graphql: { query: stringValue(yaml.query), variables: typeof yaml.variables === 'string' ? yaml.variables : yaml.variables ? JSON.stringify(yaml.variables) : '' } };
  } else {
    const body = convertBody(ctx, yaml.body, where);
    if (body) request.body = body;
  }
  const item: Yaml = { name, request };
  if (yaml.id) item.id = String(yaml.id);
  const events = convertScripts(ctx, yaml.scripts, where);
  if (events.length) item.event = events;
  const behaviour = convertSettings(yaml.settings);
  if (behaviour) item.protocolProfileBehavior = behaviour;
  const examples = await readExamples(ctx, dir, stem);
  if (examples.length) item.response = examples;
  return { item, order, name };
}

/** The items of one directory (requests and sub-folders), sorted by `order`, then name. */
async function readLevel(ctx: Context, dir: string, depth: number): Promise<Yaml[]> {
  const children: Array<{ item?: Yaml; order?: number; name: string }> = [];
  for (const entry of await listDirectory(ctx, dir)) {
    if (entry.isDirectory && !entry.name.startsWith('.')) children.push(await readFolder(ctx, path.join(dir, entry.name), depth + 1));
    else if (entry.isFile && REQUEST_RE.test(entry.name)) children.push(await convertRequest(ctx, dir, entry.name));
  }
  // Items without an order go last; ties sort by name (the converters' convention; Postman says nothing).
  children.sort((a, b) => (a.order ?? Number.POSITIVE_INFINITY) - (b.order ?? Number.POSITIVE_INFINITY) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return children.flatMap((child) => (child.item ? [child.item] : []));
}

async function readDefinition(ctx: Context, dir: string): Promise<z.infer<typeof V3DefinitionSchema>> {
  for (const name of ['definition.yaml', 'definition.yml']) {
    const file = path.join(dir, '.resources', name);
    if (await exists(file)) return readYaml(ctx, file, V3DefinitionSchema);
  }
  return {};
}

async function readFolder(ctx: Context, dir: string, depth: number): Promise<{ item: Yaml; order?: number; name: string }> {
  const where = rel(ctx, dir);
  if (depth > MAX_FOLDER_NESTING) {
    throw new PowerError('invalid_collection', `${where} nests folders more than ${MAX_FOLDER_NESTING} levels deep; the limit is ${MAX_FOLDER_NESTING}`, {
      hint: 'Flatten the folder structure: no real collection needs that depth.',
      details: { limit: MAX_FOLDER_NESTING },
    });
  }
  const definition = await readDefinition(ctx, dir);
  const name = String(definition.name ?? path.basename(dir));
  const item: Yaml = { name, item: await readLevel(ctx, dir, depth) };
  if (definition.id) item.id = String(definition.id);
  if (definition.description) item.description = String(definition.description);
  const auth = convertAuth(ctx, definition.auth, where);
  if (auth) item.auth = auth;
  const events = convertScripts(ctx, definition.scripts, where);
  if (events.length) item.event = events;
  const variables = convertVariables(definition.variables);
  if (variables.length) {
    item.variable = variables;
    ctx.warnings.push(`${where}: folder variables (${variables.map((v) => v.key).join(', ')}) are kept, but the runtime does not resolve them, as in newman; use collection or environment variables`);
  }
  return { item, order: typeof definition.order === 'number' ? definition.order : undefined, name };
}

async function holdsRequests(dir: string, depth = 0): Promise<boolean> {
  if (depth > 8) return false;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    // Only a guess at the shape; the read that follows confines every file.
    if ((entry.isFile() || entry.isSymbolicLink()) && REQUEST_RE.test(entry.name)) return true;
    if (entry.isDirectory() && !entry.name.startsWith('.') && (await holdsRequests(path.join(dir, entry.name), depth + 1))) return true;
  }
  return false;
}

/** True when `dir` looks like a v3 collection: a definition, or request files somewhere below. */
export async function isV3CollectionDir(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, '.resources', 'definition.yaml'))) || (await exists(path.join(dir, '.resources', 'definition.yml'))) || holdsRequests(dir);
}

/** Reads a v3 collection directory into a v2.1 collection; `root` is for messages (relative paths). */
export async function readV3Collection(root: string, dir: string): Promise<{ collection: CollectionJson; warnings: string[] }> {
  if (!(await isV3CollectionDir(dir))) {
    throw new PowerError('invalid_collection', `${path.relative(root, dir) || dir} is a directory but not a Postman v3 collection (no .resources/definition.yaml and no *.request.yaml files)`, {
      hint: 'Name a collection directory such as postman/collections/<Collection>, or a v2.1 JSON file.',
    });
  }
  const sdk = await import('postman-collection');
  const Url = ((sdk as unknown as { default?: typeof sdk }).default ?? sdk).Url;
  const ctx: Context = { root, warnings: [], parseUrl: (raw) => Url.parse(raw) as Yaml };
  const definition = await readDefinition(ctx, dir);
  const collection: Yaml = {
    info: { name: String(definition.name ?? path.basename(dir)), schema: SCHEMA_V21, ...(definition.description ? { description: String(definition.description) } : {}) },
    item: await readLevel(ctx, dir, 1),
  };
  const auth = convertAuth(ctx, definition.auth, rel(ctx, dir));
  if (auth) collection.auth = auth;
  const events = convertScripts(ctx, definition.scripts, rel(ctx, dir));
  if (events.length) collection.event = events;
  const variables = convertVariables(definition.variables);
  if (variables.length) collection.variable = variables;
  return { collection: collection as CollectionJson, warnings: ctx.warnings };
}

/** `*.environment.yaml` / `*.globals.yaml`: values coerced to strings, `enabled: false` and `type: secret` kept. */
export async function readV3Environment(root: string, file: string): Promise<EnvironmentJson> {
  const ctx: Context = { root, warnings: [], parseUrl: () => ({}) };
  const yaml = await readYaml(ctx, file, V3EnvironmentSchema, 'invalid_environment');
  return {
    name: String(yaml.name ?? path.basename(file).replace(/\.(environment|globals)\.ya?ml$/i, '')),
    values: keyValues(yaml.values).map((entry) => ({
      key: entry.key,
      value: stringValue(entry.value),
      enabled: entry.disabled !== true,
      type: entry.type === 'secret' ? 'secret' : 'default',
    })),
  };
}
