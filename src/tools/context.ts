// What every tool handler gets: the shared core facade, the secrets to mask, and a logger.
import type { Logger } from '../core/logger.js';
import type { PostmanPowerClient } from '../core/power-client.js';
import type { SecretSet } from '../core/redact.js';

export interface ToolContext {
  client: PostmanPowerClient;
  secrets: SecretSet;
  logger: Logger;
  /** A test seam: runs before each handler (fault injection). */
  onToolCall?: (tool: string) => void;
}
