// A real SDK Client connected to createServer() over the SDK's in-memory transport.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createServer, type ServerDeps, type PowerServer } from '../../src/server.js';
import { sharedWorkers } from './shared-workers.js';

export interface ConnectedPair {
  client: Client;
  power: PowerServer;
  stderr: string[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function connectPair(deps: ServerDeps = {}): Promise<ConnectedPair> {
  const stderr: string[] = [];
  const power = createServer({ logSink: (level, text) => stderr.push(`${level}: ${text}`), workers: sharedWorkers(), ...deps });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await power.server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    power,
    stderr,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async close() {
      await client.close();
      await power.close();
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}
