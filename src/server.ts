// createServer(deps): the MCP server over the shared core, without a transport (src/cli.ts connects
// stdio; tests connect an in-memory pair). No globals: every dependency is injected.
import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { CONFIG_FILE_NAME, findConfig, workspaceRoot } from './core/config.js';
import { watchConfigFile, type ConfigWatcher } from './core/config-watcher.js';
import { createLogger, stderrSink, warnAboutShortSecrets, type LogLevel, type LogSink } from './core/logger.js';
import { PostmanPowerClient, type PowerClientDeps } from './core/power-client.js';
import { SecretSet } from './core/redact.js';
import { POWER_NAME, POWER_VERSION } from './core/version.js';
import { CONFIG_RESOURCE_URI } from './resources/config-resource.js';
import { resources } from './resources/index.js';
import { RUN_RESOURCE_PREFIX } from './resources/runs-resource.js';
import type { ToolContext } from './tools/context.js';
import { registerTools } from './tools/define-tool.js';
import { tools } from './tools/index.js';
import { WorkTaskStore } from './tools/task-store.js';

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

export interface PowerServer {
  server: McpServer;
  client: PostmanPowerClient;
  context: ToolContext;
  /** Settles once `.postman.json` is watched (or watching is off or impossible). */
  configWatched: Promise<void>;
  close(): Promise<void>;
}

/**
 * The SDK's JSON Schema validator (it checks elicitation answers, which this server never asks for),
 * built on first use: building Ajv and its formats cost every start ~5 ms before `initialize`.
 */
class LazyJsonSchemaValidator implements jsonSchemaValidator {
  private ajv: AjvJsonSchemaValidator | undefined;
  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    return (this.ajv ??= new AjvJsonSchemaValidator()).getValidator<T>(schema);
  }
}

export function createServer(deps: ServerDeps = {}): PowerServer {
  const secrets = deps.secrets ?? new SecretSet();
  // run_collection runs as an MCP task when a client asks (tasks/get, tasks/result, tasks/cancel, tasks/list).
  const taskStore = new WorkTaskStore();
  const server = new McpServer(
    { name: POWER_NAME, version: POWER_VERSION, title: 'Postman Power' },
    {
      capabilities: {
        logging: {},
        resources: { subscribe: true, listChanged: true },
        tools: { listChanged: false },
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      taskStore,
      jsonSchemaValidator: new LazyJsonSchemaValidator(),
      instructions:
        'Test the user\'s backend with Postman collections. Start with activate_power; then check_backend_health, get_collection, run_collection. Failed runs are normal results: read each failure and propose a fix.',
    },
  );
  const mcpSink: LogSink = (level, text) => {
    if (server.isConnected()) server.sendLoggingMessage({ level, logger: POWER_NAME, data: text }).catch(() => undefined);
  };
  const logger = createLogger(secrets, [deps.logSink ?? stderrSink(), mcpSink], deps.logLevel ?? 'info');
  warnAboutShortSecrets(secrets, logger);
  const client = new PostmanPowerClient({ ...deps, secrets, logger });
  const context: ToolContext = { client, secrets, logger, ...(deps.onToolCall ? { onToolCall: deps.onToolCall } : {}) };

  registerTools(server, tools, context, taskStore);
  for (const register of resources) register(server, context);
  // The SDK declares tools.listChanged: true when tools are registered; the tool list never changes.
  server.server.registerCapabilities({ tools: { listChanged: false } });

  const subscriptions = new Set<string>();
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  // postman://runs/{id} entries appear with each run and go when evicted: resources/list changed.
  client.runs.onListChanged(() => {
    if (server.isConnected()) server.sendResourceListChanged();
  });
  client.runs.onComplete((summary) => {
    const uri = `${RUN_RESOURCE_PREFIX}${summary.runId}`;
    if (subscriptions.has(uri) && server.isConnected()) server.server.sendResourceUpdated({ uri }).catch(() => undefined);
  });

  let watcher: ConfigWatcher | undefined;
  let configWatched = Promise.resolve();
  if (deps.watchConfig !== false) {
    const env = client.env;
    configWatched = findConfig(env, client.cwd).then((found) => {
      const file = found ?? path.join(workspaceRoot(env, client.cwd), CONFIG_FILE_NAME);
      watcher = watchConfigFile(file, () => {
        client.invalidateConfig();
        void client.configState().then((state) => {
          logger.log(state.error ? 'warning' : 'info', `config reloaded from ${file}${state.error ? `: ${state.error.message}` : ''}`);
          if (subscriptions.has(CONFIG_RESOURCE_URI) && server.isConnected()) {
            server.server.sendResourceUpdated({ uri: CONFIG_RESOURCE_URI }).catch(() => undefined);
          }
        });
      });
    });
  }

  return {
    server,
    client,
    context,
    configWatched: configWatched.catch(() => undefined),
    async close() {
      watcher?.close();
      await client.close();
      await server.close();
    },
  };
}
