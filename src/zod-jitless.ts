// Imported first by each entry of the binary (src/serve.ts, and the CLI's bundle, see
// scripts/bundle.mjs), for its effect: these processes parse small inputs (JSON-RPC messages,
// arguments, a config file), and building each schema's compiled parser (zod's `new Function` fast
// path) cost a cold start ~5 ms and saved nothing measurable after. It must run before the MCP SDK's
// protocol schemas are built, so they take it too; zod keeps the setting on globalThis.
import { config } from 'zod';

config({ jitless: true });
