// The table of resources, registered in a loop by src/server.ts.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../tools/context.js';
import { registerConfigResource } from './config-resource.js';
import { registerRunsResource } from './runs-resource.js';

export const resources: Array<(server: McpServer, context: ToolContext) => void> = [registerConfigResource, registerRunsResource];
