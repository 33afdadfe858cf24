// Test-only entry: the built server over stdio (serveStdio, as the binary runs it) with dependencies
// injected from the command line, so tests can prove their oracles fail and the fault guard holds:
//   --no-redaction   masking switched off through the injected secret registry
//   --inject-faults  each tool call first throws, rejects and throws asynchronously outside any handler
// The shipped binary (dist/cli.cjs) has no such switches.
import { SecretSet } from '../../dist/core/redact.js';
import { serveStdio } from '../../dist/serve-stdio.js';

class NoRedaction extends SecretSet {
  redactText(text) {
    return text;
  }
  redact(value) {
    return value;
  }
}

const flags = new Set(process.argv.slice(2));
await serveStdio({
  ...(flags.has('--no-redaction') ? { secrets: new NoRedaction() } : {}),
  ...(flags.has('--inject-faults')
    ? {
        onToolCall(name) {
          setImmediate(() => {
            throw new Error(`injected uncaught exception in ${name}`);
          });
          void Promise.reject(new Error(`injected unhandled rejection in ${name}`));
          if (name === 'get_environment') throw new Error(`injected synchronous fault in ${name}`);
        },
      }
    : {}),
});
