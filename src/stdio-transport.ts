// The stdio transport the server runs on. Like the SDK's (newline-delimited JSON-RPC), with three
// differences that keep a server alive when a client misbehaves:
// - a line over the size limit is discarded up to its newline and answered with a JSON-RPC error
//   (-32600, the limit in the message) instead of closing the transport — with the request's id when
//   the line's first kilobytes hold it (clients put it first), so the caller's call ends at once;
// - a line that is not JSON, or not a valid JSON-RPC message (e.g. `params` a string), is answered
//   with -32700 / -32600 (with the request's id when it has one) instead of being dropped;
// - a long line is gathered in linear time (the SDK re-concatenates its buffer on every chunk).
import process from 'node:process';
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface LineTransportOptions {
  stdin?: Readable;
  stdout?: Writable;
  maxMessageBytes?: number;
  /** Where a refused message is reported (stderr by default). */
  log?: (text: string) => void;
}

/** How much of a line's start is kept to find its id. */
const HEAD_CHARS = 4096;

/**
 * The `id` of a JSON-RPC object whose text starts with `head` (the rest cut off), when a top-level
 * "id" member comes whole within it; null otherwise. A small scanner: members before it are skipped
 * with their strings and nesting, so an "id" inside params or inside a string is not taken.
 */
export function idAtLineStart(head: string): string | number | null {
  const text = head;
  let at = 0;
  const space = () => {
    while (at < text.length && /\s/.test(text[at]!)) at += 1;
  };
  const string = (): string | undefined => {
    const match = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(at, at + HEAD_CHARS));
    if (!match) return undefined;
    at += match[0].length;
    try {
      return JSON.parse(match[0]) as string;
    } catch {
      return undefined;
    }
  };
  const skipValue = (): boolean => {
    let depth = 0;
    while (at < text.length) {
      const c = text[at]!;
      if (c === '"') {
        if (string() === undefined) return false;
        if (depth === 0) return true;
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) return true;
        depth -= 1;
        if (depth === 0) {
          at += 1;
          return true;
        }
      } else if (c === ',' && depth === 0) return true;
      at += 1;
    }
    return false;
  };
  space();
  if (text[at] !== '{') return null;
  at += 1;
  for (;;) {
    space();
    const key = string();
    if (key === undefined) return null;
    space();
    if (text[at] !== ':') return null;
    at += 1;
    space();
    if (key === 'id') {
      if (text[at] === '"') {
        const value = string();
        return value === undefined || !/^\s*[,}]/.test(text.slice(at, at + 64)) ? null : value;
      }
      const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?=\s*[,}])/.exec(text.slice(at, at + 64));
      return number ? Number(number[0]) : null;
    }
    if (!skipValue()) return null;
    space();
    if (text[at] !== ',') return null;
    at += 1;
  }
}

type ErrorReply = { jsonrpc: '2.0'; id: string | number | null; error: { code: number; message: string } };

export class LineStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;

  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private readonly limit: number;
  private readonly log: (text: string) => void;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The start of the line being gathered, to find the id of a line too long to read. */
  private head = '';
  private discarding = false;

  constructor(options: LineTransportOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.limit = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.log = options.log ?? ((text) => process.stderr.write(`[postman-power] warning: ${text}\n`));
  }

  private readonly onData = (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); ; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline < 0 ? chunk.length : newline);
      this.take(piece);
      if (newline < 0) return;
      this.endLine();
      start = newline + 1;
    }
  };

  private readonly onError = (error: Error) => this.onerror?.(error);

  private take(piece: Buffer): void {
    if (this.discarding || piece.length === 0) return;
    if (this.head.length < HEAD_CHARS) this.head += piece.subarray(0, HEAD_CHARS).toString('utf8');
    this.pendingBytes += piece.length;
    if (this.pendingBytes > this.limit) {
      // Answered at once, and the rest of the line is dropped as it arrives.
      this.discarding = true;
      this.pending = [];
      const id = idAtLineStart(this.head);
      this.head = '';
      this.log(`a JSON-RPC message over the ${this.limit}-byte limit was discarded`);
      this.reply({ jsonrpc: '2.0', id, error: { code: -32600, message: `Invalid Request: message exceeds the ${this.limit}-byte limit (POSTMAN_POWER_MAX_MESSAGE_BYTES) and was discarded` } });
      return;
    }
    this.pending.push(piece);
  }

  private endLine(): void {
    const wasDiscarding = this.discarding;
    const line = wasDiscarding ? '' : Buffer.concat(this.pending, this.pendingBytes).toString('utf8').replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    this.head = '';
    this.discarding = false;
    if (!wasDiscarding && line.trim() !== '') this.handleLine(line);
  }

  private handleLine(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.onerror?.(error as Error);
      this.reply({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the line is not JSON' } });
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (parsed.success) {
      this.onmessage?.(parsed.data);
      return;
    }
    const record = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    const id = typeof record.id === 'string' || typeof record.id === 'number' ? record.id : null;
    // A malformed response from the client has no one to answer; anything else gets an error.
    if (!('method' in record) && id !== null) return;
    const problem = typeof record.method !== 'string' ? 'no "method"' : 'params' in record && (typeof record.params !== 'object' || record.params === null || Array.isArray(record.params)) ? '"params" must be an object' : 'not a valid JSON-RPC 2.0 message';
    this.reply({ jsonrpc: '2.0', id, error: { code: -32600, message: `Invalid Request: ${problem}` } });
  }

  private reply(message: ErrorReply): void {
    void this.send(message as unknown as JSONRPCMessage);
  }

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.pending = [];
    this.onclose?.();
  }
}
