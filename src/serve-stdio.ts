// The MCP server on stdio, as `postman-power` (no arguments, or `serve`) runs it: stdout kept for
// JSON-RPC, the line transport that survives oversized and malformed messages, a process-wide guard
// that turns an unexpected fault into a logged internal_error instead of a dead server, and a clean
// shutdown when the client goes away. Tests start it with injected dependencies.
import { createLogger, stderrSink } from './core/logger.js';
import { SecretSet } from './core/redact.js';
import { createServer, type ServerDeps } from './server.js';
import { DEFAULT_MAX_MESSAGE_BYTES, LineStdioTransport } from './stdio-transport.js';

/** Logs any rejection or exception nobody handled; the server keeps serving. Returns its removal. */
export function installFaultGuard(log: (text: string) => void): () => void {
  const describe = (fault: unknown) => (fault instanceof Error ? `${fault.message}\n${fault.stack ?? ''}` : String(fault));
  const onRejection = (reason: unknown) => log(`internal_error: an unhandled rejection was caught and the server keeps serving: ${describe(reason)}`);
  const onException = (error: unknown) => log(`internal_error: an uncaught exception was caught and the server keeps serving: ${describe(error)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

/** The largest JSON-RPC line accepted, from POSTMAN_POWER_MAX_MESSAGE_BYTES (default 10 MiB). */
export function maxMessageBytes(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.POSTMAN_POWER_MAX_MESSAGE_BYTES);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_MESSAGE_BYTES;
}

export async function serveStdio(deps: ServerDeps = {}): Promise<void> {
  // stdout belongs to JSON-RPC: anything a dependency prints through console goes to stderr instead.
  /* eslint-disable no-console -- redirecting, not printing */
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  /* eslint-enable no-console */
  // A client that goes away closes our stdout: shut down instead of dying on EPIPE.
  process.stdout.on('error', () => process.exit(0));
  const secrets = deps.secrets ?? new SecretSet();
  const guardLogger = createLogger(secrets, [stderrSink()], 'error');
  installFaultGuard((text) => guardLogger.log('error', text));
  const { server, close } = createServer({ ...deps, secrets });
  const transport = new LineStdioTransport({ maxMessageBytes: maxMessageBytes() });
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void close().finally(() => process.exit(0));
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await server.connect(transport);
}

/** `postman-power` (or `postman-power serve`) at a terminal or under a client. */
export async function serveFromCommandLine(): Promise<void> {
  // A person who typed `postman-power` at a terminal would otherwise see nothing happen.
  if (process.stdin.isTTY) process.stderr.write('postman-power: MCP server on stdio — waiting for a client; `postman-power --help` for the CLI.\n');
  const secrets = new SecretSet();
  secrets.add(process.env.POSTMAN_API_KEY);
  await serveStdio({ secrets });
}
