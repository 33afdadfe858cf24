// The server's core: the power client, the tools and what watches the config — everything a tool call
// or a resource read needs and the MCP handshake does not. src/server.ts loads it on the first need
// (or once the server is idle after its handshake), so `initialize` and tools/list are answered
// without evaluating it; the bundle turns the dynamic import into a lazily run module.
import path from 'node:path';
import { CONFIG_FILE_NAME, findConfig, workspaceRoot } from './core/config.js';
import { watchConfigFile, type ConfigWatcher } from './core/config-watcher.js';
import type { Logger, LogLevel, LogSink } from './core/logger.js';
import { PostmanPowerClient, type PowerClientDeps } from './core/power-client.js';
import type { SecretSet } from './core/redact.js';
import type { ToolContext } from './tools/context.js';
import { toolHandlers, type ToolHandlers } from './tools/define-tool.js';
import { tools } from './tools/index.js';
import type { WorkTaskStore } from './tools/task-store.js';

/** What createServer takes (src/server.ts); the core uses the client's part. */
export interface ServerDeps extends Omit<PowerClientDeps, 'secrets' | 'logger'> {
  /**
   * The secret registry. Tests inject one whose masking is switched off to prove their leak
   * detectors can fail; the shipped binary always builds its own.
   */
  secrets?: SecretSet;
  /** Called before each tool call's handler; tests inject faults through it. */
  onToolCall?: (tool: string) => void;
  /** Where log lines go besides MCP logging; default stderr. */
  logSink?: LogSink;
  logLevel?: LogLevel;
  /** Watch `.postman.json` and notify subscribers of `postman://config`; default true. */
  watchConfig?: boolean;
}

/** What the core tells the MCP side about, for the notifications it sends. */
export interface CoreEvents {
  /** A run record came or went: resources/list changed. */
  runListChanged(): void;
  /** A run ended: its resource changed. */
  runCompleted(runId: string): void;
  /** `.postman.json` changed and was read again. */
  configChanged(): void;
}

export interface ServerCore {
  client: PostmanPowerClient;
  context: ToolContext;
  tools: ToolHandlers;
  /** Settles once `.postman.json` is watched (or watching is off or impossible). */
  configWatched: Promise<void>;
  close(): Promise<void>;
}

export function createCore(deps: ServerDeps, secrets: SecretSet, logger: Logger, taskStore: WorkTaskStore, events: CoreEvents): ServerCore {
  const client = new PostmanPowerClient({ ...deps, secrets, logger });
  const context: ToolContext = { client, secrets, logger, ...(deps.onToolCall ? { onToolCall: deps.onToolCall } : {}) };
  client.runs.onListChanged(() => events.runListChanged());
  client.runs.onComplete((summary) => events.runCompleted(summary.runId));

  let watcher: ConfigWatcher | undefined;
  let closed = false;
  let configWatched = Promise.resolve();
  if (deps.watchConfig !== false) {
    const env = client.env;
    configWatched = findConfig(env, client.cwd).then((found) => {
      if (closed) return;
      const file = found ?? path.join(workspaceRoot(env, client.cwd), CONFIG_FILE_NAME);
      watcher = watchConfigFile(file, () => {
        client.invalidateConfig();
        void client.configState().then((state) => {
          logger.log(state.error ? 'warning' : 'info', `config reloaded from ${file}${state.error ? `: ${state.error.message}` : ''}`);
          events.configChanged();
        });
      });
    });
  }

  return {
    client,
    context,
    tools: toolHandlers(tools, context, taskStore),
    configWatched: configWatched.catch(() => undefined),
    async close() {
      closed = true;
      watcher?.close();
      await client.close();
    },
  };
}
