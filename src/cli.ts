#!/usr/bin/env node
// `postman-power`: with no arguments (or `serve`) the MCP server on stdio. stdout carries JSON-RPC
// only; everything else goes to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createServer } from './server.js';

async function serve(): Promise<void> {
  const { server, close } = createServer();
  const transport = new StdioServerTransport();
  const shutdown = () => {
    void close().finally(() => process.exit(0));
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await server.connect(transport);
}

serve().catch((error) => {
  process.stderr.write(`[postman-power] fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
