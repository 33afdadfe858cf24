// PostmanApiClient: the few Postman API calls this power needs, over ky. GETs retry on 429/5xx and
// network errors with jittered backoff, honouring Retry-After (and Postman's X-RateLimit-RetryAfter);
// every failure becomes a PowerError with a hint an agent can act on. Responses are size-capped and
// validated with zod before anyone reads them.
import type { HTTPError, KyInstance, Options as KyOptions } from 'ky';
import { z } from 'zod';
import { EXAMPLE_UID } from './config.js';
import { PowerError } from './errors.js';
import { POWER_NAME, POWER_VERSION } from './version.js';
import { CollectionJsonSchema, EnvironmentJsonSchema, type CollectionJson, type EnvironmentJson } from './collection/json.js';

export const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;
export const MAX_RETRY_AFTER_MS = 60_000;

export interface PostmanApiOptions {
  apiKey: string;
  baseUrl: string;
  /** Per-attempt timeout; default 30 s. */
  timeoutMs?: number;
  retryLimit?: number;
  maxResponseBytes?: number;
  fetch?: typeof fetch;
}

const MeSchema = z.looseObject({
  user: z.looseObject({ id: z.union([z.number(), z.string()]), username: z.string().optional(), fullName: z.string().optional(), email: z.string().optional() }),
});
const ListedEntity = z.looseObject({ id: z.string(), uid: z.string().optional(), name: z.string(), updatedAt: z.string().optional() });
const WorkspaceSchema = z.looseObject({
  workspace: z.looseObject({
    id: z.string(),
    name: z.string(),
    type: z.string().optional(),
    collections: z.array(ListedEntity).optional(),
    environments: z.array(ListedEntity).optional(),
  }),
});
const CollectionListSchema = z.looseObject({ collections: z.array(ListedEntity) });
const EnvironmentListSchema = z.looseObject({ environments: z.array(ListedEntity) });
const CollectionResponseSchema = z.looseObject({ collection: CollectionJsonSchema });
const EnvironmentResponseSchema = z.looseObject({ environment: EnvironmentJsonSchema });

export type PostmanUser = z.infer<typeof MeSchema>['user'];
export type PostmanWorkspace = z.infer<typeof WorkspaceSchema>['workspace'];
export type ListedEntity = z.infer<typeof ListedEntity>;

type ResourceKind = 'user' | 'workspace' | 'collection' | 'environment' | 'collections' | 'environments';

const NOT_FOUND_HINTS: Record<ResourceKind, string> = {
  user: 'Check POSTMAN_API_BASE_URL / POSTMAN_REGION.',
  workspace: 'Check `workspace` in .postman.json: workspace ids are uuids, shown in the workspace URL in Postman.',
  collection: `Check \`collection\` in .postman.json; UIDs look like ${EXAMPLE_UID}. The key's user must be able to see the collection.`,
  environment: `Check \`environment\` in .postman.json; UIDs look like ${EXAMPLE_UID}. The key's user must be able to see the environment.`,
  collections: 'Check `workspace` in .postman.json.',
  environments: 'Check `workspace` in .postman.json.',
};

/** Postman's three error body forms, reduced to a name and a message. */
export function parsePostmanErrorBody(text: string): { name?: string; message?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 300) || undefined };
  }
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  if (record.error && typeof record.error === 'object') {
    const inner = record.error as Record<string, unknown>;
    return { name: typeof inner.name === 'string' ? inner.name : undefined, message: typeof inner.message === 'string' ? inner.message : undefined };
  }
  if (typeof record.error === 'string') return { name: record.error, message: typeof record.message === 'string' ? record.message : undefined };
  // application/problem+json
  const name = typeof record.type === 'string' ? record.type.split('/').pop() : typeof record.title === 'string' ? record.title : undefined;
  const message = typeof record.detail === 'string' ? record.detail : typeof record.title === 'string' ? record.title : undefined;
  return { name, message };
}

function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const raw = headers.get('retry-after') ?? headers.get('x-ratelimit-retryafter') ?? headers.get('x-ratelimit-retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (!Number.isNaN(seconds)) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeWhen(ms: number | undefined): string {
  if (ms === undefined) return 'later';
  return `after ${new Date(Date.now() + ms).toISOString()} (in ${Math.ceil(ms / 1000)} s)`;
}

async function httpErrorToPowerError(error: HTTPError, kind: ResourceKind, ref: string): Promise<PowerError> {
  const { status } = error.response;
  const text = await error.response.text().catch(() => '');
  const { name, message } = parsePostmanErrorBody(text);
  const detail = message ? `: ${message}` : '';
  const details = { status, ...(name ? { postmanError: name } : {}) };
  if (status === 401) {
    return new PowerError('auth_failed', `The Postman API rejected the API key (401${detail})`, {
      hint: 'Create a key in Postman (avatar → Settings → API keys → Generate API Key), set it as POSTMAN_API_KEY in your MCP client\'s env, and restart the server.',
      details,
    });
  }
  if (status === 403) {
    return new PowerError('forbidden', `The API key may not access this ${kind} (403${detail})`, {
      hint: 'Use a key of a user who can see it, or ask the workspace admin for access.',
      details,
    });
  }
  if (status === 404 || (status === 400 && /instanceNotFound|notFound/i.test(name ?? ''))) {
    return new PowerError('not_found', `The ${kind} "${ref}" was not found (${status}${detail})`, { hint: NOT_FOUND_HINTS[kind], details });
  }
  if (status === 429) {
    const wait = retryAfterMs(error.response.headers);
    return new PowerError('rate_limited', `The Postman API rate limit was hit${detail}; retry ${describeWhen(wait)}`, {
      hint: 'Wait until the reset time, or use local collection files (the default that works offline) to avoid the API.',
      details: { ...details, retryAfterMs: wait ?? null },
    });
  }
  if (status >= 500) {
    return new PowerError('upstream_error', `The Postman API failed (${status}${detail}) after retries`, {
      hint: 'Postman may be having an incident (status.postman.com); retry later or use local files.',
      details,
    });
  }
  return new PowerError('bad_response', `The Postman API answered ${status}${detail}`, { hint: 'Check the reference and the API key.', details });
}

// ky is imported on the first API call (the server should start fast); its errors are recognised by
// name, which also works across module copies.
const isHttpError = (error: unknown): error is HTTPError => (error as { name?: string })?.name === 'HTTPError';
const isTimeoutError = (error: unknown): boolean => (error as { name?: string })?.name === 'TimeoutError';

export class PostmanApiClient {
  private httpClient: Promise<KyInstance> | undefined;
  private readonly maxBytes: number;

  constructor(private readonly options: PostmanApiOptions) {
    this.maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  }

  private http(): Promise<KyInstance> {
    this.httpClient ??= import('ky').then(({ default: ky }) => ky.create(this.kyOptions()));
    return this.httpClient;
  }

  private kyOptions(): KyOptions {
    const { options } = this;
    return {
      prefixUrl: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 30_000,
      headers: { 'X-Api-Key': options.apiKey, 'User-Agent': `${POWER_NAME}/${POWER_VERSION}`, Accept: 'application/json' },
      ...(options.fetch ? { fetch: options.fetch } : {}),
      retry: {
        limit: options.retryLimit ?? 3,
        methods: ['get'],
        statusCodes: [429, 500, 502, 503, 504],
        afterStatusCodes: [429, 503],
        maxRetryAfter: MAX_RETRY_AFTER_MS,
        backoffLimit: 10_000,
        jitter: true,
        shouldRetry: ({ error }) => {
          // A wait longer than we are willing to block becomes a rate-limit error naming the reset time.
          if (isHttpError(error)) {
            const wait = retryAfterMs(error.response.headers);
            if (wait !== undefined && wait > MAX_RETRY_AFTER_MS) return false;
          }
          return undefined;
        },
      },
      hooks: {
        afterResponse: [
          // Postman names its header X-RateLimit-RetryAfter, which ky does not read: restate it as Retry-After.
          (_request, _options, response) => {
            const postmanWait = response.headers.get('x-ratelimit-retryafter');
            if (postmanWait && !response.headers.has('retry-after')) {
              const headers = new Headers(response.headers);
              headers.set('retry-after', postmanWait);
              return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
            }
            return response;
          },
        ],
      },
    };
  }

  private async get<S extends z.ZodType>(url: string, schema: S, kind: ResourceKind, ref: string, searchParams?: Record<string, string>): Promise<z.infer<S>> {
    let response: Response;
    try {
      response = await (await this.http()).get(url, searchParams ? { searchParams } : {});
    } catch (error) {
      throw await this.toPowerError(error, kind, ref);
    }
    const text = await this.readCapped(response, kind);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new PowerError('bad_response', `The Postman API sent invalid JSON for the ${kind} "${ref}"`, {
        hint: 'Check POSTMAN_API_BASE_URL points at the Postman API (a proxy may be answering instead).',
        cause,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const fields = parsed.error.issues.slice(0, 5).map((issue) => issue.path.join('.') || '(root)').join(', ');
      throw new PowerError('bad_response', `The Postman API's ${kind} response has an unexpected shape (at ${fields})`, {
        hint: kind === 'collection' ? 'A collection needs `info` and `item`; re-export it in Postman or check POSTMAN_API_BASE_URL.' : 'Check POSTMAN_API_BASE_URL points at the Postman API.',
      });
    }
    return parsed.data;
  }

  private async readCapped(response: Response, kind: ResourceKind): Promise<string> {
    const tooLarge = () =>
      new PowerError('response_too_large', `The Postman API's ${kind} response is over ${Math.round(this.maxBytes / 1024 / 1024)} MB`, {
        hint: 'Split the collection into smaller ones, or export it to a local file and run it from there.',
      });
    const declared = Number(response.headers.get('content-length'));
    if (declared > this.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (!response.body) return '';
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        throw new PowerError('network_error', `The connection to the Postman API broke while reading the ${kind}`, { hint: 'Retry; check your network or proxy.', cause });
      }
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > this.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(chunk.value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async toPowerError(error: unknown, kind: ResourceKind, ref: string): Promise<PowerError> {
    if (error instanceof PowerError) return error;
    if (isHttpError(error)) return httpErrorToPowerError(error, kind, ref);
    if (isTimeoutError(error)) {
      return new PowerError('timeout', `The Postman API did not answer within ${Math.round((this.options.timeoutMs ?? 30_000) / 1000)} s`, {
        hint: 'Postman may be slow or unreachable from here; retry, or use local collection files.',
        cause: error,
      });
    }
    const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
    return new PowerError('network_error', `Cannot reach the Postman API at ${this.options.baseUrl} (${cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'network error'})`, {
      hint: 'Check the network, proxy and POSTMAN_API_BASE_URL; local collection files work offline.',
      cause: error,
    });
  }

  async getMe(): Promise<PostmanUser> {
    return (await this.get('me', MeSchema, 'user', 'me')).user;
  }

  async getWorkspace(id: string): Promise<PostmanWorkspace> {
    return (await this.get(`workspaces/${encodeURIComponent(id)}`, WorkspaceSchema, 'workspace', id)).workspace;
  }

  async listCollections(workspaceId?: string): Promise<ListedEntity[]> {
    return (await this.get('collections', CollectionListSchema, 'collections', workspaceId ?? '', workspaceId ? { workspace: workspaceId } : undefined)).collections;
  }

  async listEnvironments(workspaceId?: string): Promise<ListedEntity[]> {
    return (await this.get('environments', EnvironmentListSchema, 'environments', workspaceId ?? '', workspaceId ? { workspace: workspaceId } : undefined)).environments;
  }

  async getCollection(uid: string): Promise<CollectionJson> {
    return (await this.get(`collections/${encodeURIComponent(uid)}`, CollectionResponseSchema, 'collection', uid)).collection;
  }

  async getEnvironment(uid: string): Promise<EnvironmentJson> {
    return (await this.get(`environments/${encodeURIComponent(uid)}`, EnvironmentResponseSchema, 'environment', uid)).environment;
  }
}
