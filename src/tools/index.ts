// The table of tools: one file each, listed here, registered in a loop by src/server.ts.
import { activatePowerTool } from './activate-power.js';
import { checkBackendHealthTool } from './check-backend-health.js';
import type { ToolDefinition } from './define-tool.js';
import { getCollectionTool } from './get-collection.js';
import { getEnvironmentTool } from './get-environment.js';
import { getRunTool } from './get-run.js';
import { runCollectionTool } from './run-collection.js';

export const tools: ToolDefinition[] = [activatePowerTool, checkBackendHealthTool, getCollectionTool, getEnvironmentTool, runCollectionTool, getRunTool];
