// One small error family for the whole core. Every failure a user can hit becomes a PowerError with a
// stable code, a message saying what happened, and a hint saying how to fix it. The tool boundary
// (errorResult in src/tools/define-tool.ts) turns them into MCP `isError` results; the CLI prints them.
import { excerpt } from './json-text.js';

export type ErrorCode =
  | 'config_not_found'
  | 'config_is_directory'
  | 'config_unreadable'
  | 'config_empty'
  | 'config_too_large'
  | 'config_invalid_json'
  | 'config_not_object'
  | 'config_invalid'
  | 'config_unexpanded_variable'
  | 'api_key_missing'
  | 'auth_failed'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'upstream_error'
  | 'network_error'
  | 'timeout'
  | 'bad_response'
  | 'response_too_large'
  | 'path_outside_workspace'
  | 'file_not_found'
  | 'file_unreadable'
  | 'file_unwritable'
  | 'invalid_collection'
  | 'invalid_environment'
  | 'invalid_data_file'
  | 'ambiguous_reference'
  | 'nothing_configured'
  | 'invalid_argument'
  | 'invalid_report'
  | 'unknown_folder'
  | 'run_not_found'
  | 'nothing_to_rerun'
  | 'internal_error';

export interface FieldIssue {
  /** JSON path of the field, e.g. `collections.main.uid`. */
  path: string;
  message: string;
}

export interface PowerErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable facts (field issues, candidates, HTTP status...). */
  details?: Record<string, unknown>;
}

export class PowerError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: PowerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PowerError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** Plain data, safe to serialise (the cause is left out: it may hold request details). */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Works across module copies and realms, like ky's `isHTTPError`. */
export function isPowerError(value: unknown): value is PowerError {
  return (
    value instanceof PowerError ||
    (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'PowerError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}

/** Any thrown value as a PowerError; unknown faults keep their message under a generic code. */
export function toPowerError(value: unknown, fallback: ErrorCode = 'internal_error'): PowerError {
  if (isPowerError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  // Even a fault nobody foresaw tells the agent what to do next.
  return new PowerError(fallback, message, {
    cause: value,
    hint: 'An unexpected fault in postman-power; the server keeps running. Retry once; if it happens again, report it with the server\'s stderr log.',
  });
}

/** `code: message` then `Hint: ...`, the text an agent reads. */
export function formatError(error: PowerError): string {
  const lines = [`${error.code}: ${error.message}`];
  const issues = error.details?.issues as FieldIssue[] | undefined;
  if (Array.isArray(issues)) for (const issue of issues) lines.push(`  - ${issue.path}: ${issue.message}`);
  if (error.hint) lines.push(`Hint: ${error.hint}`);
  return lines.join('\n');
}

/** What redaction needs of a SecretSet (kept structural: errors.ts does not depend on redact.ts). */
export interface Redactor {
  redactText(text: string): string;
  redact<T>(value: T): T;
}

/** Caps on an error as it leaves: whatever input it repeats, an answer stays small (a client may not read a huge one). */
const MAX_MESSAGE_CHARS = 2_000;
const MAX_HINT_CHARS = 1_000;
const MAX_DETAIL_CHARS = 300;
const MAX_DETAIL_ITEMS = 50;
const MAX_DETAIL_DEPTH = 6;

function boundDetail(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return excerpt(value, MAX_DETAIL_CHARS);
  if (!value || typeof value !== 'object') return value;
  if (depth >= MAX_DETAIL_DEPTH) return '…';
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_DETAIL_ITEMS).map((item) => boundDetail(item, depth + 1));
    return value.length > MAX_DETAIL_ITEMS ? [...kept, `… ${value.length - MAX_DETAIL_ITEMS} more`] : kept;
  }
  return Object.fromEntries(Object.entries(value).slice(0, MAX_DETAIL_ITEMS).map(([key, item]) => [excerpt(key, MAX_DETAIL_CHARS), boundDetail(item, depth + 1)]));
}

/**
 * The same error as it may leave: message, hint and details masked field by field (whole, so no
 * secret is cut in two before it is seen), then bounded, before anything formats it.
 */
export function redactError(error: PowerError, secrets: Redactor): PowerError {
  return new PowerError(error.code, excerpt(secrets.redactText(error.message), MAX_MESSAGE_CHARS), {
    ...(error.hint ? { hint: excerpt(secrets.redactText(error.hint), MAX_HINT_CHARS) } : {}),
    ...(error.details ? { details: boundDetail(secrets.redact(error.details), 0) as Record<string, unknown> } : {}),
  });
}
