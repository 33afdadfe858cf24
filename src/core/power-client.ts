// PostmanPowerClient: the facade the MCP tools and the CLI share (plan task 3: activate, get
// collection, get environment, run collection; plus the health check of plan task 4).
import { readConfigState, type ConfigEnv, type ConfigState, type PostmanConfig } from './config.js';
import { checkBackendHealth, resolveTarget, type BodyExpectation, type HealthOptions, type HealthResult } from './health.js';
import type { StatusExpectation } from './status-ranges.js';
import { silentLogger, type Logger } from './logger.js';
import { SecretSet } from './redact.js';

export interface PowerClientDeps {
  env?: ConfigEnv;
  cwd?: string;
  secrets?: SecretSet;
  logger?: Logger;
}

export interface HealthArgs {
  /** Full URLs, or paths joined to the configured base URL. */
  urls?: string[];
  method?: 'GET' | 'HEAD';
  expectStatus?: StatusExpectation;
  expectBody?: BodyExpectation;
  timeoutMs?: number;
  attempts?: number;
  deadlineMs?: number;
  waitUntilHealthy?: boolean;
  signal?: AbortSignal;
}

export class PostmanPowerClient {
  readonly env: ConfigEnv;
  readonly cwd: string;
  readonly secrets: SecretSet;
  readonly logger: Logger;
  private configCache: Promise<ConfigState> | undefined;

  constructor(deps: PowerClientDeps = {}) {
    this.env = deps.env ?? (process.env as ConfigEnv);
    this.cwd = deps.cwd ?? process.cwd();
    this.secrets = deps.secrets ?? new SecretSet();
    this.logger = deps.logger ?? silentLogger;
    // The env key is a secret even before any config is read.
    this.secrets.add(this.env.POSTMAN_API_KEY);
  }

  /** The current config (cached until `invalidateConfig`); never throws, carries its error instead. */
  configState(): Promise<ConfigState> {
    this.configCache ??= readConfigState({ env: this.env, cwd: this.cwd }).then((state) => {
      this.secrets.add(state.config.apiKey, ...state.secrets);
      return state;
    });
    return this.configCache;
  }

  invalidateConfig(): void {
    this.configCache = undefined;
  }

  /** The config, or its error when the file exists but is broken (a missing file is not an error here). */
  async usableConfig(): Promise<PostmanConfig> {
    const state = await this.configState();
    if (state.error && state.error.code !== 'config_not_found') throw state.error;
    return state.config;
  }

  /** Plan task 4: checks the configured backend (or the given URLs). An unhealthy backend is a result, not an error. */
  async checkBackendHealth(args: HealthArgs = {}, overrides: Partial<HealthOptions> = {}): Promise<HealthResult> {
    const explicit = args.urls && args.urls.length > 0;
    const config = explicit ? (await this.configState()).config : await this.usableConfig();
    const targets = explicit ? args.urls! : config.health.paths.length ? config.health.paths : config.baseUrl ? [config.baseUrl] : [];
    return checkBackendHealth({
      urls: targets.map((target) => resolveTarget(target, config.baseUrl)),
      method: args.method,
      expectStatus: args.expectStatus ?? config.health.expectStatus,
      expectBody: args.expectBody,
      timeoutMs: args.timeoutMs ?? config.health.timeoutMs,
      attempts: args.attempts ?? config.health.attempts,
      deadlineMs: args.deadlineMs,
      waitUntilHealthy: args.waitUntilHealthy,
      signal: args.signal,
      ...overrides,
    });
  }

  /** Ends whatever the client still holds (runs, sockets). */
  async close(): Promise<void> {
    this.configCache = undefined;
  }
}
