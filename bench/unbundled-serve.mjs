// The cold-start baseline: the MCP server as tsc builds it (hundreds of ES modules resolved and
// compiled on every start, no bundle, no code cache), which is what dist/cli.js ran before the
// bundle. bench/run.mjs starts both, side by side.
import { SecretSet } from '../dist/core/redact.js';
import { serveStdio } from '../dist/serve-stdio.js';

await serveStdio({ secrets: new SecretSet().add(process.env.POSTMAN_API_KEY) });
