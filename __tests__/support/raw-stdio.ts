// The built server spawned with raw pipes: write any bytes to its stdin, and parse every line it
// writes to stdout (each must be a JSON-RPC message).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

export interface RawServer {
  child: ChildProcessWithoutNullStreams;
  messages: Array<Record<string, any>>;
  /** stdout lines that were not JSON-RPC messages. */
  junk: string[];
  stderr: string;
  send(value: unknown): void;
  write(raw: string): void;
  waitFor(predicate: (message: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
}

/** `args`: the script and its flags (default the built binary; tests may use __tests__/support/serve-test.mjs). */
export function spawnServer(cwd: string, env: Record<string, string> = {}, args: string[] = [path.resolve('dist/cli.cjs')]): RawServer {
  const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const server: RawServer = {
    child,
    messages: [],
    junk: [],
    stderr: '',
    send: (value) => child.stdin.write(`${JSON.stringify(value)}\n`),
    write: (raw) => child.stdin.write(raw),
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const found = server.messages.find(predicate);
        if (found) return resolve(found);
        const timer = setTimeout(() => {
          child.stdout.off('data', check);
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(server.messages).slice(0, 2000)}; stderr ${server.stderr.slice(0, 1000)}`));
        }, timeoutMs);
        const check = () => {
          const match = server.messages.find(predicate);
          if (match) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve(match);
          }
        };
        child.stdout.on('data', check);
      });
    },
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const parsed = JSON.parse(line);
        if (parsed && parsed.jsonrpc === '2.0') server.messages.push(parsed);
        else server.junk.push(line);
      } catch {
        server.junk.push(line);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    server.stderr += chunk.toString('utf8');
  });
  return server;
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/** The handshake a client makes, then tools/list: resolves with tools/list's answer. */
export async function listToolsOver(server: RawServer): Promise<Record<string, any>> {
  server.send(INITIALIZE);
  await server.waitFor((message) => message.id === INITIALIZE.id);
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  server.send({ jsonrpc: '2.0', id: 'tools', method: 'tools/list' });
  return server.waitFor((message) => message.id === 'tools');
}
