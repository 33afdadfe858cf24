// The table of resources, registered in a loop by src/server.ts. Each reads through the server's core,
// which loads on the first read (or once the server is idle after its handshake).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../tools/context.js';
import { registerConfigResource } from './config-resource.js';
import { registerRunsResource } from './runs-resource.js';

export const resources: Array<(server: McpServer, core: () => Promise<ToolContext>) => void> = [registerConfigResource, registerRunsResource];
