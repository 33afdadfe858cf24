// PostmanPowerClient: the facade the MCP tools and the CLI share (plan task 3: activate, get
// collection, get environment, run collection; plus the health check of plan task 4).
import { readConfigState, type ConfigEnv, type ConfigState } from './config.js';
import { silentLogger, type Logger } from './logger.js';
import { SecretSet } from './redact.js';

export interface PowerClientDeps {
  env?: ConfigEnv;
  cwd?: string;
  secrets?: SecretSet;
  logger?: Logger;
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

  /** Ends whatever the client still holds (runs, sockets). */
  async close(): Promise<void> {
    this.configCache = undefined;
  }
}
