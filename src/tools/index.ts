// The table of tools: one file each, listed here, registered in a loop by src/server.ts.
import { checkBackendHealthTool } from './check-backend-health.js';
import type { ToolDefinition } from './define-tool.js';

export const tools: ToolDefinition[] = [checkBackendHealthTool];
