// PostmanConfig: the project's `.postman.json`, in any of the three shapes in use, normalised into one
// model. Loading never guesses silently: every problem names its field (a JSON path), what was
// expected with an example, and how to fix it — all problems at once, not one per attempt.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PowerError, type FieldIssue } from './errors.js';
import { assertJsonTextDepth } from './bounds.js';
import { parseJsonText } from './json-text.js';
import { readConfinedFile } from './files/workspace-files.js';
import { MASK, maskSecret } from './redact.js';
import { StatusExpectationSchema, parseStatusExpectation, formatStatusRanges, DEFAULT_EXPECTED_STATUS } from './status-ranges.js';
import { DEFAULT_RUN } from './runs/defaults.js';

export const CONFIG_FILE_NAME = '.postman.json';
export const MAX_CONFIG_BYTES = 1024 * 1024;
export const POSTMAN_API_US = 'https://api.getpostman.com';
export const POSTMAN_API_EU = 'https://api.eu.postman.com';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UID_RE = /^\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UNEXPANDED_RE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

export const EXAMPLE_UUID = '1f0df51a-8658-4ee8-a2a1-d2567dfa09a9';
export const EXAMPLE_UID = `12345678-${EXAMPLE_UUID}`;

export type ReferenceKind = 'uid' | 'id' | 'path' | 'name';

/** What a collection/environment reference is: a cloud UID or id, a local path, or a name to match. */
export function classifyReference(ref: string): ReferenceKind {
  if (UID_RE.test(ref)) return 'uid';
  if (UUID_RE.test(ref)) return 'id';
  if (/[\\/]/.test(ref) || /\.(json|ya?ml)$/i.test(ref) || ref.startsWith('.')) return 'path';
  return 'name';
}

function referenceProblem(ref: string): string | undefined {
  if (ref.trim() === '') return 'must not be empty: give a UID, an id, a local path or a name';
  if (UUID_RE.test(ref) || UID_RE.test(ref)) return undefined;
  if (/^\d+-/.test(ref) && !UID_RE.test(ref) && !/[\\/.]/.test(ref)) {
    return `"${ref}" is not a valid UID: UIDs are <owner id>-<uuid>, e.g. ${EXAMPLE_UID}`;
  }
  if (/^[0-9a-f]{6,}-[0-9a-f-]+$/i.test(ref) && !UUID_RE.test(ref) && !UID_RE.test(ref)) {
    return `"${ref}" is not a valid id: ids are uuids, e.g. ${EXAMPLE_UUID}`;
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

// ---------- input shapes (what people write) ----------

const Reference = z.string().superRefine((value, ctx) => {
  const problem = referenceProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const WorkspaceId = z.string().refine((value) => UUID_RE.test(value), {
  message: `must be a workspace id (a uuid), e.g. ${EXAMPLE_UUID}`,
});
const HttpUrl = z.string().refine(isHttpUrl, { message: 'must be an http(s) URL, e.g. http://localhost:3000' });
const ApiKey = z.string().superRefine((value, ctx) => {
  if (UNEXPANDED_RE.test(value.trim())) {
    ctx.addIssue({
      code: 'custom',
      message: `is the literal ${value.trim()}: your MCP client did not expand it; set POSTMAN_API_KEY in the client's env instead`,
    });
  } else if (value.trim() === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
});
const PositiveMs = z.number().int().min(1).max(3_600_000);

const HealthBlock = z.looseObject({
  path: z.string().optional().describe('Health path joined to baseUrl, e.g. /health'),
  paths: z.array(z.string()).min(1).optional(),
  expectStatus: StatusExpectationSchema.optional().superRefine((value, ctx) => {
    if (value === undefined) return;
    const parsed = parseStatusExpectation(value);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  }),
  timeoutMs: PositiveMs.optional(),
  attempts: z.number().int().min(1).max(50).optional(),
});

const Bail = z.union([z.boolean(), z.enum(['failure', 'error'])]);
const RunBlock = z.looseObject({
  maxResponseBytes: z.number().int().min(1024).max(2 ** 31).optional().describe('Largest response a request may receive; default 50 MB'),
  requestTimeoutMs: PositiveMs.optional(),
  scriptTimeoutMs: PositiveMs.optional(),
  runTimeoutMs: PositiveMs.optional(),
  bail: Bail.optional(),
  baseUrlVariable: z.string().min(1).optional(),
});

const Common = {
  health: HealthBlock.optional(),
  run: RunBlock.optional(),
  baseUrlVariable: z.string().min(1).optional(),
};

const SnakeShape = z.looseObject({
  workspace_id: WorkspaceId.optional(),
  collection_id: Reference.optional(),
  environment_id: Reference.optional(),
  api_key: ApiKey.optional(),
  base_url: HttpUrl.optional(),
  ...Common,
});

const KiroFlatShape = z.looseObject({
  workspaceId: WorkspaceId.optional(),
  collectionId: Reference.optional(),
  collectionUid: Reference.optional(),
  /** Any reference, typically a local path (our own addition to the flat shape). */
  collection: Reference.optional(),
  environmentId: Reference.optional(),
  environmentUid: Reference.optional(),
  environment: Reference.optional(),
  apiKey: ApiKey.optional(),
  baseUrl: HttpUrl.optional(),
  ...Common,
});

const NamedEntry = z.looseObject({
  id: z.string().optional(),
  uid: Reference.optional(),
  path: z.string().min(1).optional(),
  name: z.string().optional(),
});

const KiroNestedObject = z.looseObject({
    version: z.string(),
    project: z
      .looseObject({
        name: z.string().optional(),
        baseUrl: HttpUrl.optional(),
        region: z.enum(['us', 'eu']).optional(),
      })
      .optional(),
    default: z
      .looseObject({
        workspace: z.string().optional(),
        collection: z.string().optional(),
        environment: z.string().optional(),
      })
      .optional(),
    workspaces: z.record(z.string(), z.looseObject({ id: WorkspaceId, name: z.string().optional() })).optional(),
    collections: z.record(z.string(), NamedEntry.extend({ id: Reference.optional() })).optional(),
    environments: z.record(z.string(), NamedEntry.extend({ id: Reference.optional() })).optional(),
    apiKey: ApiKey.optional(),
    ...Common,
  });
const KiroNestedShape = KiroNestedObject.superRefine((value, ctx) => {
    const defaults = value.default ?? {};
    const maps = { workspace: value.workspaces, collection: value.collections, environment: value.environments } as const;
    for (const kind of ['workspace', 'collection', 'environment'] as const) {
      const key = defaults[kind];
      const map = maps[kind] as Record<string, unknown> | undefined;
      if (key !== undefined && !(map && Object.hasOwn(map, key))) {
        const known = Object.keys(map ?? {});
        ctx.addIssue({
          code: 'custom',
          path: ['default', kind],
          message: `names "${key}", which is not a key of "${kind}s" (${known.length ? `known: ${known.join(', ')}` : `"${kind}s" is empty`})`,
        });
      }
    }
    for (const kind of ['collections', 'environments'] as const) {
      for (const [key, entry] of Object.entries(value[kind] ?? {})) {
        if (!entry.uid && !entry.id && !entry.path) {
          ctx.addIssue({ code: 'custom', path: [kind, key], message: 'needs a "uid", an "id" or a local "path"' });
        }
      }
    }
  });

export type ConfigShape = 'snake_case' | 'kiro_flat' | 'kiro_nested' | 'none';

/** Every spelling of an API key people write; the one a shape does not define is still a key (used, masked, warned about). */
export const API_KEY_SPELLINGS = ['apiKey', 'api_key', 'apikey', 'postmanApiKey', 'postman_api_key', 'POSTMAN_API_KEY', 'x-api-key', 'X-Api-Key'] as const;

/** The API key under a spelling the detected shape does not define, if any. */
function foreignApiKey(raw: Record<string, unknown>, own: string): { spelling: string; value: string } | undefined {
  for (const spelling of API_KEY_SPELLINGS) {
    const value = raw[spelling];
    if (spelling !== own && typeof value === 'string' && value.trim()) return { spelling, value };
  }
  return undefined;
}

// ---------- the normalised model ----------

export const PostmanConfigSchema = z.object({
  workspaceId: z.string().optional().describe('Postman workspace id (uuid)'),
  collection: z.string().optional().describe('Collection reference: UID, id, local path or name'),
  environment: z.string().optional().describe('Environment reference: UID, id, local path or name'),
  apiKey: z.string().optional().describe('Postman API key (never shown whole)'),
  apiKeySource: z.enum(['env', 'file', 'none']),
  apiBaseUrl: z.string(),
  region: z.enum(['us', 'eu']),
  baseUrl: z.string().optional().describe('The backend under test'),
  baseUrlVariable: z.string(),
  projectName: z.string().optional(),
  health: z.object({
    paths: z.array(z.string()),
    expectStatus: z.string(),
    timeoutMs: z.number(),
    attempts: z.number(),
  }),
  run: z.object({
    maxResponseBytes: z.number(),
    requestTimeoutMs: z.number(),
    scriptTimeoutMs: z.number(),
    runTimeoutMs: z.number(),
    bail: z.union([z.literal(false), z.enum(['failure', 'error'])]),
  }),
  /** Directory that local paths resolve against and file reads are confined to. */
  root: z.string(),
  file: z.string().optional(),
  shape: z.enum(['snake_case', 'kiro_flat', 'kiro_nested', 'none']),
  /** Fields we do not use (e.g. Kiro's `testResults`), kept as written. */
  extra: z.record(z.string(), z.unknown()),
});

export type PostmanConfig = z.infer<typeof PostmanConfigSchema>;

/** The one home of the defaults: health checks and runs read them from here. */
export const DEFAULT_HEALTH = { timeoutMs: 2000, attempts: 5, deadlineMs: 30_000 };
/** A run's defaults live in runs/defaults.ts (read before the config has loaded); here for the config's readers. */
export { DEFAULT_RUN };

/** The keys each shape defines, read off its schema (one source of truth). */
const KNOWN_KEYS: Record<Exclude<ConfigShape, 'none'>, string[]> = {
  snake_case: Object.keys(SnakeShape.shape),
  kiro_flat: Object.keys(KiroFlatShape.shape),
  kiro_nested: Object.keys(KiroNestedObject.shape),
};
const SHARED_KEYS = new Set(Object.keys(Common));
/** Keys only one shape has: they decide the shape (`version` alone does not: Kiro's steering writes it beside flat keys). */
const DECIDING_KEYS: Record<Exclude<ConfigShape, 'none'>, string[]> = {
  snake_case: KNOWN_KEYS.snake_case.filter((key) => !SHARED_KEYS.has(key) && key.includes('_')),
  kiro_flat: KNOWN_KEYS.kiro_flat.filter((key) => !SHARED_KEYS.has(key) && key !== 'apiKey'),
  kiro_nested: KNOWN_KEYS.kiro_nested.filter((key) => !SHARED_KEYS.has(key) && key !== 'apiKey' && key !== 'version'),
};

/** The shape whose own keys the file uses most (nested wins when any of its structures is there). */
export function detectShape(raw: Record<string, unknown>): Exclude<ConfigShape, 'none'> {
  const score = (shape: Exclude<ConfigShape, 'none'>) => DECIDING_KEYS[shape].filter((key) => key in raw).length;
  if (score('kiro_nested') > 0) return 'kiro_nested';
  return score('snake_case') > score('kiro_flat') ? 'snake_case' : 'kiro_flat';
}

/** The same field under each shape's spelling; a field written in another shape's spelling is mapped, never dropped. */
const FIELD_SPELLINGS: Record<'workspaceId' | 'collection' | 'environment' | 'baseUrl', string[]> = {
  workspaceId: ['workspace_id', 'workspaceId'],
  collection: ['collection_id', 'collectionUid', 'collectionId', 'collection'],
  environment: ['environment_id', 'environmentUid', 'environmentId', 'environment'],
  baseUrl: ['base_url', 'baseUrl'],
};
const FIELD_TYPES = { workspaceId: WorkspaceId, collection: Reference, environment: Reference, baseUrl: HttpUrl };

export interface ConfigEnv {
  POSTMAN_API_KEY?: string;
  POSTMAN_API_BASE_URL?: string;
  POSTMAN_REGION?: string;
  POSTMAN_POWER_CONFIG?: string;
  POSTMAN_POWER_ROOT?: string;
  [name: string]: string | undefined;
}

export interface LoadedConfig {
  config: PostmanConfig;
  warnings: string[];
  /** The key as written in the file (untrimmed), to be masked in that form too. */
  fileApiKey?: string;
}

interface FileFields {
  workspaceId?: string;
  collection?: string;
  environment?: string;
  apiKey?: string;
  baseUrl?: string;
  region?: 'us' | 'eu';
  projectName?: string;
  health?: z.infer<typeof HealthBlock>;
  run?: z.infer<typeof RunBlock>;
  baseUrlVariable?: string;
  extra: Record<string, unknown>;
  /** Set when the key was found under another shape's spelling. */
  apiKeySpelling?: string;
  /** Fields read from another shape's spelling, for the warnings. */
  mapped?: string[];
}

function pickExtra(raw: Record<string, unknown>, shape: Exclude<ConfigShape, 'none'>): Record<string, unknown> {
  const known = new Set<string>([...KNOWN_KEYS[shape], ...API_KEY_SPELLINGS, ...Object.values(FIELD_SPELLINGS).flat(), 'version']);
  return Object.fromEntries(Object.entries(raw).filter(([key]) => !known.has(key)));
}

/**
 * Fields written in another shape's spelling (`collection_id` in a flat file, `baseUrl` beside a
 * nested `project`): mapped onto the detected shape's fields with a warning, or, when they disagree
 * with a field already there, a config_invalid naming both — never dropped.
 */
function mapForeignFields(raw: Record<string, unknown>, shape: Exclude<ConfigShape, 'none'>, fields: FileFields, file: string): void {
  const own = new Set(KNOWN_KEYS[shape]);
  const issues: FieldIssue[] = [];
  for (const [field, spellings] of Object.entries(FIELD_SPELLINGS) as Array<[keyof typeof FIELD_SPELLINGS, string[]]>) {
    // In the nested shape every flat spelling is foreign (its fields live under project/default).
    const foreign = spellings.filter((key) => key in raw && (shape === 'kiro_nested' || !own.has(key)));
    for (const key of foreign) {
      const parsed = FIELD_TYPES[field].safeParse(raw[key]);
      if (!parsed.success) {
        issues.push({ path: key, message: parsed.error.issues[0].message });
        continue;
      }
      const value = field === 'baseUrl' ? parsed.data.replace(/\/+$/, '') : parsed.data;
      const current = fields[field];
      const currentValue = field === 'baseUrl' && current ? current.replace(/\/+$/, '') : current;
      if (current === undefined) {
        fields[field] = value;
        fields.mapped = [...(fields.mapped ?? []), `"${key}" (the ${shapeOfSpelling(key)} spelling) was read as ${field}`];
      } else if (currentValue !== value) {
        issues.push({ path: key, message: `says "${value}" but the ${shape} field for ${field} says "${current}": keep one of them` });
      }
    }
  }
  if (issues.length) throw invalid(file, issues);
}

function shapeOfSpelling(key: string): string {
  return key.includes('_') ? 'snake_case' : 'flat camelCase';
}

/** The key a shape spells itself, or one found under another spelling (with which). */
function apiKeyOf(raw: Record<string, unknown>, own: 'apiKey' | 'api_key', parsed: string | undefined): Pick<FileFields, 'apiKey' | 'apiKeySpelling'> {
  if (parsed !== undefined) return { apiKey: parsed };
  const foreign = foreignApiKey(raw, own);
  return foreign ? { apiKey: foreign.value, apiKeySpelling: foreign.spelling } : {};
}

function entryRef(entry: { uid?: string; id?: string; path?: string } | undefined): string | undefined {
  return entry ? (entry.uid ?? entry.id ?? entry.path) : undefined;
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.code === 'invalid_type' ? `${issue.message.replace(/^Invalid input: /, '')}` : issue.message,
  }));
}

function invalid(file: string, issues: FieldIssue[]): PowerError {
  return new PowerError('config_invalid', `${file} has ${issues.length} invalid field${issues.length === 1 ? '' : 's'}`, {
    hint: 'Fix each field listed (its JSON path comes first), then call again. See the config reference in README.md.',
    details: { file, issues },
  });
}

/** Validates one parsed file in its shape and flattens it to the fields we use. */
export function normaliseFile(raw: Record<string, unknown>, file: string): { shape: Exclude<ConfigShape, 'none'>; fields: FileFields } {
  const shape = detectShape(raw);
  const { fields } = normaliseInShape(raw, file, shape);
  mapForeignFields(raw, shape, fields, file);
  return { shape, fields };
}

function normaliseInShape(raw: Record<string, unknown>, file: string, shape: Exclude<ConfigShape, 'none'>): { shape: Exclude<ConfigShape, 'none'>; fields: FileFields } {
  const extra = pickExtra(raw, shape);
  if (shape === 'snake_case') {
    const parsed = SnakeShape.safeParse(raw);
    if (!parsed.success) throw invalid(file, issuesOf(parsed.error));
    const v = parsed.data;
    return {
      shape,
      fields: {
        workspaceId: v.workspace_id, collection: v.collection_id, environment: v.environment_id, ...apiKeyOf(raw, 'api_key', v.api_key),
        baseUrl: v.base_url, health: v.health, run: v.run, baseUrlVariable: v.baseUrlVariable, extra,
      },
    };
  }
  if (shape === 'kiro_flat') {
    const parsed = KiroFlatShape.safeParse(raw);
    if (!parsed.success) throw invalid(file, issuesOf(parsed.error));
    const v = parsed.data;
    return {
      shape,
      fields: {
        workspaceId: v.workspaceId,
        collection: v.collectionUid ?? v.collectionId ?? v.collection,
        environment: v.environmentUid ?? v.environmentId ?? v.environment,
        ...apiKeyOf(raw, 'apiKey', v.apiKey), baseUrl: v.baseUrl, health: v.health, run: v.run, baseUrlVariable: v.baseUrlVariable, extra,
      },
    };
  }
  const parsed = KiroNestedShape.safeParse(raw);
  if (!parsed.success) throw invalid(file, issuesOf(parsed.error));
  const v = parsed.data;
  const defaults = v.default ?? {};
  return {
    shape,
    fields: {
      workspaceId: defaults.workspace ? v.workspaces?.[defaults.workspace]?.id : undefined,
      collection: entryRef(defaults.collection ? v.collections?.[defaults.collection] : undefined),
      environment: entryRef(defaults.environment ? v.environments?.[defaults.environment] : undefined),
      ...apiKeyOf(raw, 'apiKey', v.apiKey),
      baseUrl: v.project?.baseUrl,
      region: v.project?.region,
      projectName: v.project?.name,
      health: v.health,
      run: v.run,
      baseUrlVariable: v.baseUrlVariable,
      extra,
    },
  };
}

/** Builds the normalised config from file fields (possibly none) and the environment. */
export function buildConfig(
  fields: FileFields | undefined,
  env: ConfigEnv,
  root: string,
  file: string | undefined,
  shape: ConfigShape,
): LoadedConfig {
  const warnings: string[] = [];
  const issues: FieldIssue[] = [];
  let apiKey: string | undefined;
  let apiKeySource: PostmanConfig['apiKeySource'] = 'none';
  const envKey = env.POSTMAN_API_KEY?.trim();
  if (envKey && UNEXPANDED_RE.test(envKey)) {
    warnings.push(
      `POSTMAN_API_KEY is the literal ${envKey}: your MCP client did not expand it. Export POSTMAN_API_KEY in the shell that starts the client, or write the key in the client's env block.`,
    );
  } else if (envKey) {
    apiKey = envKey;
    apiKeySource = 'env';
  }
  for (const note of fields?.mapped ?? []) warnings.push(`${file}: ${note}; write it in one shape's spelling to silence this.`);
  if (fields?.apiKeySpelling) {
    warnings.push(`${file} spells the API key "${fields.apiKeySpelling}", which its ${shape} shape does not define; it is treated as the API key (and masked). Better: move it to the POSTMAN_API_KEY environment variable.`);
  }
  if (fields?.apiKey) {
    if (apiKeySource === 'env') {
      warnings.push(`${file} also holds an API key; POSTMAN_API_KEY wins. Remove the key from the file: it may end up in git.`);
    } else {
      // Sent trimmed; the raw form (trailing whitespace and all) is registered as a secret too.
      apiKey = fields.apiKey.trim();
      apiKeySource = 'file';
      warnings.push(`${file} holds an API key (${maskSecret(fields.apiKey)}). Move it to the POSTMAN_API_KEY environment variable so it stays out of git.`);
    }
  }

  let region: 'us' | 'eu' = fields?.region ?? 'us';
  const envRegion = env.POSTMAN_REGION?.trim().toLowerCase();
  if (envRegion) {
    if (envRegion === 'eu' || envRegion === 'us') region = envRegion;
    else issues.push({ path: 'env.POSTMAN_REGION', message: `"${env.POSTMAN_REGION}" is not a region: use "us" or "eu"` });
  }
  let apiBaseUrl = region === 'eu' ? POSTMAN_API_EU : POSTMAN_API_US;
  const envApi = env.POSTMAN_API_BASE_URL?.trim();
  if (envApi) {
    if (isHttpUrl(envApi)) apiBaseUrl = envApi.replace(/\/+$/, '');
    else issues.push({ path: 'env.POSTMAN_API_BASE_URL', message: `"${envApi}" must be an http(s) URL, e.g. ${POSTMAN_API_US}` });
  }
  if (issues.length) {
    throw new PowerError('config_invalid', `The environment has ${issues.length} invalid variable${issues.length === 1 ? '' : 's'}`, {
      hint: 'Fix the variables listed in the MCP client\'s env block (or your shell), then restart the server.',
      details: { issues },
    });
  }

  const health = fields?.health;
  const expect = health?.expectStatus === undefined ? DEFAULT_EXPECTED_STATUS : health.expectStatus;
  const ranges = parseStatusExpectation(expect);
  const run = fields?.run;
  const bail = run?.bail === true ? 'failure' : run?.bail === false || run?.bail === undefined ? false : run.bail;
  const config: PostmanConfig = {
    ...(fields?.workspaceId ? { workspaceId: fields.workspaceId } : {}),
    ...(fields?.collection ? { collection: fields.collection } : {}),
    ...(fields?.environment ? { environment: fields.environment } : {}),
    ...(apiKey ? { apiKey } : {}),
    apiKeySource,
    apiBaseUrl,
    region,
    ...(fields?.baseUrl ? { baseUrl: fields.baseUrl.replace(/\/+$/, '') } : {}),
    baseUrlVariable: run?.baseUrlVariable ?? fields?.baseUrlVariable ?? 'baseUrl',
    ...(fields?.projectName ? { projectName: fields.projectName } : {}),
    health: {
      paths: health?.paths ?? (health?.path ? [health.path] : []),
      expectStatus: typeof ranges === 'string' ? DEFAULT_EXPECTED_STATUS : formatStatusRanges(ranges),
      timeoutMs: health?.timeoutMs ?? DEFAULT_HEALTH.timeoutMs,
      attempts: health?.attempts ?? DEFAULT_HEALTH.attempts,
    },
    run: {
      maxResponseBytes: run?.maxResponseBytes ?? DEFAULT_RUN.maxResponseBytes,
      requestTimeoutMs: run?.requestTimeoutMs ?? DEFAULT_RUN.requestTimeoutMs,
      scriptTimeoutMs: run?.scriptTimeoutMs ?? DEFAULT_RUN.scriptTimeoutMs,
      runTimeoutMs: run?.runTimeoutMs ?? DEFAULT_RUN.runTimeoutMs,
      bail,
    },
    root,
    ...(file ? { file } : {}),
    shape,
    extra: fields?.extra ?? {},
  };
  return { config, warnings, ...(fields?.apiKey ? { fileApiKey: fields.apiKey } : {}) };
}

// ---------- finding and reading the file ----------

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Something is there, even a dangling symlink (reading it then says what is wrong). */
async function existsAsLink(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** The workspace root: POSTMAN_POWER_ROOT, else cwd. */
export function workspaceRoot(env: ConfigEnv, cwd: string = process.cwd()): string {
  return path.resolve(cwd, env.POSTMAN_POWER_ROOT?.trim() || '.');
}

/**
 * Where `.postman.json` is: POSTMAN_POWER_CONFIG when set, else the nearest one from the workspace
 * root upward, stopping at the first git root. Undefined when there is none.
 */
export async function findConfig(env: ConfigEnv, cwd: string = process.cwd()): Promise<string | undefined> {
  const root = workspaceRoot(env, cwd);
  if (env.POSTMAN_POWER_CONFIG?.trim()) return path.resolve(root, env.POSTMAN_POWER_CONFIG.trim());
  // A root the client named is the whole workspace: a .postman.json above it is not this project's.
  if (env.POSTMAN_POWER_ROOT?.trim()) {
    const candidate = path.join(root, CONFIG_FILE_NAME);
    return (await existsAsLink(candidate)) ? candidate : undefined;
  }
  let dir = root;
  for (;;) {
    const candidate = path.join(dir, CONFIG_FILE_NAME);
    if (await existsAsLink(candidate)) return candidate;
    if (await exists(path.join(dir, '.git'))) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export const CONFIG_TEMPLATE: Record<string, unknown> = {
  collection: 'postman/collections/My API.postman_collection.json',
  environment: 'postman/environments/Local.postman_environment.json',
  baseUrl: 'http://localhost:3000',
};

/**
 * Reads and parses the file (BOM accepted), with a typed error for each way it can fail. The read
 * goes through the confined reader: a `.postman.json` that is a symlink out of its folder, a FIFO or a
 * device is refused before anything waits on it. `explicit`: named by POSTMAN_POWER_CONFIG, which
 * the client chose, so it may live anywhere (it is still read only if it is a regular file).
 */
export async function readConfigFile(file: string, explicit = false): Promise<Record<string, unknown>> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (cause) {
    throw new PowerError('config_not_found', `No config file at ${file}`, {
      hint: `Create ${CONFIG_FILE_NAME} in the project root (or fix POSTMAN_POWER_CONFIG), e.g. ${JSON.stringify(CONFIG_TEMPLATE)}`,
      cause,
    });
  }
  if (stat.isDirectory()) {
    throw new PowerError('config_is_directory', `${file} is a directory, not a JSON file`, {
      hint: `Remove the directory and write ${CONFIG_FILE_NAME} as a JSON file, or point POSTMAN_POWER_CONFIG at a file.`,
    });
  }
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new PowerError('config_too_large', `${file} is ${stat.size} bytes; the limit is ${MAX_CONFIG_BYTES} (1 MB)`, {
      hint: 'A config only names a workspace, collection, environment and base URL: keep collections in their own files.',
    });
  }
  let text: string;
  try {
    const folder = explicit ? path.dirname(await fs.realpath(file)) : path.dirname(file);
    text = (await readConfinedFile(folder, explicit ? await fs.realpath(file) : file, { maxBytes: MAX_CONFIG_BYTES })).text;
  } catch (cause) {
    if (cause instanceof PowerError && cause.code === 'path_outside_workspace') {
      throw new PowerError('path_outside_workspace', `${file} is a symlink to a file outside its folder; it is not read`, {
        hint: `Write ${CONFIG_FILE_NAME} as a real file in the project, or name the file you mean with POSTMAN_POWER_CONFIG.`,
      });
    }
    throw new PowerError('config_unreadable', `Cannot read ${file}: ${cause instanceof PowerError ? cause.message : ((cause as NodeJS.ErrnoException).code ?? String(cause))}`, {
      hint: 'Check the file permissions (the server runs as your user) and that it is a regular file.',
      cause,
    });
  }
  if (text.replace(/^\ufeff/, '').trim() === '') {
    throw new PowerError('config_empty', `${file} is empty`, {
      hint: `Write a JSON object into it, e.g. ${JSON.stringify(CONFIG_TEMPLATE)}`,
    });
  }
  assertJsonTextDepth(text, file, 'config_invalid');
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    const { line, column } = parsed.error;
    throw new PowerError('config_invalid_json', `${file} is not valid JSON: ${parsed.error.message}`, {
      hint: 'Fix the JSON syntax at that position (comments and trailing commas are not allowed).',
      details: { line, column },
    });
  }
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PowerError('config_not_object', `${file} holds ${Array.isArray(value) ? 'an array' : `a ${value === null ? 'null' : typeof value}`}, not a JSON object`, {
      hint: `The top level must be an object, e.g. ${JSON.stringify(CONFIG_TEMPLATE)}`,
    });
  }
  return value as Record<string, unknown>;
}

export interface LoadConfigOptions {
  env?: ConfigEnv;
  cwd?: string;
}

/** Finds, reads, validates and normalises the config. Throws PowerError; a missing file is an error. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? (process.env as ConfigEnv);
  const file = await findConfig(env, options.cwd);
  if (!file) {
    throw new PowerError('config_not_found', `No ${CONFIG_FILE_NAME} in ${workspaceRoot(env, options.cwd)} or its parents up to the git root`, {
      hint: `Create ${CONFIG_FILE_NAME} in the project root, e.g. ${JSON.stringify(CONFIG_TEMPLATE)} — or call activate_power for one filled from the files found.`,
    });
  }
  const raw = await readConfigFile(file, Boolean(env.POSTMAN_POWER_CONFIG?.trim()));
  const { shape, fields } = normaliseFile(raw, file);
  return buildConfig(fields, env, path.dirname(file), file, shape);
}

/** The config as the server sees it: never throws; when the file is missing or broken, says why. */
export interface ConfigState {
  config: PostmanConfig;
  warnings: string[];
  error?: PowerError;
  /** The file that was looked at (found or named), if any. */
  file?: string;
  /** Secret values seen in the file, even an invalid one, so outputs can mask them. */
  secrets: string[];
}

export async function readConfigState(options: LoadConfigOptions = {}): Promise<ConfigState> {
  const env = options.env ?? (process.env as ConfigEnv);
  const root = workspaceRoot(env, options.cwd);
  try {
    const loaded = await loadConfig(options);
    return { ...loaded, file: loaded.config.file, secrets: [...(loaded.config.apiKey ? [loaded.config.apiKey] : []), ...(loaded.fileApiKey ? [loaded.fileApiKey] : [])] };
  } catch (error) {
    const powerError = error instanceof PowerError ? error : new PowerError('config_unreadable', String(error), { cause: error });
    let fallback: LoadedConfig;
    try {
      fallback = buildConfig(undefined, env, root, undefined, 'none');
    } catch {
      fallback = buildConfig(undefined, {}, root, undefined, 'none');
    }
    const file = await findConfig(env, options.cwd).catch(() => undefined);
    const raw = file ? await readConfigFile(file, Boolean(env.POSTMAN_POWER_CONFIG?.trim())).catch(() => undefined) : undefined;
    const secrets = [...API_KEY_SPELLINGS.map((spelling) => raw?.[spelling]), env.POSTMAN_API_KEY].filter((value): value is string => typeof value === 'string');
    return { config: fallback.config, warnings: fallback.warnings, error: powerError, secrets, ...(file ? { file } : {}) };
  }
}

/**
 * The config as resources, the CLI and activate_power show it: the API key masked, and the fields
 * we do not use shown by name only (their values masked: a file written by another tool may hold
 * credentials under any name).
 */
export function redactConfig(config: PostmanConfig): Omit<PostmanConfig, 'apiKey'> & { apiKey?: string } {
  const extra = Object.fromEntries(Object.keys(config.extra).map((key) => [key, MASK]));
  return { ...config, extra, ...(config.apiKey ? { apiKey: maskSecret(config.apiKey) } : {}) };
}
