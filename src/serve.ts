// The MCP server's entry when the binary starts with no arguments, or `serve` (src/bin.ts): bundled
// alone into dist/postman-power-server.cjs, so a cold start reads and evaluates what the handshake
// needs. What it imports dynamically (the server's core, src/server-core.ts, and what the resources
// read with) comes from the CLI's bundle when first needed (src/core-bundle.ts).
import './zod-jitless.js';
import { serveFromCommandLine } from './serve-stdio.js';

void serveFromCommandLine();
