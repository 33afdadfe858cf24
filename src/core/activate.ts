// activatePower: in one call, where things stand and what to do next — config, API key, collection,
// environment, backend — each checked as far as it can be without blocking, offline when local.
import path from 'node:path';
import { z } from 'zod';
import { classifyReference, CONFIG_FILE_NAME, CONFIG_TEMPLATE, type ConfigState, type PostmanConfig } from './config.js';
import { toPowerError } from './errors.js';
import type { HealthOptions, HealthResult } from './health.js';
import type { PostmanApiClient } from './postman-api.js';
import type { EnvironmentView } from './sources/environment-view.js';
import { hostVariables, type Outline } from './sources/outline.js';
import type { SourceResolver } from './sources/resolve.js';
import { POWER_NAME, POWER_VERSION } from './version.js';

/**
 * What activation asks of the client, by shape: PostmanPowerClient provides it (its activatePower
 * calls this module), and this module does not import the client back.
 */
export interface ActivationClient {
  readonly cwd: string;
  invalidateConfig(): void;
  configState(): Promise<ConfigState>;
  resolver(): Promise<SourceResolver>;
  apiFor(config: PostmanConfig): Pick<PostmanApiClient, 'getMe'>;
  checkBackendHealth(args?: Partial<Pick<HealthOptions, 'urls' | 'expectStatus' | 'attempts' | 'timeoutMs' | 'deadlineMs'>>): Promise<HealthResult>;
  getCollection(args: Record<string, never>): Promise<Pick<Outline, 'name' | 'source' | 'totals'>>;
  getEnvironment(args: Record<string, never>): Promise<Pick<EnvironmentView, 'name' | 'source' | 'counts'>>;
}

const Problem = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() });

/** Files found (collections, environments) an answer names; the rest are counted. */
const DISCOVERED_SHOWN = 3;

export const ActivationSchema = z.object({
  power: z.object({ name: z.string(), version: z.string() }),
  ready: z.boolean().describe('Config valid, collection found and backend not unhealthy'),
  config: z.object({
    found: z.boolean(),
    file: z.string().optional(),
    shape: z.string(),
    valid: z.boolean(),
    warnings: z.array(z.string()).optional().describe('Only when there are any'),
    problems: z.array(Problem).optional().describe('Only when there are any'),
    template: z.record(z.string(), z.unknown()).optional().describe(`A ready-to-write ${CONFIG_FILE_NAME}, filled from the files found`),
    discovered: z
      .object({ collections: z.array(z.string()), collectionsTotal: z.number(), environments: z.array(z.string()), environmentsTotal: z.number() })
      .optional()
      .describe(`Without ${CONFIG_FILE_NAME}: the collection and environment files found (the first ${DISCOVERED_SHOWN} of each, and how many)`),
  }),
  apiKey: z.object({
    present: z.boolean(),
    source: z.enum(['env', 'file', 'none']),
    checked: z.boolean().describe('Checked with GET /me (only when a cloud source is configured)'),
    valid: z.boolean().optional(),
    account: z.string().optional(),
    problem: Problem.optional(),
  }),
  collection: z.object({ found: z.boolean(), name: z.string().optional(), source: z.string().optional(), requests: z.number().optional(), problem: Problem.optional() }),
  environment: z.object({ found: z.boolean(), name: z.string().optional(), source: z.string().optional(), values: z.number().optional(), problem: Problem.optional() }),
  backend: z.object({ checked: z.boolean(), url: z.string().optional(), status: z.enum(['healthy', 'degraded', 'unhealthy']).optional(), summary: z.string().optional().describe('Why, when it is not healthy') }),
  nextSteps: z.array(z.string()),
});
export type Activation = z.infer<typeof ActivationSchema>;


const problemOf = (error: unknown) => {
  const e = toPowerError(error);
  return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
};

function sourceLabel(source: { kind: string; path?: string; uid?: string; ref: string }): string {
  return source.kind === 'cloud' ? `cloud ${source.uid ?? source.ref}` : `${source.kind} ${source.path ?? source.ref}`;
}

const HEALTH_CANDIDATES = ['/health', '/healthz', '/api/health', '/status'];

/**
 * A ready-to-write .postman.json built from what is there: the collection and environment found, the
 * environment variable that holds the backend's URL (an http(s) value, preferring one the requests'
 * URLs start with) as baseUrl and baseUrlVariable, and a health path only if one answers.
 */
async function templateFor(client: ActivationClient, state: ConfigState, activation: Activation): Promise<Record<string, unknown>> {
  const resolver = await client.resolver().catch(() => undefined);
  const found = await resolver?.discover().catch(() => undefined);
  if (found) {
    activation.config.discovered = {
      collections: found.collections.slice(0, DISCOVERED_SHOWN),
      collectionsTotal: found.collections.length,
      environments: found.environments.slice(0, DISCOVERED_SHOWN),
      environmentsTotal: found.environments.length,
    };
  }
  const template: Record<string, unknown> = { ...CONFIG_TEMPLATE };
  if (found?.collections.length) template.collection = found.collections[0];
  if (found?.environments.length) template.environment = found.environments[0];
  else delete template.environment;
  if (!resolver) return template;
  const collection = found?.collections.length ? await resolver.resolveCollection(found.collections[0]).catch(() => undefined) : undefined;
  const hosts = collection ? hostVariables(collection.value) : [];
  const env = found?.environments.length ? await resolver.resolveEnvironment(found.environments[0]).catch(() => undefined) : undefined;
  const urls = (env?.value.values ?? []).filter((entry) => typeof entry.value === 'string' && /^https?:\/\/\S+$/.test(entry.value) && entry.enabled !== false);
  const base = urls.find((entry) => hosts.includes(entry.key)) ?? urls.find((entry) => entry.key === state.config.baseUrlVariable) ?? urls[0];
  if (base) {
    template.baseUrl = String(base.value).replace(/\/+$/, '');
    if (base.key !== 'baseUrl') template.baseUrlVariable = base.key;
  } else if (hosts.length && hosts[0] !== 'baseUrl') template.baseUrlVariable = hosts[0];
  if (base) {
    for (const candidate of HEALTH_CANDIDATES) {
      const probe = await client.checkBackendHealth({ urls: [`${template.baseUrl}${candidate}`], expectStatus: '200-299', attempts: 1, timeoutMs: 800, deadlineMs: 1000 }).catch(() => undefined);
      if (probe?.status === 'healthy') {
        template.health = { path: candidate };
        break;
      }
    }
  }
  return template;
}

export async function activatePower(client: ActivationClient): Promise<Activation> {
  client.invalidateConfig();
  const state = await client.configState();
  const { config } = state;
  const missing = state.error?.code === 'config_not_found';
  const activation: Activation = {
    power: { name: POWER_NAME, version: POWER_VERSION },
    ready: false,
    config: {
      found: !missing && Boolean(state.file),
      ...(state.file ? { file: path.relative(client.cwd, state.file) || state.file } : {}),
      shape: config.shape,
      valid: !state.error,
      ...(state.warnings.length ? { warnings: state.warnings } : {}),
      ...(state.error ? { problems: [problemOf(state.error)] } : {}),
    },
    apiKey: { present: Boolean(config.apiKey), source: config.apiKeySource, checked: false },
    collection: { found: false },
    environment: { found: false },
    backend: { checked: false },
    nextSteps: [],
  };
  if (missing) activation.config.template = await templateFor(client, state, activation);
  const invalid = Boolean(state.error) && !missing;

  // Collection and environment (local ones work offline).
  if (!invalid) {
    try {
      const result = await client.getCollection({});
      Object.assign(activation.collection, { found: true, name: result.name, source: sourceLabel(result.source), requests: result.totals.requests });
    } catch (error) {
      activation.collection.problem = problemOf(error);
    }
    try {
      const view = await client.getEnvironment({});
      Object.assign(activation.environment, { found: true, name: view.name, source: sourceLabel(view.source), values: view.counts.total });
    } catch (error) {
      const problem = problemOf(error);
      if (problem.code !== 'nothing_configured') activation.environment.problem = problem;
    }
  }

  // The key is checked against the API only when something in the cloud is configured.
  const cloudConfigured = [config.collection, config.environment].some((ref) => ref && ['uid', 'id'].includes(classifyReference(ref))) || Boolean(config.workspaceId);
  if (config.apiKey && cloudConfigured) {
    activation.apiKey.checked = true;
    try {
      const user = await client.apiFor(config).getMe();
      activation.apiKey.valid = true;
      activation.apiKey.account = user.fullName ?? user.username ?? String(user.id);
    } catch (error) {
      const problem = problemOf(error);
      if (problem.code === 'auth_failed') activation.apiKey.valid = false;
      activation.apiKey.problem = problem;
    }
  }

  // A quick look at the backend: 1–2 attempts, a second or two.
  let health: HealthResult | undefined;
  if (config.baseUrl && !invalid) {
    try {
      health = await client.checkBackendHealth({ attempts: 2, timeoutMs: 1000, deadlineMs: 3000 });
      activation.backend = { checked: true, url: health.targets[0]?.url, status: health.status, ...(health.status === 'healthy' ? {} : { summary: health.summary }) };
    } catch (error) {
      activation.backend = { checked: false, summary: problemOf(error).message };
    }
  }

  activation.nextSteps = nextSteps(activation, health);
  activation.ready = activation.config.valid && activation.collection.found && activation.backend.status !== 'unhealthy';
  return activation;
}

function nextSteps(a: Activation, health: HealthResult | undefined): string[] {
  const steps: string[] = [];
  if (!a.config.found) {
    steps.push(`Write ${CONFIG_FILE_NAME} in the project root with the template below (adjust baseUrl to where the backend listens).`);
  } else if (!a.config.valid) {
    steps.push(`Fix ${a.config.file}: ${(a.config.problems ?? []).map((p) => `${p.message}${p.hint ? ` — ${p.hint}` : ''}`).join('; ')}`);
  }
  for (const warning of a.config.warnings ?? []) steps.push(`Config warning: ${warning}`);
  if (a.apiKey.problem) steps.push(`API key: ${a.apiKey.problem.message}. ${a.apiKey.problem.hint ?? ''}`.trim());
  if (a.collection.problem) steps.push(`Collection: ${a.collection.problem.message}. ${a.collection.problem.hint ?? ''}`.trim());
  if (a.environment.problem) steps.push(`Environment: ${a.environment.problem.message}. ${a.environment.problem.hint ?? ''}`.trim());
  if (a.config.valid && !a.backend.checked && a.config.found) steps.push(`Set baseUrl in ${CONFIG_FILE_NAME} so the backend can be checked before runs.`);
  if (a.backend.status === 'unhealthy' || a.backend.status === 'degraded') {
    const failing = health?.targets.find((t) => !t.healthy);
    const answering = failing?.outcome === 'http_status' || failing?.outcome === 'body_mismatch';
    // A backend that answers is running: waiting for it to start can never help.
    steps.push(
      answering
        ? `Backend answers, but ${failing?.url} gave ${failing?.statusCode ?? failing?.outcome}: fix the health path in ${CONFIG_FILE_NAME} (or remove it: then any answer from baseUrl counts), or fix the backend.`
        : `Backend ${a.backend.status}: ${failing?.hint ?? a.backend.summary}. Start it, then call check_backend_health with wait_until_healthy: true.`,
    );
  }
  if (a.collection.found) {
    steps.push('Call get_collection to see what will run.');
    steps.push('Call run_collection after each backend change; read each failure (assertion, expected/actual, response excerpt) and propose a fix.');
  }
  if (steps.length === 0) steps.push('Export a collection from Postman into postman/collections/ (or set a cloud UID with POSTMAN_API_KEY), then call activate_power again.');
  return steps.map((step, index) => `${index + 1}. ${step}`);
}
