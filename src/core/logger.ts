// Logs go to stderr (never stdout: it belongs to JSON-RPC) and, when a client is connected, to MCP
// logging. Every line passes through the SecretSet first.
import type { SecretSet } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
}

export type LogSink = (level: LogLevel, text: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export function stderrSink(write: (text: string) => void = (text) => process.stderr.write(text)): LogSink {
  return (level, text) => write(`[postman-power] ${level}: ${text}\n`);
}

export function createLogger(secrets: SecretSet, sinks: LogSink[], minLevel: LogLevel = 'info'): Logger {
  return {
    log(level, message, data) {
      if (ORDER[level] < ORDER[minLevel]) return;
      // Masked before serialising: a secret inside data is seen whole, not JSON-escaped.
      const text = data ? `${secrets.redactText(message)} ${JSON.stringify(secrets.redact(data))}` : secrets.redactText(message);
      for (const sink of sinks) sink(level, text);
    },
  };
}

export const silentLogger: Logger = { log() {} };

/** Warns once, without the value, when a secret is too short to be masked inside free text. */
export function warnAboutShortSecrets(secrets: SecretSet, logger: Logger): void {
  secrets.onShortSecret((count) => {
    if (count === 1) {
      logger.log('warning', 'A secret value is shorter than 4 characters: it is masked where it is a whole field value, but cannot be masked inside longer text. Use longer secrets.');
    }
  });
}
