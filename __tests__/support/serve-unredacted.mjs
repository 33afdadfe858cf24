// Test-only entry: the built server over stdio with masking switched off through the injected secret
// registry, so the secrets tests can prove their leak detectors fail when redaction is gone. The
// shipped binary (dist/cli.js) has no such switch.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { SecretSet } from '../../dist/core/redact.js';
import { createServer } from '../../dist/server.js';

class NoRedaction extends SecretSet {
  redactText(text) {
    return text;
  }
  redact(value) {
    return value;
  }
}

// eslint-disable-next-line no-console -- redirecting, not printing: stdout belongs to JSON-RPC
console.log = console.error;
const { server, close } = createServer({ secrets: new NoRedaction() });
process.stdin.on('end', () => void close().finally(() => process.exit(0)));
await server.connect(new StdioServerTransport());
