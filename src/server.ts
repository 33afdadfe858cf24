// createServer(deps): the MCP server over the shared core, without a transport (src/serve-stdio.ts
// connects stdio; tests connect an in-memory pair). No globals: every dependency is injected. This
// file is what a cold start evaluates before `initialize`: the SDK, the logger, the task store and
// tools/list as the build wrote it; the power client and the tools (src/server-core.ts) load on first
// need.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { createLogger, stderrSink, warnAboutShortSecrets, type LogSink } from './core/logger.js';
import { SecretSet } from './core/redact.js';
import { POWER_NAME, POWER_VERSION } from './core/version.js';
import { CONFIG_RESOURCE_URI } from './resources/config-resource.js';
import { resources } from './resources/index.js';
import { RUN_RESOURCE_PREFIX } from './resources/runs-resource.js';
import type { ServerCore, ServerDeps } from './server-core.js';
import { WorkTaskStore } from './tools/task-store.js';

/**
 * tools/list as JSON, written into the bundle by its build (scripts/bundle.mjs) from the same tool
 * definitions, so a cold start answers it without evaluating them; unbundled, the core works it out.
 */
declare const __POSTMAN_POWER_TOOLS_LIST__: string | undefined;
const builtToolsList = typeof __POSTMAN_POWER_TOOLS_LIST__ === 'string' ? __POSTMAN_POWER_TOOLS_LIST__ : undefined;

/** How long after the handshake an idle server loads its core, so the first tool call finds it loaded. */
export const CORE_LOAD_DELAY_MS = 50;

export type { ServerDeps } from './server-core.js';

export interface PowerServer {
  server: McpServer;
  /**
   * The power client, the tools and the config watcher (src/server-core.ts): loaded on the first tool
   * call or resource read, or once the server is idle after its handshake, not before `initialize`.
   */
  core(): Promise<ServerCore>;
  /** Settles once `.postman.json` is watched (or watching is off or impossible); loads the core. */
  readonly configWatched: Promise<void>;
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

  const subscriptions = new Set<string>();
  const updated = (uri: string) => {
    if (subscriptions.has(uri) && server.isConnected()) server.server.sendResourceUpdated({ uri }).catch(() => undefined);
  };
  let loading: Promise<ServerCore> | undefined;
  let closing = false;
  const core = (): Promise<ServerCore> => {
    if (closing) return Promise.reject(new Error('The server is closing'));
    loading ??= import('./server-core.js').then(({ createCore }) =>
      createCore(deps, secrets, logger, taskStore, {
        // postman://runs/{id} entries appear with each run and go when evicted: resources/list changed.
        runListChanged: () => {
          if (server.isConnected()) server.sendResourceListChanged();
        },
        runCompleted: (runId) => updated(`${RUN_RESOURCE_PREFIX}${runId}`),
        configChanged: () => updated(CONFIG_RESOURCE_URI),
      }),
    );
    // A core that failed to load is tried again by the next call, which reports why.
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };
  const idleLoad = () => {
    const timer = setTimeout(() => core().catch((error: unknown) => logger.log('error', `the server core failed to load: ${String(error)}`)), CORE_LOAD_DELAY_MS);
    timer.unref();
    return timer;
  };
  let idleTimer: NodeJS.Timeout | undefined;
  server.server.oninitialized = () => {
    idleTimer ??= idleLoad();
  };

  // The tools are this server's own handlers (src/tools/define-tool.ts), in place of the ones McpServer
  // installs for its tools capability; which declares listChanged: true, and this tool list never changes.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  let listing: ListToolsResult | undefined;
  server.server.setRequestHandler(ListToolsRequestSchema, async () => (builtToolsList ? (listing ??= JSON.parse(builtToolsList) as ListToolsResult) : (await core()).tools.list()));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => (await core()).tools.call(request, extra));
  const context = () => core().then(({ context }) => context);
  for (const register of resources) register(server, context);

  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  return {
    server,
    core,
    get configWatched() {
      if (deps.watchConfig === false) return Promise.resolve();
      return core().then(({ configWatched }) => configWatched, () => undefined);
    },
    async close() {
      clearTimeout(idleTimer);
      closing = true;
      const loaded = loading && (await loading.catch(() => undefined));
      await loaded?.close();
      await server.close();
    },
  };
}
